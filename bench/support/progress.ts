/** Progress lines on stderr (stdout stays clean for a child's JSON). At most one line every `everyMs`. */
export function progress(label: string, everyMs = 3_000): (text: string, force?: boolean) => void {
  let last = 0;
  return (text, force = false) => {
    const now = performance.now();
    if (!force && now - last < everyMs) return;
    last = now;
    process.stderr.write(`[bench ${label}] ${text}\n`);
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every `everyMs` until true; false once `timeoutMs` has passed. */
export async function until(cond: () => boolean, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

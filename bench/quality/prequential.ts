/** Accuracy bookkeeping shared by every TypeScript learner of the quality benchmark. */
export class Prequential {
  private correct = 0;
  private n = 0;
  private windowCorrect = 0;
  private windowN = 0;
  readonly curve: [number, number][] = [];

  constructor(readonly window = 1000) {}

  /** `errors`: 1 = error, 0 = correct (the project-wide error-stream convention). */
  add(errors: Float32Array): void {
    for (const e of errors) {
      const ok = e < 0.5 ? 1 : 0;
      this.correct += ok;
      this.windowCorrect += ok;
      this.n++;
      this.windowN++;
      if (this.windowN === this.window) {
        this.curve.push([this.n, this.windowCorrect / this.window]);
        this.windowCorrect = 0;
        this.windowN = 0;
      }
    }
  }

  get accuracy(): number {
    return this.n ? this.correct / this.n : 0;
  }

  get samples(): number {
    return this.n;
  }
}

/** CPU seconds (user + system) spent in `fn`, accumulated into `acc.cpu`. */
export function timed<T>(acc: { cpu: number }, fn: () => T): T {
  const start = process.cpuUsage();
  try {
    return fn();
  } finally {
    const d = process.cpuUsage(start);
    acc.cpu += (d.user + d.system) / 1e6;
  }
}

export async function timedAsync<T>(acc: { cpu: number }, fn: () => Promise<T>): Promise<T> {
  const start = process.cpuUsage();
  try {
    return await fn();
  } finally {
    const d = process.cpuUsage(start);
    acc.cpu += (d.user + d.system) / 1e6;
  }
}

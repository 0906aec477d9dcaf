import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServiceStatus } from '../../src/pipeline/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** An absolute loader URL: `--import tsx` would resolve tsx from the child's cwd, which may be a temp folder. */
const TSX = import.meta.resolve('tsx');

/**
 * Runs `streamtrain run --config FILE` (or another command, e.g. `['decide']`) as a real child process (from the
 * TypeScript sources via tsx), with its stdout and stderr appended to `logFile`, so tests can SIGKILL it like a
 * crashing container.
 */
export function spawnService(opts: {
  config: string;
  logFile: string;
  cwd?: string;
  env?: Record<string, string>;
  command?: readonly string[];
}): ChildProcess & { exited: Promise<number | null> } {
  const fd = openSync(opts.logFile, 'a');
  const command = opts.command ?? ['run', '--progress-seconds', '5'];
  const child = spawn(process.execPath, ['--import', TSX, `${ROOT}src/cli/main.ts`, ...command, '--config', opts.config], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env, NODE_OPTIONS: '' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { exited });
}

/** A TCP port free on loopback right now, for a spawned service's HTTP server. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The service's `/status`, or undefined while it does not answer. */
export async function statusOf(port: number): Promise<ServiceStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(1_000) });
    return (await res.json()) as ServiceStatus;
  } catch {
    return undefined;
  }
}

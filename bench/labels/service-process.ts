/**
 * `streamtrain run --config FILE` as a child process (from the TypeScript sources via tsx), output appended to
 * `logFile`, so a bench can SIGKILL it like a crashing container. The child gets the bench's environment less
 * any KAFKA_SASL_* (the configs here name plaintext brokers), plus `env`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = import.meta.resolve('tsx');

export function spawnService(config: string, logFile: string, env: Record<string, string>): ChildProcess & { exited: Promise<number | null> } {
  const fd = openSync(logFile, 'a');
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KAFKA_SASL_')));
  const child = spawn(process.execPath, ['--import', TSX, `${ROOT}src/cli/main.ts`, 'run', '--config', config, '--progress-seconds', '5'], {
    cwd: ROOT,
    env: { ...base, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { exited });
}

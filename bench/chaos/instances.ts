/**
 * The chaos benchmark's supervisor: `streamtrain run` child processes (from the TypeScript sources via tsx),
 * one per slot, each with its own server.port and STREAMTRAIN_INSTANCE_ID (`<slot><generation>`, so every
 * process is told apart in LATEST and manifests). Each slot's /status is polled every 100 ms; a process that
 * exits is restarted, like a container supervisor would, and every exit is counted (killed by the bench or not).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceStatus } from '../../src/pipeline/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = import.meta.resolve('tsx');
const POLL_MS = 100;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function statusOf(port: number, timeoutMs = 800): Promise<ServiceStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    return (await res.json()) as ServiceStatus;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** User + system CPU seconds of a process so far (Linux /proc), undefined when it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface ExitRecord {
  readonly slot: string;
  readonly instance: string;
  readonly at: number;
  readonly code: number | null;
  readonly signal: string | null;
  /** The bench sent a signal to it (a disruption, or the final stop); false: it exited by itself. */
  readonly requested: boolean;
  readonly lastRole?: string;
}

interface Proc {
  readonly instance: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  requested: boolean;
  exitedAt?: number;
}

/** One supervised slot: at most one process at a time, restarted when it exits unless the slot is closed. */
export class Slot {
  generation = 0;
  proc?: Proc;
  status?: ServiceStatus;
  statusAt = 0;
  private polling = false;
  private closed = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly cluster: Cluster,
  ) {}

  get instance(): string | undefined {
    return this.proc?.instance;
  }

  get alive(): boolean {
    return this.proc !== undefined && this.proc.exitedAt === undefined;
  }

  get pid(): number | undefined {
    return this.alive ? this.proc?.child.pid : undefined;
  }

  /** The role reported by the current process (undefined while it starts, once the bench signalled it, after it exited). */
  get role(): string | undefined {
    return this.alive && !this.proc?.requested && this.statusAt > 0 ? this.status?.role : undefined;
  }

  start(): void {
    if (this.closed || this.alive) return;
    this.generation++;
    const instance = `${this.name}${this.generation}`;
    const fd = openSync(this.cluster.logFile(this.name), 'a');
    const child = spawn(
      process.execPath,
      ['--import', TSX, `${ROOT}src/cli/main.ts`, 'run', '--config', this.cluster.configFile(this.name, this.port), '--progress-seconds', '5'],
      {
        cwd: ROOT,
        env: { ...process.env, ...this.cluster.env, STREAMTRAIN_INSTANCE_ID: instance, NODE_OPTIONS: '' },
        stdio: ['ignore', fd, fd],
      },
    );
    closeSync(fd);
    const proc: Proc = {
      instance,
      child,
      requested: false,
      exited: new Promise<void>((resolve) =>
        child.once('exit', (code, signal) => {
          proc.exitedAt = Date.now();
          this.cluster.exits.push({
            slot: this.name,
            instance,
            at: proc.exitedAt,
            code,
            signal,
            requested: proc.requested,
            lastRole: this.status?.instance === instance ? this.status.role : undefined,
          });
          this.statusAt = 0;
          this.status = undefined;
          if (!proc.requested) this.cluster.onUnexpectedExit(this, code, signal);
          resolve();
        }),
      ),
    };
    this.proc = proc;
    this.status = undefined;
    this.statusAt = 0;
    if (!this.polling) void this.poll();
  }

  /** Sends `signal` to the current process; resolves with its pid-less instance id, or undefined if none runs. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): string | undefined {
    const proc = this.proc;
    if (!proc || proc.exitedAt !== undefined) return undefined;
    proc.requested = true;
    proc.child.kill(signal);
    return proc.instance;
  }

  /** Restarts after `delayMs` once the current process has exited. */
  restartAfterExit(delayMs: number): void {
    const proc = this.proc;
    void (async () => {
      await proc?.exited;
      if (this.closed) return;
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => this.start(), delayMs);
    })();
  }

  /** Stops the slot: SIGTERM, then SIGKILL after `graceMs`. No restart afterwards. */
  async stop(graceMs: number): Promise<{ instance?: string; code?: number | null; forced: boolean }> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc || proc.exitedAt !== undefined) return { forced: false };
    proc.requested = true;
    proc.child.kill('SIGTERM');
    const timedOut = await Promise.race([proc.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    return { instance: proc.instance, code: proc.child.exitCode, forced: timedOut };
  }

  /** Last resort on bench exit: SIGKILL without waiting. */
  killNow(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    if (this.proc && this.proc.exitedAt === undefined) this.proc.child.kill('SIGKILL');
  }

  private async poll(): Promise<void> {
    this.polling = true;
    while (!this.closed || this.alive) {
      const t = Date.now();
      const proc = this.proc;
      if (proc && proc.exitedAt === undefined) {
        const s = await statusOf(this.port);
        // A status answered by the process that runs now (a restarted one reuses the port).
        if (s && s.instance === proc.instance && proc.exitedAt === undefined) {
          this.status = s;
          this.statusAt = Date.now();
        }
      }
      await sleep(Math.max(10, POLL_MS - (Date.now() - t)));
    }
    this.polling = false;
  }
}

export interface ClusterOptions {
  readonly dir: string;
  /** The config tree of the model; server.port is set per slot. */
  readonly tree: Record<string, unknown>;
  readonly env: Record<string, string>;
  readonly slots: readonly string[];
  /** Delay before an unexpectedly exited process is restarted. */
  readonly crashRestartMs?: number;
}

export class Cluster {
  readonly slots: Slot[] = [];
  readonly exits: ExitRecord[] = [];
  readonly env: Record<string, string>;
  /** Processes that exited without being signalled by the bench and were restarted. */
  unexpectedExits = 0;

  private constructor(private readonly options: ClusterOptions) {
    this.env = options.env;
  }

  static async create(options: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(options);
    for (const name of options.slots) c.slots.push(new Slot(name, await freePort(), c));
    return c;
  }

  logFile(slot: string): string {
    return join(this.options.dir, `${slot}.log`);
  }

  configFile(slot: string, port: number): string {
    const path = join(this.options.dir, `${slot}.json`);
    const tree = { ...this.options.tree, server: { ...(this.options.tree.server as object | undefined), port } };
    writeFileSync(path, JSON.stringify(tree, null, 2));
    return path;
  }

  onUnexpectedExit(slot: Slot, _code: number | null, _signal: string | null): void {
    this.unexpectedExits++;
    slot.restartAfterExit(this.options.crashRestartMs ?? 1_000);
  }

  startAll(): void {
    for (const s of this.slots) s.start();
  }

  /** The slot whose process leads and has learned a batch (status polled after `since`). */
  learningLeader(since = 0, exceptInstance?: string): Slot | undefined {
    return this.slots.find((s) => s.role === 'leader' && (s.status?.batches ?? 0) > 0 && s.statusAt > since && s.instance !== exceptInstance);
  }

  standbys(): Slot[] {
    return this.slots.filter((s) => s.role === 'standby');
  }

  running(): number {
    return this.slots.filter((s) => s.role === 'leader' || s.role === 'standby').length;
  }

  async waitFor<T>(fn: () => T | undefined, timeoutMs: number, stepMs = 50): Promise<T | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v !== undefined && v !== false) return v;
      if (Date.now() >= end) return undefined;
      await sleep(stepMs);
    }
  }

  async stopAll(graceMs: number): Promise<{ instance?: string; code?: number | null; forced: boolean }[]> {
    return Promise.all(this.slots.map((s) => s.stop(graceMs)));
  }

  killNow(): void {
    for (const s of this.slots) s.killNow();
  }
}

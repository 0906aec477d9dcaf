import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** An id for this process among the instances of a model: host, pid and a random suffix (pids repeat across restarts and containers). */
export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

import { ConfigError, DependencyError } from '../core/index.js';

/** Exit codes of the `streamtrain` command (docs/deployment.md lists them). */
export const EXIT = {
  ok: 0,
  /** A failure while running: the supervisor restarts the process from its last durable checkpoint. */
  failed: 1,
  /** The config is invalid: the message names each field and the fix. */
  config: 2,
  /** A dependency (broker, store, schema registry) is unreachable, refuses the credentials or lacks a resource. */
  dependency: 3,
  /** `retrain`: the candidate lost its race, or the race ran out of time; nothing was written. */
  raceLost: 4,
} as const;

export function exitCodeOf(err: unknown): number {
  if (err instanceof ConfigError) return EXIT.config;
  if (err instanceof DependencyError) return EXIT.dependency;
  return EXIT.failed;
}

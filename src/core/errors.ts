/**
 * One error hierarchy for the whole service. Callers branch on `instanceof` or on `retriable`, never on
 * message or name strings (the kafkajs runner's string matching is what we avoid).
 */

/** Where in the stream an error happened, when it is about a record. */
export interface ErrorContext {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly [key: string]: unknown;
}

export interface StreamtrainErrorOptions {
  readonly cause?: unknown;
  readonly retriable?: boolean;
  readonly context?: ErrorContext;
}

/** Base class: a stable machine-readable `code`, whether a retry can help, and the record context. */
export class StreamtrainError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: StreamtrainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** Invalid configuration or constructor parameters. Never retriable: the message names the field and the fix. */
export class ConfigError extends StreamtrainError {
  readonly field: string;
  constructor(field: string, message: string, options: Omit<StreamtrainErrorOptions, 'retriable'> = {}) {
    super('CONFIG_INVALID', message, { ...options, retriable: false });
    this.field = field;
  }
}

/** Reasons a record is rejected before it reaches the model; each maps to a dead-letter reason. */
export type DecodeReason =
  | 'undecodable'
  | 'schema-mismatch'
  | 'wrong-type'
  | 'missing-field'
  | 'missing-label'
  | 'non-finite'
  | 'wrong-size'
  | 'unknown-schema'
  | 'missing-key'
  | 'wrong-partition'
  | 'key-limit'
  | 'no-features';

/** A record that cannot become a training example. Not retriable: it goes to the dead-letter topic. */
export class DecodeError extends StreamtrainError {
  readonly reason: DecodeReason;
  constructor(reason: DecodeReason, message: string, options: Omit<StreamtrainErrorOptions, 'retriable'> = {}) {
    super('DECODE_FAILED', message, { ...options, retriable: false });
    this.reason = reason;
  }
}

/** A checkpoint could not be written. Retriable: storage is usually back after a while. */
export class CheckpointWriteError extends StreamtrainError {
  constructor(message: string, options: Omit<StreamtrainErrorOptions, 'retriable'> = {}) {
    super('CHECKPOINT_WRITE_FAILED', message, { ...options, retriable: true });
  }
}

/** A checkpoint failed verification (missing blob, hash mismatch, unreadable manifest): it is skipped. */
export class CheckpointIntegrityError extends StreamtrainError {
  constructor(message: string, options: Omit<StreamtrainErrorOptions, 'retriable'> = {}) {
    super('CHECKPOINT_CORRUPT', message, { ...options, retriable: false });
  }
}

/** A model update was refused because it would have put non-finite values in the weights. */
export class UpdateRejectedError extends StreamtrainError {
  constructor(message: string, options: Omit<StreamtrainErrorOptions, 'retriable'> = {}) {
    super('UPDATE_REJECTED', message, { ...options, retriable: false });
  }
}

/** A dependency (broker, store, registry) is unreachable. Retriable. */
export class ServiceUnavailableError extends StreamtrainError {
  constructor(message: string, options: Omit<StreamtrainErrorOptions, 'retriable'> = {}) {
    super('SERVICE_UNAVAILABLE', message, { ...options, retriable: true });
  }
}

/**
 * This instance is no longer the model's writer: another instance took over (a newer epoch moved LATEST), or
 * the lease was lost. Not retriable: the instance stops learning and publishing, and waits as a standby.
 */
export class FencedError extends StreamtrainError {
  constructor(message: string, options: Omit<StreamtrainErrorOptions, 'retriable'> = {}) {
    super('FENCED', message, { ...options, retriable: false });
  }
}

/**
 * A dependency (broker, store, schema registry) is unreachable, refuses the credentials, or lacks what the config
 * names (a bucket, a topic). The message names the setting, what was tried and what to do; the cause is kept.
 * `retriable` tells an outage (try again later) from a setting to fix.
 */
export class DependencyError extends StreamtrainError {
  /** The setting to look at, e.g. `kafka.brokers (env KAFKA_BROKERS)`. */
  readonly setting: string;
  constructor(setting: string, message: string, options: StreamtrainErrorOptions = {}) {
    super('DEPENDENCY_UNAVAILABLE', message, options);
    this.setting = setting;
  }
}

/** Formats a rejected value for an error message without echoing large or sensitive payloads. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}

import { ConfigError, StreamtrainError, UpdateRejectedError, type BackendChoice, type LoggedOutputs } from '../core/index.js';
import type { LearnerHostOptions, RestoredModel } from './learner-host.js';

/** Messages from the service to the learner worker; each gets exactly one reply with the same id. */
export type WorkerRequest =
  | { readonly id: number; readonly op: 'warm'; readonly backend: BackendChoice; readonly logLevel: string; readonly rehearse?: LearnerHostOptions }
  | { readonly id: number; readonly op: 'init'; readonly options: LearnerHostOptions; readonly logLevel: string; readonly restored?: RestoredModel }
  | {
      readonly id: number;
      readonly op: 'step';
      readonly size: number;
      readonly width: number;
      readonly features: Float32Array;
      readonly labels: Float32Array;
      /** With a prediction log: the outputs served for the rows (transferred like the features). */
      readonly logged?: LoggedOutputs;
      readonly wantMetrics: boolean;
      readonly waiting: number;
    }
  | { readonly id: number; readonly op: 'capture' }
  | { readonly id: number; readonly op: 'published'; readonly version: string }
  | { readonly id: number; readonly op: 'predict'; readonly size: number; readonly features: Float32Array }
  | { readonly id: number; readonly op: 'dispose' };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly retriable?: boolean;
  readonly field?: string;
}

/** Replies, plus the worker's log lines (pino JSON), which the service re-logs through its own logger. */
export type WorkerMessage =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: SerializedError }
  | { readonly kind: 'log'; readonly line: string };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ConfigError) return { name: err.name, message: err.message, code: err.code, field: err.field };
  if (err instanceof StreamtrainError) return { name: err.name, message: err.message, code: err.code, retriable: err.retriable };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The same error class on this side of the thread boundary, so callers' `instanceof` and `retriable` still work. */
export function reviveError(e: SerializedError): Error {
  let err: Error;
  if (e.name === 'ConfigError') err = new ConfigError(e.field ?? '', e.message);
  else if (e.name === 'UpdateRejectedError') err = new UpdateRejectedError(e.message);
  else if (e.code !== undefined) err = new StreamtrainError(e.code, e.message, { retriable: e.retriable ?? false });
  else err = new Error(e.message);
  if (err.name !== e.name) err.name = e.name;
  return err;
}

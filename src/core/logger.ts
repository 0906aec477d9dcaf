import { pino, destination, stdTimeFunctions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log line: credentials and anything that could carry a raw
 * record. Modules log counters and offsets, never payloads; this is the second line of defence.
 */
export const REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'accessKeyId',
  '*.accessKeyId',
  'sasl',
  '*.sasl',
  'payload',
  '*.payload',
  'value',
  '*.value',
  'features',
  '*.features',
  'headers.authorization',
];

/** The one root logger of a process; modules get `logger.child({ module })`. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream | number } = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'streamtrain' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: stdTimeFunctions.isoTime,
  };
  const dest = options.destination;
  if (dest === undefined) return pino(opts);
  return pino(opts, typeof dest === 'number' ? destination({ fd: dest, sync: false }) : (dest as DestinationStream));
}

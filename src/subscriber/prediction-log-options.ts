import { ConfigError } from '../core/index.js';

/** Where and how `ModelSubscriber.serve()` logs the predictions it serves (`predictionLog` of its options). */
export interface PredictionLogOptions {
  /**
   * The topic the prediction records go to (schemas/prediction.avsc, key = request id). Give it as many
   * partitions as the labels topic, so that a request's prediction and its labels share a partition number.
   */
  readonly topic: string;
  /**
   * Log the input vector each prediction was made from. Off unless set to `true`: the records then carry no
   * features, which keeps user data out of the topic, and a trainer joining them with labels can score the
   * served predictions (honest live metrics) but cannot learn from them.
   * @default false
   */
  readonly logFeatures?: boolean;
  /**
   * Most records waiting to be sent. A record that finds the queue full is dropped and counted (`dropped` in
   * `ModelSubscriber.predictionLogStats`): a slow or unreachable Kafka never slows the request that predicted.
   * @default 10000
   */
  readonly maxQueued?: number;
  /** Most bytes (encoded records) waiting to be sent; past it a record is dropped, as past `maxQueued`. @default 16777216 */
  readonly maxQueuedBytes?: number;
  /** How long the first record of a batch waits for others before the batch is sent (Kafka's linger.ms). @default 20 */
  readonly lingerMs?: number;
  /** Most records in one send; a full batch is sent without waiting for `lingerMs`. @default 1000 */
  readonly batchSize?: number;
  /** Most bytes in one send (keep it under the broker's `message.max.bytes`). @default 524288 */
  readonly batchBytes?: number;
  /** -1: every in-sync replica acknowledges (required by `idempotent`); 1: the partition leader only. @default -1 */
  readonly acks?: -1 | 1;
  /**
   * The kafkajs idempotent producer: the broker drops the repeats of a send that kafkajs retried. With bounded
   * retries (below) kafkajs logs once that this "may invalidate EoS guarantees": the log promises at-least-once.
   * @default true
   */
  readonly idempotent?: boolean;
  /** Attempts kafkajs makes for a send before the batch goes back to the queue (bounded, so `stop()` is too). @default 5 */
  readonly retries?: number;
  /** After a failed send, how long before the next one. @default 1000 */
  readonly retryBackoffMs?: number;
  /**
   * How long `stop()` waits for the queued records to be acknowledged; what is still unacknowledged then is
   * counted as dropped.
   * @default 10000
   */
  readonly closeTimeoutMs?: number;
}

export type PredictionLogSettings = Required<PredictionLogOptions>;

const DEFAULTS: Omit<PredictionLogSettings, 'topic'> = {
  logFeatures: false,
  maxQueued: 10_000,
  maxQueuedBytes: 16 * 1024 * 1024,
  lingerMs: 20,
  batchSize: 1000,
  batchBytes: 512 * 1024,
  acks: -1,
  idempotent: true,
  retries: 5,
  retryBackoffMs: 1000,
  closeTimeoutMs: 10_000,
};

/**
 * The options with their defaults, checked once: every problem is reported in one ConfigError.
 * `idempotent` defaults to false, not true, when `acks` is 1 (kafkajs refuses an idempotent send without acks -1).
 */
export function predictionLogSettings(options: PredictionLogOptions): PredictionLogSettings {
  const s: PredictionLogSettings = { ...DEFAULTS, idempotent: options.acks !== 1, ...stripUndefined(options), topic: options.topic };
  const problems: [string, string][] = [];
  const expect = (field: keyof PredictionLogOptions, ok: boolean, what: string) => {
    if (!ok) problems.push([`predictionLog.${field}`, `Expected \`predictionLog.${field}\` to be ${what}, got \`${JSON.stringify(s[field])}\``]);
  };
  expect('topic', typeof s.topic === 'string' && s.topic.length > 0, 'a topic name');
  expect('logFeatures', typeof s.logFeatures === 'boolean', 'true or false');
  for (const field of ['maxQueued', 'maxQueuedBytes', 'batchSize', 'batchBytes', 'retries'] as const)
    expect(field, Number.isInteger(s[field]) && s[field] >= 1, 'an integer >= 1');
  for (const field of ['lingerMs', 'retryBackoffMs', 'closeTimeoutMs'] as const) expect(field, Number.isFinite(s[field]) && s[field] >= 0, 'a number >= 0');
  expect('acks', s.acks === -1 || s.acks === 1, '-1 or 1');
  expect('idempotent', typeof s.idempotent === 'boolean' && !(s.idempotent && s.acks !== -1), 'false when `predictionLog.acks` is 1');
  const [first] = problems;
  if (first) throw new ConfigError(first[0], problems.map(([, message]) => message).join('; '));
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

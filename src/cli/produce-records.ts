/**
 * Writes records (a dataset, a generator, any iterable of numeric records) to a Kafka topic as JSON, optionally at
 * a fixed rate: the load generator behind examples, benchmarks and the integration tests.
 *
 * Records go out in stream order, one `send` at a time (a single request in flight, so a retry cannot reorder
 * them), with `acks: -1` and a null key, so the default partitioner spreads them round-robin over the partitions.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { Kafka, Partitioners, logLevel, type Admin, type Message, type Producer, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

import { ConfigError, ServiceUnavailableError, StreamtrainError, describeValue } from '../core/errors.js';

export interface ProduceRecordsOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: string[];
  readonly topic: string;
  /** Records in stream order; each becomes one Kafka message whose value is its JSON. Read lazily. */
  readonly records: Iterable<Record<string, number>>;
  /**
   * Records per second, enforced by a token bucket; `undefined` sends as fast as the broker acknowledges.
   * @default undefined
   */
  readonly rate?: number;
  /**
   * Stop after this many records (needed for an endless source).
   * @default undefined: until the records run out
   */
  readonly limit?: number;
  /**
   * Most records in one `send`. With a `rate`, batches are also cut to about 50 ms of records, so that the
   * pacing stays smooth.
   * @default 500
   */
  readonly batchSize?: number;
  /**
   * Create the topic with this many partitions if it does not exist (an existing topic is left as it is).
   * @default undefined: the topic must exist or be auto-created by the broker
   */
  readonly partitions?: number;
  /** @default 'streamtrain-produce' */
  readonly clientId?: string;
  readonly logger: Logger;
  /** Called after every acknowledged batch with the records sent so far and the total, when known. */
  readonly progress?: (sent: number, total?: number) => void;
  /** Aborting stops after the batch in flight; the promise then resolves with what was sent. */
  readonly signal?: AbortSignal;
}

export interface ProduceRecordsResult {
  /** Records acknowledged by the broker. */
  readonly sent: number;
  /** From the first send to the last acknowledgement (connection and topic creation not included). */
  readonly seconds: number;
}

export const PRODUCE_DEFAULTS = {
  batchSize: 500,
  clientId: 'streamtrain-produce',
  /** With a rate, one batch holds about this many seconds of records. */
  pacingSeconds: 0.05,
} as const;

/**
 * A token bucket: `rate` tokens a second, at most `capacity` saved up. It starts empty, so that a short run does not
 * begin with a burst of `capacity` records above the rate. The refill is computed from the clock, so a late timer
 * does not lose time as long as the bucket is not full; `capacity` is two batches to leave that slack.
 * @see https://en.wikipedia.org/wiki/Token_bucket
 */
export class TokenBucket {
  private tokens = 0;
  private last: number;

  constructor(
    readonly rate: number,
    readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  /** Waits until `n` (<= capacity) tokens are there and takes them; false if `signal` aborted the wait. */
  async take(n: number, signal?: AbortSignal): Promise<boolean> {
    const aborted = (): boolean => signal?.aborted === true;
    for (;;) {
      if (aborted()) return false;
      const now = this.now();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= n) {
        this.tokens -= n;
        return true;
      }
      try {
        await sleep(Math.max(1, Math.ceil(((n - this.tokens) / this.rate) * 1000)), undefined, { signal });
      } catch (error) {
        if (aborted()) return false;
        throw error;
      }
    }
  }
}

function check(field: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok) throw new ConfigError(field, `Expected \`${field}\` to be ${expected}, got \`${describeValue(value)}\``);
}

function validate(options: ProduceRecordsOptions): void {
  const { brokers, topic, rate, limit, batchSize, partitions, clientId } = options;
  check(
    'brokers',
    brokers,
    Array.isArray(brokers) && brokers.length > 0 && brokers.every((b) => typeof b === 'string' && b.length > 0),
    'a non-empty array of `host:port` strings',
  );
  check('topic', topic, typeof topic === 'string' && topic.length > 0, 'a non-empty string');
  check(
    'records',
    options.records,
    typeof (options.records as Partial<Iterable<unknown>> | undefined)?.[Symbol.iterator] === 'function',
    'an iterable of records',
  );
  check('rate', rate, rate === undefined || (typeof rate === 'number' && Number.isFinite(rate) && rate > 0), 'a number > 0');
  check('limit', limit, limit === undefined || (Number.isInteger(limit) && limit >= 0), 'an integer >= 0');
  check('batchSize', batchSize, batchSize === undefined || (Number.isInteger(batchSize) && batchSize >= 1), 'an integer >= 1');
  check('partitions', partitions, partitions === undefined || (Number.isInteger(partitions) && partitions >= 1), 'an integer >= 1');
  check('clientId', clientId, clientId === undefined || (typeof clientId === 'string' && clientId.length > 0), 'a non-empty string');
}

/** The number of records, when the iterable says (an array, or a source with a finite `length`). */
function knownSize(records: Iterable<unknown>): number | undefined {
  const length = (records as { length?: unknown }).length;
  return typeof length === 'number' && Number.isFinite(length) ? length : undefined;
}

/** Routes kafkajs' own log lines into the injected pino logger (kafkajs INFO is chatty: it becomes debug). */
function kafkaLogs(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const fields = { namespace, ...extra };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.debug(fields, message);
      else logger.trace(fields, message);
    };
}

function failure(what: string, topic: string, cause: unknown): StreamtrainError {
  const retriable = (cause as { retriable?: unknown } | null)?.retriable === true;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new StreamtrainError('PRODUCE_FAILED', `Could not ${what} topic ${topic}${detail}`, { cause, retriable, context: { topic } });
}

async function ensureTopic(admin: Admin, topic: string, partitions: number, logger: Logger): Promise<void> {
  // createTopics resolves to false when the topic already exists; waitForLeaders makes the first send find them.
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  if (created) {
    logger.info({ topic, partitions }, 'topic created');
    return;
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const existing = metadata.topics[0]?.partitions.length ?? 0;
  if (existing !== partitions) logger.warn({ topic, partitions: existing, requested: partitions }, 'topic exists with another partition count; left as is');
}

/**
 * Sends `records` to `topic` and resolves with how many were acknowledged and how long it took. The producer (and
 * the admin client, if used) is always disconnected, also on error or abort.
 *
 * @throws ConfigError for invalid options; ServiceUnavailableError when the brokers cannot be reached;
 *   StreamtrainError `PRODUCE_FAILED` (retriable as kafkajs says) when a send fails.
 * @example
 * const { sent, seconds } = await produceRecords({
 *   brokers: ['127.0.0.1:9092'], topic: 'sea', records: seaConcepts({ seed: 1, length: 50_000 }),
 *   rate: 5_000, partitions: 3, logger, progress: progressBar(),
 * });
 */
export async function produceRecords(options: ProduceRecordsOptions): Promise<ProduceRecordsResult> {
  validate(options);
  const { brokers, topic, records, rate, limit, partitions, progress, signal } = options;
  const logger = options.logger.child({ module: 'produce-records' });
  const batchSize = options.batchSize ?? PRODUCE_DEFAULTS.batchSize;
  const chunk = rate === undefined ? batchSize : Math.max(1, Math.min(batchSize, Math.round(rate * PRODUCE_DEFAULTS.pacingSeconds)));
  const size = knownSize(records);
  const total = limit === undefined ? size : size === undefined ? limit : Math.min(limit, size);
  const max = limit ?? Number.POSITIVE_INFINITY;

  const kafka = new Kafka({
    clientId: options.clientId ?? PRODUCE_DEFAULTS.clientId,
    brokers,
    logLevel: logLevel.INFO,
    logCreator: kafkaLogs(options.logger.child({ module: 'kafkajs' })),
  });
  // Passing the partitioner explicitly is kafkajs' documented way to silence its v2 partitioner warning.
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: false,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: true,
  });
  const admin: Admin | undefined = partitions === undefined ? undefined : kafka.admin();
  const iterator = records[Symbol.iterator]();
  let sent = 0;
  let started: number | undefined;
  let finished: number | undefined;

  try {
    try {
      if (admin !== undefined && partitions !== undefined) {
        await admin.connect();
        await ensureTopic(admin, topic, partitions, logger);
      }
      await producer.connect();
    } catch (cause) {
      throw new ServiceUnavailableError(`Could not reach the Kafka brokers ${brokers.join(', ')} to produce to topic ${topic}`, { cause, context: { topic } });
    }
    logger.info({ topic, rate: rate ?? null, limit: limit ?? null, total: total ?? null, batchSize: chunk }, 'producing');

    const bucket = rate === undefined ? undefined : new TokenBucket(rate, 2 * chunk);
    started = performance.now();
    let exhausted = false;
    while (!exhausted && sent < max && signal?.aborted !== true) {
      const want = Math.min(chunk, max - sent);
      const messages: Message[] = [];
      while (messages.length < want) {
        const next = iterator.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        messages.push({ key: null, value: JSON.stringify(next.value) });
      }
      if (messages.length === 0) break;
      if (bucket !== undefined && !(await bucket.take(messages.length, signal))) break;
      try {
        await producer.send({ topic, messages, acks: -1 });
      } catch (cause) {
        throw failure('send to', topic, cause);
      }
      sent += messages.length;
      finished = performance.now();
      progress?.(sent, total);
    }
  } finally {
    iterator.return?.();
    await producer.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'producer disconnect failed'));
    await admin?.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'admin disconnect failed'));
  }

  const seconds = started === undefined || finished === undefined ? 0 : (finished - started) / 1000;
  logger.info({ topic, sent, seconds, perSecond: seconds > 0 ? Math.round(sent / seconds) : null, aborted: signal?.aborted === true }, 'produced');
  return { sent, seconds };
}

/** What {@link progressBar} writes to: a stream, possibly a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const BAR_WIDTH = 24;

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A `progress` callback that draws one status line: count, percentage and bar when the total is known, and the
 * average rate since the first call. On a terminal the line is redrawn in place at most every 200 ms; elsewhere
 * (a log file, CI) a new line is written at most every 5 s. The final count is always drawn.
 */
export function progressBar(stream: ProgressStream = process.stderr): (sent: number, total?: number) => void {
  const tty = stream.isTTY === true;
  const interval = tty ? 200 : 5000;
  let first: { at: number; sent: number } | undefined;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let done = false;
  return (sent, total) => {
    const now = performance.now();
    first ??= { at: now, sent };
    const complete = total !== undefined && sent >= total;
    if (done || (!complete && now - lastDraw < interval)) return;
    lastDraw = now;
    done = complete;
    const seconds = (now - first.at) / 1000;
    const rate = seconds > 0 ? `${formatCount((sent - first.sent) / seconds)} rec/s` : '… rec/s';
    let line: string;
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, sent / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${formatCount(sent)}/${formatCount(total)} ${(fraction * 100).toFixed(1)}%  ${rate}`;
    } else {
      line = `${formatCount(sent)} records  ${rate}`;
    }
    stream.write(tty ? `\r${line}\u001b[K${complete ? '\n' : ''}` : `${line}\n`);
  };
}

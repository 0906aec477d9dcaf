import { createLogger } from '../core/index.js';
import { produceRecords, progressBar } from './produce-records.js';
import { streamSource } from './stream-source.js';

export interface ProduceCommandOptions {
  readonly brokers: string[];
  readonly topic: string;
  readonly source: string;
  readonly rate?: number;
  readonly limit?: number;
  readonly length: number;
  readonly seed: number;
  readonly driftAt?: number[];
  readonly driftWidth: number;
  readonly partitions?: number;
}

/** `streamtrain produce`: replays a generator, a shared benchmark stream or a file into a topic. */
export async function produceCommand(o: ProduceCommandOptions): Promise<number> {
  const logger = createLogger({ level: 'warn', destination: 2 });
  const source = streamSource(o.source, { seed: o.seed, length: o.length, driftAt: o.driftAt, driftWidth: o.driftWidth });
  process.stderr.write(`${source.describe()}\n`);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const total = o.limit ?? source.length;
  const bar = progressBar();
  const res = await produceRecords({
    brokers: o.brokers,
    topic: o.topic,
    records: source,
    rate: o.rate,
    limit: o.limit,
    partitions: o.partitions,
    logger,
    progress: (sent) => bar(sent, total),
    signal: abort.signal,
  });
  process.stderr.write(`\nsent ${res.sent} records to ${o.topic} in ${res.seconds.toFixed(1)} s\n`);
  return 0;
}

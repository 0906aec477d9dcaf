/**
 * Child process of `fillTopic`: produces `count` records (seed `seed`) to an existing topic and prints
 * `{"sent":…,"seconds":…}` on stdout. Several run side by side, because one kafkajs producer is CPU-bound.
 */
import { produceRecords } from '../../src/cli/produce-records.js';
import { benchServices } from './env.js';
import { benchLogger, elec2SizedRecords } from './kafka.js';

const [topic, countArg, seedArg] = process.argv.slice(2);
const count = Number(countArg);
const seed = Number(seedArg);
if (!topic || !Number.isInteger(count) || !Number.isInteger(seed)) {
  process.stderr.write('usage: fill-worker.ts <topic> <count> <seed>\n');
  process.exit(2);
}
const services = benchServices();
let lastReport = 0;
const result = await produceRecords({
  brokers: services.brokers,
  topic,
  records: elec2SizedRecords(count, seed),
  limit: count,
  batchSize: 5_000,
  clientId: 'streamtrain-bench-fill',
  logger: benchLogger(),
  progress: (sent) => {
    // Child progress goes to the parent as lines on stderr it can aggregate.
    if (sent - lastReport >= 50_000 || sent === count) {
      lastReport = sent;
      process.stderr.write(`progress ${sent}\n`);
    }
  },
});
process.stdout.write(`${JSON.stringify(result)}\n`);

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger, parseConfig, type StreamtrainConfig } from '../core/index.js';
import { openStore } from '../checkpoints/index.js';
import { StreamtrainService, createKafka } from '../pipeline/index.js';
import { ModelSubscriber } from '../subscriber/index.js';
import { demoStore, generatorScale, openLog } from './demo-common.js';
import { delayedLabelsDemo } from './demo-labels.js';
import { produceRecords } from './produce-records.js';
import { streamSource } from './stream-source.js';
import { versionsTable } from './versions-table.js';

export interface DemoOptions {
  readonly events: number;
  readonly rate: number;
  readonly seed: number;
  readonly source: string;
  /** `delayed`: serve with a ModelSubscriber and learn from outcomes that come later (demo-labels.ts). */
  readonly labels?: 'inline' | 'delayed';
}

/**
 * The main job on local services: produce a drifting stream, run the service on it, follow the versions with a
 * downstream ModelSubscriber, and print what happens. Each run is a new model lineage on a new topic.
 */
export async function demoCommand(o: DemoOptions): Promise<number> {
  if (o.labels === 'delayed') return delayedLabelsDemo(o);
  const runId = Date.now().toString(36);
  const workDir = resolve('.streamtrain/demo');
  mkdirSync(workDir, { recursive: true });
  const logFile = resolve(workDir, `service-${runId}.log`);
  const logger = createLogger({ level: 'info', destination: openLog(logFile) });
  const topic = `streamtrain.demo.${runId}`;
  const source = streamSource(o.source, { seed: o.seed, length: o.events });
  const config: StreamtrainConfig = parseConfig(
    {
      model: { name: `${o.source.replace(/[^a-z0-9]/gi, '-')}-demo-${runId}`, type: 'logistic', optimizer: { type: 'adam', learningRate: 0.05 } },
      kafka: { topics: [topic], groupId: `streamtrain-demo-${runId}` },
      input: { features: source.fields.map((field) => ({ field, ...generatorScale(o.source) })), label: { field: 'y' } },
      deadLetter: { topic: 'streamtrain.demo.dead-letter' },
      batch: { size: 200, maxWaitMs: 500 },
      triggers: { everySamples: Math.max(1000, Math.floor(o.events / 20)), everySeconds: 10 },
      publish: { versionsTopic: 'streamtrain.demo.versions' },
      drift: {
        detectors: [{ kind: 'adwin' }],
        responses: ['alert', 'challenger'],
        topic: 'streamtrain.demo.drift',
        challenger: { minSamples: 1000, maxSamples: 8000, margin: 0.01 },
      },
      checkpoints: demoStore(workDir),
    },
    { env: process.env, baseDir: workDir },
  );
  const say = (text: string) => process.stdout.write(text + '\n');
  say(`streamtrain demo: ${source.describe()}`);
  say(
    `  topic ${topic}, model ${config.model.name}, store ${config.checkpoints.store.type === 's3' ? `s3://${config.checkpoints.store.bucket}/demo (MinIO ${config.checkpoints.store.endpoint})` : config.checkpoints.store.path}`,
  );
  say(`  service log: ${logFile}`);
  if ('driftPoints' in source && source.driftPoints) say(`  the concept changes at records ${(source.driftPoints as number[]).join(', ')}`);
  say('  Ctrl-C stops everything cleanly.\n');

  const kafka = createKafka(config.kafka, logger);
  const service = new StreamtrainService({ config, logger, kafka });
  const subscriberStore = openStore(config.checkpoints.store);
  const subscriber = new ModelSubscriber({
    kafka,
    versionsTopic: config.publish.versionsTopic,
    model: config.model.name,
    store: subscriberStore,
    logger,
    onVersion: (v) =>
      say(
        `  subscriber: version ${v.version.padEnd(5)} loaded in ${v.loadMs.toFixed(0).padStart(3)} ms  (${v.samplesTotal} samples, live accuracy ${(v.metrics.accuracy_window ?? Number.NaN).toFixed(3)})`,
      ),
  });
  const abort = new AbortController();
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    say('\nstopping...');
    abort.abort();
  });

  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const started = performance.now();
  await service.start();
  await subscriber.start();
  let produced = 0;
  const producing = produceRecords({
    brokers: [...config.kafka.brokers],
    topic,
    records: source,
    rate: o.rate,
    limit: o.events,
    partitions: 2,
    logger,
    progress: (n) => (produced = n),
    signal: abort.signal,
  });
  let lastAt = '';
  const ticker = setInterval(() => {
    const s = service.status();
    const fresh = s.decisions.filter((d) => d.at > lastAt);
    for (const d of fresh) say(`  drift: ${d.event.padEnd(20)} ${d.detail}`);
    if (fresh.length) lastAt = (fresh[fresh.length - 1] as { at: string }).at;
    const secs = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
    say(
      `[${secs}s] produced ${String(produced).padStart(7)}  learned ${String(s.samplesTotal).padStart(7)}  version ${String(s.version).padEnd(5)}  accuracy(last ${config.learner.metricsWindow}) ${(s.metrics.accuracy_window ?? Number.NaN).toFixed(3)}  buffered ${s.buffered}${s.paused ? ' (consumer paused)' : ''}`,
    );
  }, 2000);
  try {
    const { sent } = await producing;
    while (!interrupted && service.status().samplesTotal + Object.values(service.status().deadLettered).reduce((a, b) => a + b, 0) < sent) {
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    clearInterval(ticker);
    await service.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await subscriber.stop();
  }
  say('\nVersions (streamtrain versions):');
  say(await versionsTable(subscriberStore, config.model.name));
  await subscriberStore.close?.();
  return 0;
}

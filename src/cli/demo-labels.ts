import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger, parseConfig, type StreamtrainConfig } from '../core/index.js';
import { openStore } from '../checkpoints/index.js';
import { StreamtrainService, createKafka } from '../pipeline/index.js';
import { ModelSubscriber } from '../subscriber/index.js';
import { DelayedOutcomes } from './delayed-outcomes.js';
import { demoStore, generatorScale, openLog } from './demo-common.js';
import { streamSource } from './stream-source.js';
import { versionsTable } from './versions-table.js';

export interface DelayedLabelsDemoOptions {
  readonly events: number;
  readonly rate: number;
  readonly seed: number;
  readonly source: string;
}

/** Outcomes come up to this long after their prediction; the join's window is twice it. */
const OUTCOME_DELAY_MS = 2_000;
const MISSING_SHARE = 0.1;

/**
 * `streamtrain demo --labels delayed`: the loop of docs/labels.md on local services. A ModelSubscriber serves
 * requests with `serve()` and logs them (features on) to a prediction log; their outcomes come later on a labels
 * topic (a random delay, some never); the service joins the two (`input.format: prediction-log`), learns, publishes
 * versions, and the subscriber hot-reloads them. Prints versions, the join rate, and the accuracy of what was
 * served (`logged_accuracy_window`) next to the trainer's fresh test-then-train accuracy. Bounded by `events`.
 */
export async function delayedLabelsDemo(o: DelayedLabelsDemoOptions): Promise<number> {
  const runId = Date.now().toString(36);
  const workDir = resolve('.streamtrain/demo');
  mkdirSync(workDir, { recursive: true });
  const logFile = resolve(workDir, `service-${runId}.log`);
  const logger = createLogger({ level: 'info', destination: openLog(logFile) });
  const predictions = `streamtrain.demo.${runId}.predictions`;
  const outcomesTopic = `streamtrain.demo.${runId}.outcomes`;
  const source = streamSource(o.source, { seed: o.seed, length: o.events });
  const config: StreamtrainConfig = parseConfig(
    {
      model: { name: `${o.source.replace(/[^a-z0-9]/gi, '-')}-served-${runId}`, type: 'logistic', optimizer: { type: 'adam', learningRate: 0.05 } },
      kafka: { topics: [predictions], groupId: `streamtrain-demo-${runId}` },
      input: {
        format: 'prediction-log',
        width: source.fields.length,
        label: { field: 'outcome' },
        labels: { topic: outcomesTopic, labelField: 'outcome', maxDelayMs: 2 * OUTCOME_DELAY_MS, idleGraceMs: 1_000, defaultLabel: 0 },
      },
      deadLetter: { topic: 'streamtrain.demo.dead-letter' },
      batch: { size: 100, maxWaitMs: 300 },
      triggers: { everySamples: Math.max(500, Math.floor(o.events / 10)), everySeconds: 5 },
      publish: { versionsTopic: 'streamtrain.demo.versions' },
      checkpoints: demoStore(workDir),
    },
    { env: process.env, baseDir: workDir },
  );
  const say = (text: string) => process.stdout.write(text + '\n');
  say(`streamtrain demo, labels that come later: ${source.describe()}`);
  say(`  serve -> log (${predictions}) -> join with outcomes (${outcomesTopic}) -> learn -> publish -> serve`);
  say(`  outcomes come 0-${OUTCOME_DELAY_MS / 1000} s after their prediction, ${MISSING_SHARE * 100}% never (learned as 0)`);
  say(`  model ${config.model.name}, service log: ${logFile}`);
  say('  Ctrl-C stops everything cleanly.\n');

  const kafka = createKafka(config.kafka, logger);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [predictions, outcomesTopic].map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const service = new StreamtrainService({ config, logger, kafka });
  const subscriberStore = openStore(config.checkpoints.store);
  const subscriber = new ModelSubscriber({
    kafka,
    versionsTopic: config.publish.versionsTopic,
    model: config.model.name,
    store: subscriberStore,
    logger,
    predictionLog: { topic: predictions, logFeatures: true },
    onVersion: (v) => say(`  subscriber: now serving version ${v.version.padEnd(5)} (loaded in ${v.loadMs.toFixed(0)} ms, ${v.samplesTotal} samples learned)`),
  });
  const outcomes = new DelayedOutcomes({
    kafka,
    topic: outcomesTopic,
    idField: 'requestId',
    labelField: 'outcome',
    maxDelayMs: OUTCOME_DELAY_MS,
    missingShare: MISSING_SHARE,
    seed: o.seed,
  });
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    say('\nstopping...');
  });

  const started = performance.now();
  await service.start();
  await subscriber.start();
  await outcomes.start();
  await until(() => subscriber.version !== undefined, 20_000);
  const scale = source.fields.map(() => generatorScale(o.source).scale ?? { mean: 0, std: 1 });
  // What callers got: served predictions against the truth, per reporting period (the subscriber's accuracy).
  const period = { served: 0, correct: 0 };
  const total = { served: 0, correct: 0, first: Number.NaN, last: Number.NaN };
  const ticker = setInterval(() => {
    const s = service.status();
    const m = s.metrics;
    const secs = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
    const callers = period.served ? (period.correct / period.served).toFixed(3) : '  -  ';
    if (period.served) [total.first, total.last] = [Number.isNaN(total.first) ? period.correct / period.served : total.first, period.correct / period.served];
    [period.served, period.correct] = [0, 0];
    say(
      `[${secs}s] served ${String(total.served).padStart(6)} (v${subscriber.version ?? '-'}, right ${callers})  outcomes ${String(outcomes.stats.sent).padStart(6)}  learned ${String(s.samplesTotal).padStart(6)}  join rate ${fmt(s.labels?.joinRate)}  logged accuracy ${fmt(m.logged_accuracy_window)}  fresh accuracy ${fmt(m.accuracy_window)}`,
    );
  }, 2000);
  try {
    const perTick = Math.max(1, Math.round(o.rate / 20));
    let i = 0;
    for (const record of source) {
      if (interrupted || i >= o.events) break;
      const x = source.fields.map((f, k) => ((record[f] ?? 0) - (scale[k] as { mean: number }).mean) / (scale[k] as { std: number }).std);
      const y = record.y ?? 0;
      const requestId = `${runId}-${i}`;
      const served = subscriber.serve(x, { requestId });
      const right = served.predictedClass === y ? 1 : 0;
      [period.served, period.correct, total.served, total.correct] = [period.served + 1, period.correct + right, total.served + 1, total.correct + right];
      outcomes.add(requestId, y);
      if (++i % perTick === 0) await new Promise((r) => setTimeout(r, 50));
    }
    await outcomes.stop();
    // Every served request is decided once the labels' window has passed: joined, or learned with the default.
    await until(
      () => {
        const s = service.status();
        const c = s.labels?.counts ?? {};
        const examples = (c.joined ?? 0) + (c.defaulted ?? 0);
        return interrupted || (examples + (c.dropped ?? 0) >= total.served && s.samplesTotal >= examples);
      },
      4 * OUTCOME_DELAY_MS + 20_000,
    );
  } finally {
    clearInterval(ticker);
    const s = service.status();
    await service.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await subscriber.stop();
    say(`\nServed ${total.served} requests; ${outcomes.stats.sent} outcomes came, ${outcomes.stats.missing} never did.`);
    say(`  join: ${JSON.stringify(s.labels?.counts ?? {})}, join rate ${fmt(s.labels?.joinRate)}, label delay p50 ${fmt(s.labels?.delayMs.p50, 0)} ms`);
    say(`  what callers got (served vs truth): first period ${fmt(total.first)}, last period ${fmt(total.last)}`);
    say(`  logged accuracy (served outputs vs joined labels, all versions): ${fmt(s.metrics.logged_accuracy)} over ${s.metrics.logged_samples ?? 0}`);
    say(`  fresh accuracy (the trainer's model, test-then-train): ${fmt(s.metrics.accuracy)}`);
  }
  say('\nVersions (streamtrain versions):');
  say(await versionsTable(subscriberStore, config.model.name));
  await subscriberStore.close?.();
  return 0;
}

function fmt(v: number | null | undefined, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

import type { Kafka } from 'kafkajs';
import type { Logger, PartitionKey, StreamtrainConfig } from '../core/index.js';
import { ConfigError, partitionKey } from '../core/index.js';
import { createKafka, RecordDecoder } from '../consumers/index.js';
import { openStore, type ObjectStore } from '../checkpoints/index.js';
import { Race, type ComparisonResult, type RaceVerdict } from '../adaptation/index.js';
import type { PackedBatch } from './micro-batches.js';
import { defaultInstanceId } from './instance-id.js';
import { Candidate } from './retrain-candidate.js';
import { pickColumns, raceInputs, type RaceInputs } from './retrain-inputs.js';
import { offsetsAtTime, partitionExtents } from './retrain-kafka.js';
import { LiveVersions } from './retrain-live.js';
import { planReplay, type PartitionPlan } from './retrain-plan.js';
import { publishRetrained } from './retrain-publish.js';
import { streamBatches } from './retrain-stream.js';
import type { StoredModelSpec } from './model-fit.js';

export interface RetrainOptions {
  /** The new config: same `model.name`, store and source topics as the live model; a new architecture or feature set. */
  readonly config: StreamtrainConfig;
  readonly logger: Logger;
  /** Replay from the oldest offset retained, or from the first record at or after this time. */
  readonly from: 'earliest' | Date;
  /** The race's bound in paired samples. @default `drift.challenger.maxSamples` */
  readonly raceSamples?: number;
  /** The race's bound in time. */
  readonly raceSeconds: number;
  readonly instanceId?: string;
  readonly kafka?: Kafka;
  readonly store?: ObjectStore;
}

export interface RetrainOutcome {
  /** `promoted`: the candidate is the model now; `lost`: the race kept the live model; `timeout`: the race ran out of time. */
  readonly result: 'promoted' | 'lost' | 'timeout';
  readonly plan: readonly PartitionPlan[];
  readonly replayedSamples: number;
  readonly racedSamples: number;
  readonly comparison: ComparisonResult;
  /** The level the race's looks test at (alpha / looks). */
  readonly alpha: number;
  readonly dropReason?: string;
  /** Mean per-sample error over every raced sample (error rate for classifiers, MAE for regression). */
  readonly meanError: { readonly candidate: number; readonly live: number };
  readonly racedVersions: readonly string[];
  /** With `promoted`: the new major and the epoch it was written under. */
  readonly version?: string;
  readonly epoch?: number;
}

/**
 * `streamtrain retrain`: trains the new config's model from scratch by replaying the source topics from Kafka
 * (no copy of the data) up to where the live model stands, then races it against the live model's published
 * versions on the records that follow, with the challenger race's paired test. A winner becomes the model: the
 * store's writer fence is claimed (the running writer is fenced at its next write) and a new major is written
 * whose lineage names the replayed and raced offsets and both parents. A loser writes nothing.
 */
export async function retrain(o: RetrainOptions): Promise<RetrainOutcome> {
  const { config, logger } = o;
  const log = logger.child({ module: 'retrain', model: config.model.name });
  const store = o.store ?? openStore(config.checkpoints.store);
  const kafka = o.kafka ?? createKafka(config.kafka, logger);
  const live = await LiveVersions.open({ store, model: config.model.name, task: config.model.task, classes: config.model.classes, logger });
  if (!live)
    throw new ConfigError('model.name', `Model ${config.model.name} has no published version in the store to race: start it with \`streamtrain run\` first`);
  let candidate: Candidate | undefined;
  try {
    const first = live.first;
    const spec = first.modelSpec as StoredModelSpec | undefined;
    if (!spec?.model || !spec.input)
      throw new ConfigError('model.name', `Version ${first.version} of ${config.model.name} keeps no model spec to race against`);
    const inputs = raceInputs(config, spec);
    const unknown = [...new Set(first.offsets.map((r) => r.topic))].filter((t) => !config.kafka.topics.includes(t));
    if (unknown.length)
      throw new ConfigError(
        'kafka.topics',
        `The live model reads ${unknown.join(', ')}, which \`kafka.topics\` does not list: a retrain replays the same source topics`,
      );
    const extents = await partitionExtents(kafka, config.kafka.topics);
    const seek = o.from === 'earliest' ? undefined : await offsetsAtTime(kafka, config.kafka.topics, o.from.getTime());
    const plan = planReplay({ partitions: extents, live: first.offsets, seek });
    const fromText = o.from === 'earliest' ? 'earliest' : o.from.toISOString();
    log.info({ from: fromText, live: first.version, plan: plan.map((p) => `${p.topic}:${p.partition} [${p.start}, ${p.stop})`) }, 'replay planned');

    candidate = await Candidate.create(config, logger);
    const decoder = new RecordDecoder({ input: inputs.input, label: { task: config.model.task, classes: config.model.classes } });
    const groupId = `${config.kafka.groupId}.retrain.${(o.instanceId ?? defaultInstanceId()).replace(/[^A-Za-z0-9._-]/g, '-')}`;
    const stream = {
      kafka,
      groupId,
      topics: config.kafka.topics,
      decoder,
      logger,
      batchSize: config.batch.size,
      maxWaitMs: config.batch.maxWaitMs,
      maxBuffered: config.batch.maxBuffered,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
    };
    const key = (p: PartitionPlan): PartitionKey => partitionKey(p.topic, p.partition);
    const starts = new Map(plan.map((p) => [key(p), p.start]));
    const stops = new Map(plan.map((p) => [key(p), p.stop]));

    // Phase 1: the replay, from scratch, up to where the live model stands.
    const model = candidate;
    const replayStarted = performance.now();
    await streamBatches({ ...stream, from: starts, until: stops, onBatch: async (b) => (b.size > 0 && (await model.step(candidateInput(b, inputs))), true) });
    const replayedSamples = model.samples;
    log.info({ samples: replayedSamples, seconds: Math.round((performance.now() - replayStarted) / 100) / 10 }, 'replay done; racing the live model');

    // Phase 2: the race, on the records that follow; the live versions are scored as they stood then.
    const challenger = config.drift.challenger;
    const raceSamples = o.raceSamples ?? challenger.maxSamples;
    const race = new Race(config.model.task, { ...challenger, minSamples: Math.min(challenger.minSamples, raceSamples), maxSamples: raceSamples });
    const positions = new Map(stops);
    const state: { verdict: RaceVerdict; candidateErrors: number; liveErrors: number } = { verdict: 'continue', candidateErrors: 0, liveErrors: 0 };
    live.follow(config.cluster.standbyPollMs);
    const { timedOut } = await streamBatches({
      ...stream,
      from: stops,
      maxMs: o.raceSeconds * 1000,
      onBatch: async (b) => {
        if (b.size > 0) {
          const liveErrors = live.errors(pickColumns(b.features, b.size, b.width, inputs.liveColumns), b.labels, b.size, positions);
          const ours = await model.step(candidateInput(b, inputs));
          state.verdict = race.add(liveErrors, ours);
          for (let i = 0; i < b.size; i++) {
            state.liveErrors += liveErrors[i] as number;
            state.candidateErrors += ours[i] as number;
          }
        }
        for (const [k, r] of b.offsets) positions.set(k, r.to);
        return state.verdict === 'continue';
      },
    });
    const comparison = race.comparison.result();
    const outcome = {
      plan,
      replayedSamples,
      racedSamples: race.comparison.total,
      comparison,
      alpha: race.comparison.alpha,
      ...(race.dropReason ? { dropReason: race.dropReason } : {}),
      meanError: { candidate: state.candidateErrors / Math.max(1, race.comparison.total), live: state.liveErrors / Math.max(1, race.comparison.total) },
      racedVersions: [...live.scored],
    };
    await live.close();
    if (state.verdict !== 'promote') {
      const result = timedOut && state.verdict === 'continue' ? ('timeout' as const) : ('lost' as const);
      log.warn({ result, ...comparison, samples: outcome.racedSamples, reason: race.dropReason }, 'the candidate did not win; nothing was written');
      return { result, ...outcome };
    }

    // Phase 3: the candidate is the model now.
    const written = await publishRetrained({
      config,
      logger,
      store,
      kafka,
      instanceId: o.instanceId ?? `retrain-${defaultInstanceId()}`,
      candidate: model,
      from: fromText,
      plan,
      end: positions,
      racedVersions: outcome.racedVersions,
      race: { samples: outcome.racedSamples, n: comparison.n, lead: comparison.lead, pValue: comparison.pValue, alpha: outcome.alpha },
      lineageHead: first,
    });
    return { result: 'promoted', ...outcome, version: written.version, epoch: written.epoch };
  } finally {
    candidate?.dispose();
    await live.close();
    if (!o.store) await store.close?.();
  }
}

/** The candidate's input vectors: the first `candidateWidth` columns of the decoded rows. */
function candidateInput(b: PackedBatch, inputs: RaceInputs): { size: number; width: number; features: Float32Array; labels: Float32Array } {
  const features =
    inputs.width === inputs.candidateWidth
      ? b.features
      : pickColumns(
          b.features,
          b.size,
          b.width,
          Int32Array.from({ length: inputs.candidateWidth }, (_, i) => i),
        );
  return { size: b.size, width: inputs.candidateWidth, features, labels: b.labels };
}

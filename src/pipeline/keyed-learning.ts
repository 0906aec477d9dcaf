import type { KafkaMessage } from 'kafkajs';
import type { Example, Logger, PartitionKey, StreamtrainConfig } from '../core/index.js';
import { DecodeError, DEFAULT_MAX_KEYS_PER_PARTITION, partitionKey } from '../core/index.js';
import { homePartition, type RecordDecoder } from '../consumers/index.js';
import { keyModelName, readCheckpoint, type LoadedCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import type { DeadLetterPublisher, EventPublisher } from '../producers/index.js';
import type { ManagerEvent, ManagerState } from '../adaptation/index.js';
import { retry } from './checkpointer.js';
import { LocalLearnerHost, type LearnerHostOptions, type MetricsState, type RestoredModel } from './learner-host.js';
import type { LiveModel, LiveModels } from './keyed-models.js';
import type { PartitionSlot } from './keyed-slot.js';
import type { PipelineObserver } from './observer.js';
import { adaptDetail, driftDetail } from './drift-detail.js';

export interface KeyedLearningDeps {
  readonly config: StreamtrainConfig;
  readonly logger: Logger;
  readonly store: ObjectStore;
  readonly hostOptions: LearnerHostOptions;
  /** Partitions of the source topic: where a key's records must be (homePartition). */
  readonly partitions: number;
  readonly models: LiveModels;
  readonly decoder: RecordDecoder;
  readonly deadLetters: DeadLetterPublisher;
  readonly publisher: EventPublisher;
  readonly observer?: PipelineObserver;
}

/**
 * Test-then-train for keyed models: decodes a run of one partition's records, sends the ones without a usable
 * key (or in the wrong partition, or over the partition's key limit) to the dead-letter topic with the reason,
 * and hands each key's records, in offset order, to that key's model in micro-batches of `batch.size`.
 */
export class KeyedLearning {
  private readonly log: Logger;
  batches = 0;
  /** The last 50 drift decisions of any key, for status. */
  readonly decisions: { at: string; event: string; detail: string }[] = [];

  constructor(private readonly deps: KeyedLearningDeps) {
    this.log = deps.logger.child({ module: 'keyed', model: deps.config.model.name });
  }

  /** Learns `messages` (consecutive records of the slot's partition) and marks them absorbed, all or none. */
  async learn(slot: PartitionSlot, messages: readonly KafkaMessage[], heartbeat: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    if (slot.lost || messages.length === 0) return;
    const { config, decoder, deadLetters } = this.deps;
    const field = config.model.partitionBy as string;
    const groups = new Map<string, Example[]>();
    let rejected = 0;
    for (const m of messages) {
      const raw = { topic: slot.topic, partition: slot.partition, offset: m.offset, timestamp: Number(m.timestamp), value: m.value };
      const { record, key } = await decoder.decodeKeyed(raw, field);
      let refused = record.kind === 'rejected' ? record : undefined;
      if (!refused && key !== undefined) {
        const home = homePartition(key, this.deps.partitions);
        if (home !== slot.partition)
          refused = decoder.reject(
            raw,
            new DecodeError('wrong-partition', `key '${key}' belongs in partition ${home}: produce records with their \`${field}\` value as the Kafka key`),
          );
        else if (!groups.has(key) && !slot.knows(key) && slot.keys >= (config.model.maxKeysPerPartition ?? DEFAULT_MAX_KEYS_PER_PARTITION))
          refused = decoder.reject(
            raw,
            new DecodeError('key-limit', `partition ${slot.partition} holds ${slot.keys} models (model.maxKeysPerPartition); raise it or add partitions`),
          );
      }
      if (refused) {
        if (refused.kind === 'rejected') deadLetters.add(refused);
        rejected += 1;
        continue;
      }
      if (record.kind !== 'example' || key === undefined) continue;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(record.example);
    }
    let samples = 0;
    const loading = this.prefetch(slot, [...groups.keys()]);
    for (const [key, examples] of groups) {
      if (slot.lost) return;
      const model = await this.acquire(slot, key, loading.get(key));
      samples += await this.train(slot, model, examples);
      await heartbeat();
    }
    const first = BigInt((messages[0] as KafkaMessage).offset);
    const last = BigInt((messages[messages.length - 1] as KafkaMessage).offset);
    slot.absorbed(first, last + 1n, messages.length, samples);
    if (rejected > 0)
      void deadLetters.send().catch((err: Error) => this.log.warn({ err: err.message }, 'dead-letter send failed; will retry before the next checkpoint'));
  }

  private async train(slot: PartitionSlot, model: LiveModel, examples: readonly Example[]): Promise<number> {
    const width = this.deps.hostOptions.inputWidth;
    const size = this.deps.config.batch.size;
    for (let i = 0; i < examples.length; i += size) {
      const part = examples.slice(i, i + size);
      const features = new Float32Array(part.length * width);
      const labels = new Float32Array(part.length);
      part.forEach((e, r) => {
        features.set(e.features, r * width);
        labels[r] = e.label;
      });
      const result = await model.host.step({ size: part.length, width, features, labels });
      this.batches += 1;
      this.deps.observer?.batchLearned?.(result.seconds);
      model.samples += part.length;
      model.sinceVersion += part.length;
      for (const e of result.events) this.onEvent(slot, model, e, part);
    }
    return examples.length;
  }

  /**
   * Starts reading, all at once, the newest versions of the keys that are neither live nor waiting in memory:
   * a chunk's keys are then restored in one store round trip rather than one per key.
   */
  private prefetch(slot: PartitionSlot, keys: readonly string[]): Map<string, Promise<LoadedCheckpoint>> {
    const pk = partitionKey(slot.topic, slot.partition);
    const out = new Map<string, Promise<LoadedCheckpoint>>();
    for (const key of keys) {
      if (this.deps.models.peek(key)?.partition === pk) continue;
      const head = slot.durableHead(key);
      if (!head) continue;
      const name = keyModelName(this.deps.config.model.name, key);
      const read = retry(() => readCheckpoint(this.deps.store, name, head.version), `restore ${key}`, this.log, 16);
      read.catch(() => undefined);
      out.set(key, read);
    }
    return out;
  }

  /** The live model of `key`, restored (from a capture not yet written, or its newest version) or new. */
  private async acquire(slot: PartitionSlot, key: string, prefetched?: Promise<LoadedCheckpoint>): Promise<LiveModel> {
    const { models, logger, store, config, hostOptions } = this.deps;
    const pk: PartitionKey = partitionKey(slot.topic, slot.partition);
    const live = models.get(key);
    if (live && live.partition === pk) return live;
    await models.makeRoom();
    const src = slot.source(key);
    let restored: RestoredModel | undefined;
    if (src.cut) {
      const c = src.cut.capture;
      restored = { snapshot: c.snapshot, state: c.state, metrics: c.metricsState, version: 'captured' };
    } else if (src.head) {
      const head = src.head;
      const cp =
        prefetched && (await prefetched).manifest.version === head.version
          ? await prefetched
          : await retry(() => readCheckpoint(store, keyModelName(config.model.name, key), head.version), `restore ${key}`, this.log, 16);
      const saved = cp.state as { metrics?: Partial<MetricsState>; manager?: ManagerState } | undefined;
      restored = { snapshot: cp.snapshot, state: saved?.manager, metrics: saved?.metrics, version: head.version };
    }
    const host = await LocalLearnerHost.create(hostOptions, logger, restored);
    const model: LiveModel = {
      key,
      partition: pk,
      host,
      samples: src.cut?.samples ?? src.head?.samples ?? 0,
      sinceVersion: src.dirty ? (src.cut?.sinceVersion ?? 0) : 0,
      newMajor: src.dirty ? (src.cut?.newMajor ?? false) : false,
    };
    models.add(model);
    slot.remember(key);
    return model;
  }

  private onEvent(slot: PartitionSlot, model: LiveModel, e: ManagerEvent, part: readonly Example[]): void {
    const detail =
      e.kind === 'drift' ? driftDetail(e) : e.kind === 'adapt-started' || e.kind === 'adapt-ended' ? adaptDetail(e) : 'from' in e ? `from ${e.from}` : '';
    this.decisions.push({ at: new Date().toISOString(), event: e.kind, detail: `${model.key}: ${detail}` });
    if (this.decisions.length > 50) this.decisions.shift();
    this.log.info({ key: model.key, event: e.kind, detail, samples: model.samples }, 'drift decision');
    if (e.kind === 'challenger-promoted') {
      model.newMajor = true;
      slot.driftSignal = `${model.key}: challenger promoted`;
    } else if (e.kind === 'drift') {
      slot.driftSignal = `${model.key}: ${e.detector} on ${e.signal}`;
      if (e.responses.includes('alert')) {
        const offsets = [
          {
            topic: slot.topic,
            partition: slot.partition,
            from: (part[0] as Example).offset,
            to: String(BigInt((part[part.length - 1] as Example).offset) + 1n),
          },
        ];
        void this.deps.publisher
          .publishDrift({
            model: `${this.deps.config.model.name}/${model.key}`,
            version: '',
            detector: e.detector,
            signal: e.signal,
            at: new Date().toISOString(),
            samples: model.samples,
            scores: e.scores,
            offsets,
            response: e.responses.join(','),
          })
          .catch((err: Error) => this.log.error({ err: err.message }, 'drift event not published'));
      }
    }
  }
}

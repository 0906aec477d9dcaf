import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger, PartitionKey, StreamtrainConfig, Trigger } from '../core/index.js';
import { DEFAULT_MAX_LIVE_MODELS, parsePartitionKey, partitionKey, STREAMTRAIN_VERSION } from '../core/index.js';
import { createKafka, explainKafkaError, RecordDecoder, waitForTopics } from '../consumers/index.js';
import { describeStore, openStore, type ObjectStore } from '../checkpoints/index.js';
import { DeadLetterPublisher, EventPublisher } from '../producers/index.js';
import { selectBackend } from '../learner/index.js';
import { learnerHostOptions } from './learner-host.js';
import { LiveModels } from './keyed-models.js';
import { KeyedLearning } from './keyed-learning.js';
import { PartitionSlot, type KeyCut, type SlotDeps } from './keyed-slot.js';
import { TriggerSet } from './triggers.js';
import type { ServiceStatus } from './service-options.js';
import type { PipelineObserver } from './observer.js';
import { defaultInstanceId } from './instance-id.js';

export interface KeyedServiceOptions {
  readonly config: StreamtrainConfig;
  readonly logger: Logger;
  readonly kafka?: Kafka;
  readonly store?: ObjectStore;
  readonly instanceId?: string;
  readonly observer?: PipelineObserver;
}

/** Records learned between two heartbeats and two offset resolutions; all of them, or none, count as absorbed. */
const CHUNK = 1024;
/** Dirty models parked by evictions in one partition before it checkpoints to write them. */
const MAX_PARKED = 64;
/** Wait before claiming again a partition this instance was fenced on. */
const RECLAIM_DELAY_MS = 1_000;

/**
 * Many models, one per value of `model.partitionBy`, spread over instances by the consumer group. The Kafka
 * partition is the unit of state: when the group gives this instance a partition it claims the partition's
 * fence (so its previous owner can publish nothing more), reads the partition's newest checkpoint and moves the
 * consumer there; a key's model is restored from its version the first time one of its records comes, before
 * that record is learned. When a partition leaves, its models are dropped without a checkpoint: the new owner
 * resumes from the last durable one. Any number of instances run the same config; each learns its partitions.
 */
export class KeyedService {
  private readonly log: Logger;
  readonly store: ObjectStore;
  readonly kafka: Kafka;
  private consumer?: Consumer;
  private deadLetters?: DeadLetterPublisher;
  private publisher?: EventPublisher;
  private learning?: KeyedLearning;
  private models?: LiveModels;
  /** Partitions assigned to this instance: their slot once claimed and read. */
  private readonly slots = new Map<PartitionKey, Promise<PartitionSlot>>();
  private readonly owned = new Map<PartitionKey, PartitionSlot>();
  private readonly triggers = new Map<PartitionKey, TriggerSet>();
  /** Learning and checkpoint cuts run one at a time: a cut never sees a batch halfway. */
  private tail: Promise<unknown> = Promise.resolve();
  private active: Promise<void> = Promise.resolve();
  private ticker?: NodeJS.Timeout;
  private running = false;
  private stopping = false;
  private failed?: (err: unknown) => void;
  private drained?: Promise<void>;
  private backend = '';
  readonly instanceId: string;

  constructor(private readonly options: KeyedServiceOptions) {
    const { config, logger } = options;
    this.instanceId = options.instanceId ?? config.cluster.instanceId ?? defaultInstanceId();
    this.log = logger.child({ module: 'keyed', model: config.model.name, instance: this.instanceId });
    this.store = options.store ?? openStore(config.checkpoints.store);
    this.kafka = options.kafka ?? createKafka(config.kafka, logger);
  }

  async start(): Promise<void> {
    try {
      await this.startUp();
    } catch (err) {
      await this.consumer?.disconnect().catch(() => undefined);
      await this.deadLetters?.disconnect().catch(() => undefined);
      await this.publisher?.disconnect().catch(() => undefined);
      throw explainKafkaError(err, this.options.config.kafka);
    }
  }

  /** Settles when the service has stopped: rejects on a fatal error (the process should exit non-zero). */
  get done(): Promise<void> {
    return this.drained ?? Promise.resolve();
  }

  private async startUp(): Promise<void> {
    const { config, logger } = this.options;
    const topic = config.kafka.topics[0] as string;
    this.backend = await selectBackend(config.learner.backend, logger);
    this.drained = new Promise<void>((resolve, reject) => {
      this.failed = reject;
      this.finished = resolve;
    });
    this.drained.catch(() => undefined);
    this.deadLetters = new DeadLetterPublisher(this.kafka, config.deadLetter.topic, config.model.name, logger);
    this.publisher = new EventPublisher(this.kafka, { versions: config.publish.versionsTopic, drift: config.drift.topic }, logger);
    await Promise.all([this.deadLetters.connect(), this.publisher.connect()]);
    await waitForTopics(this.kafka, [topic], this.log);
    const partitions = await this.partitionCount(topic);
    const hostOptions = learnerHostOptions(config);
    this.models = new LiveModels(
      config.model.maxLiveModels ?? DEFAULT_MAX_LIVE_MODELS,
      (m, parked) => this.park(m.partition, { key: m.key, ...parked }),
      this.log,
    );
    this.learning = new KeyedLearning({
      config,
      logger,
      store: this.store,
      hostOptions,
      partitions,
      models: this.models,
      decoder: new RecordDecoder({
        input: config.input,
        label: { task: config.model.task, classes: config.model.classes },
        keepRejectedPayload: config.deadLetter.includePayload,
      }),
      deadLetters: this.deadLetters,
      publisher: this.publisher,
      observer: this.options.observer,
    });
    this.log.info(
      { store: describeStore(config.checkpoints.store), partitionBy: config.model.partitionBy, partitions, backend: this.backend, instance: this.instanceId },
      'keyed models: joining the consumer group',
    );
    const consumer = this.kafka.consumer({
      groupId: config.kafka.groupId,
      sessionTimeout: config.kafka.sessionTimeoutMs,
      heartbeatInterval: config.kafka.heartbeatIntervalMs,
      maxBytesPerPartition: 1 << 20,
      maxWaitTimeInMs: 500,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log.error({ err: payload.error.message, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this.failed?.(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: config.kafka.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => (this.active = this.eachBatch(payload).catch((err: unknown) => this.onBatchError(err))),
    });
    this.ticker = setInterval(() => this.tick(), 1_000);
    this.running = true;
  }

  private finished?: () => void;

  private async partitionCount(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]?.partitions.length ?? 0;
    } finally {
      await admin.disconnect();
    }
  }

  /** Claims newly assigned partitions; drops, without a checkpoint, the models of partitions that left. */
  private onAssignment(assignment: Record<string, number[]>): void {
    const now = new Set<PartitionKey>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) now.add(partitionKey(topic, p));
    for (const pk of [...this.slots.keys()]) {
      if (now.has(pk)) continue;
      const slot = this.owned.get(pk);
      this.slots.delete(pk);
      this.owned.delete(pk);
      this.triggers.delete(pk);
      if (slot) slot.lost = true;
      void this.serial(async () => {
        const dropped = (await this.models?.drop(pk)) ?? 0;
        this.log.info({ partition: pk, models: dropped }, 'partition moved to another instance: its models are dropped here');
      });
    }
    for (const pk of now) if (!this.slots.has(pk)) this.adopt(pk, 0);
  }

  /**
   * Claims a partition the group assigned to this instance and reads its newest checkpoint. `delayMs` spaces
   * out a claim again after this instance was fenced on a partition the group still gives it (two members
   * that briefly both believe they own it settle at the group's next generation instead of fencing each other
   * in a loop).
   */
  private adopt(pk: PartitionKey, delayMs: number): void {
    const { topic, partition } = parsePartitionKey(pk);
    const adopted = new Promise((resolve) => setTimeout(resolve, delayMs))
      .then(() => PartitionSlot.adopt(this.slotDeps(), topic, partition, this.instanceId))
      .then((slot) => {
        if (this.slots.get(pk) !== adopted) slot.lost = true;
        else {
          // Read from the checkpoint: the group's committed offset may lag it, and after a reclaim the
          // consumer's position is past it.
          if (slot.next !== undefined) {
            (this.consumer as Consumer).seek({ topic, partition, offset: slot.next.toString() });
            slot.positioned = true;
          }
          this.owned.set(pk, slot);
          this.triggers.set(pk, TriggerSet.fromConfig(this.options.config.triggers));
          this.log.info(
            { partition: pk, epoch: slot.fence.epoch, version: slot.version ?? null, keys: slot.keys, next: slot.next?.toString() ?? null },
            'partition claimed',
          );
        }
        return slot;
      });
    adopted.catch((err: unknown) => this.failed?.(err));
    this.slots.set(pk, adopted);
  }

  /**
   * The store refused a checkpoint of a partition the group still assigns here: another instance claimed it
   * while this one was away from the group (a stalled process, a network partition). Its models are dropped
   * and the partition is claimed again from its newest checkpoint.
   */
  private reclaim(pk: PartitionKey): void {
    this.owned.delete(pk);
    this.triggers.delete(pk);
    void this.serial(async () => {
      const dropped = (await this.models?.drop(pk)) ?? 0;
      this.log.warn({ partition: pk, models: dropped }, 'fenced on a partition still assigned here: claiming it again from its checkpoint');
    });
    this.adopt(pk, RECLAIM_DELAY_MS);
  }

  private slotDeps(): SlotDeps {
    const { config } = this.options;
    const dlq = this.deadLetters as DeadLetterPublisher;
    const publisher = this.publisher as EventPublisher;
    return {
      store: this.store,
      model: config.model.name,
      keep: config.checkpoints.keep,
      backend: this.backend,
      modelSpec: { model: config.model, input: { features: config.input.features, label: config.input.label, missing: config.input.missing } },
      streamtrainVersion: STREAMTRAIN_VERSION,
      logger: this.log,
      beforeWrite: () => dlq.flush(),
      commit: (topic, partition, next) => (this.consumer as Consumer).commitOffsets([{ topic, partition, offset: next.toString() }]),
      announce: (event) => publisher.publishVersion(event),
      observer: this.options.observer,
    };
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const pk = partitionKey(batch.topic, batch.partition);
    const pending = this.slots.get(pk);
    const slot = await pending;
    if (!slot || this.stopping) return;
    if (slot.lost) {
      if (this.slots.get(pk) === pending && this.owned.get(pk) === slot) this.reclaim(pk);
      return;
    }
    const messages = batch.messages;
    let start = 0;
    if (slot.next !== undefined) while (start < messages.length && BigInt((messages[start] as (typeof messages)[number]).offset) < slot.next) start++;
    if (!slot.positioned) {
      slot.positioned = true;
      const first = messages[start];
      // The group's committed offset is ahead of the checkpoint (a commit without its checkpoint): read from the checkpoint.
      if (slot.next !== undefined && first && BigInt(first.offset) > slot.next) {
        this.log.warn({ partition: pk, committed: first.offset, checkpoint: slot.next.toString() }, 'moving the consumer back to the checkpoint');
        (this.consumer as Consumer).seek({ topic: batch.topic, partition: batch.partition, offset: slot.next.toString() });
        return;
      }
    }
    // Inside a chunk (restoring its keys' models can take seconds) the member keeps its session; a rebalance
    // it reports is acted on at the chunk's end, so a chunk is absorbed whole or not at all.
    let lastBeat = performance.now();
    const quietHeartbeat = async (): Promise<void> => {
      if (performance.now() - lastBeat < this.options.config.kafka.heartbeatIntervalMs) return;
      lastBeat = performance.now();
      await heartbeat().catch(() => undefined);
    };
    for (let i = start; i < messages.length; i += CHUNK) {
      if (slot.lost || this.stopping || !isRunning() || isStale()) return;
      const chunk = messages.slice(i, i + CHUNK);
      await this.serial(() => (this.learning as KeyedLearning).learn(slot, chunk, quietHeartbeat));
      resolveOffset((chunk[chunk.length - 1] as (typeof messages)[number]).offset);
      this.maybeCut(pk);
      await heartbeat();
    }
  }

  private onBatchError(err: unknown): void {
    const name = (err as Error).name;
    // A rebalance interrupts a batch through its heartbeat, a broker restart through its connection: kafkajs
    // retries or rejoins, and nothing is lost (the positions are ours).
    if (name.startsWith('KafkaJS')) throw err;
    this.log.fatal({ err: (err as Error).message }, 'keyed learning failed; stopping');
    this.failed?.(err);
    throw err;
  }

  private tick(): void {
    for (const [pk, slot] of this.owned) {
      if (slot.lost) this.reclaim(pk);
      else this.maybeCut(pk);
    }
  }

  /** Cuts a partition's checkpoint when one of the trigger rules says so. */
  private maybeCut(pk: PartitionKey): void {
    const slot = this.owned.get(pk);
    const rules = this.triggers.get(pk);
    if (!slot || !rules || slot.lost) return;
    try {
      slot.throwIfFailed();
    } catch (err) {
      this.failed?.(err);
      return;
    }
    const trigger =
      slot.parked.size >= MAX_PARKED
        ? ({ reason: 'eviction', detail: `${slot.parked.size} evicted models to write` } as Trigger)
        : rules.evaluate({
            samplesSinceLast: slot.samplesSince,
            samplesTotal: slot.samplesTotal,
            secondsSinceLast: (performance.now() - slot.lastCutAt) / 1000,
            metrics: {},
            driftSignal: slot.driftSignal,
          });
    if (trigger) void this.serial(() => this.cut(slot, trigger));
  }

  /** Captures the partition's dirty live models and queues its checkpoint. Runs in `serial`. */
  private async cut(slot: PartitionSlot, trigger: Trigger): Promise<void> {
    if (slot.lost) return;
    const pk = partitionKey(slot.topic, slot.partition);
    const cuts: KeyCut[] = [];
    for (const m of this.models?.of(pk) ?? []) {
      if (m.sinceVersion === 0) continue;
      cuts.push({ key: m.key, capture: await m.host.capture(), samples: m.samples, sinceVersion: m.sinceVersion, newMajor: m.newMajor });
      m.sinceVersion = 0;
      m.newMajor = false;
    }
    if (slot.cut(trigger, cuts)) {
      slot.driftSignal = undefined;
      this.triggers.get(pk)?.reset();
    }
  }

  private park(pk: PartitionKey, cut: KeyCut): void {
    const slot = this.owned.get(pk);
    if (slot && !slot.lost) slot.parked.set(cut.key, cut);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Graceful stop: stop fetching, checkpoint every partition, wait until every checkpoint is durable and
   * committed, then leave the group so the partitions move to the other instances at once.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping = true;
    clearInterval(this.ticker);
    const consumer = this.consumer as Consumer;
    consumer.pause([{ topic: this.options.config.kafka.topics[0] as string }]);
    await this.active.catch(() => undefined);
    try {
      for (const slot of this.owned.values()) await this.serial(() => this.cut(slot, { reason: 'shutdown' }));
      await this.tail;
      for (const slot of this.owned.values()) await slot.drain();
    } finally {
      await consumer.disconnect().catch((err: Error) => this.log.warn({ err: err.message }, 'consumer disconnect failed'));
      await this.models?.disposeAll();
      await Promise.all([this.deadLetters?.disconnect().catch(() => undefined), this.publisher?.disconnect().catch(() => undefined)]);
      if (!this.options.store) await this.store.close?.();
      this.log.info({ partitions: this.owned.size }, 'stopped');
      this.finished?.();
    }
  }

  status(): ServiceStatus {
    const slots = [...this.owned.values()];
    const learning = this.learning;
    return {
      model: this.options.config.model.name,
      backend: this.backend,
      samplesTotal: slots.reduce((s, x) => s + x.samplesTotal, 0),
      samplesSinceVersion: slots.reduce((s, x) => s + x.samplesSince, 0),
      metrics: {},
      buffered: 0,
      paused: false,
      pauses: 0,
      deadLettered: { ...(this.deadLetters?.counts ?? {}) },
      batches: learning?.batches ?? 0,
      running: this.running,
      decisions: [...(learning?.decisions ?? [])],
      role: this.running ? (slots.length > 0 ? 'leader' : 'standby') : 'stopped',
      instance: this.instanceId,
      keyed: {
        partitionBy: this.options.config.model.partitionBy as string,
        liveModels: this.models?.size ?? 0,
        evictions: this.models?.evictions ?? 0,
        partitions: slots.map((s) => ({
          topic: s.topic,
          partition: s.partition,
          epoch: s.fence.epoch,
          version: s.version ?? null,
          keys: s.keys,
          next: s.next?.toString() ?? null,
        })),
      },
    };
  }
}

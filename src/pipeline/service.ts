import { concatMap, from, map, merge, Subject, takeUntil, timer, type Subscription } from 'rxjs';
import type { Kafka } from 'kafkajs';
import type { ServiceOptions, ServiceStatus } from './service-options.js';
import { driftEvent, versionEvent } from './version-event.js';
import type { Logger, Trigger } from '../core/index.js';
import { createKafka, explainKafkaError } from '../consumers/index.js';
import { latestValidCheckpoint, openStore, readCheckpoint, WriterFence, type ObjectStore } from '../checkpoints/index.js';
import { DeadLetterPublisher, EventPublisher } from '../producers/index.js';
import { BatchBound } from './batch-bound.js';
import { BoundedBuffer } from './bounded-buffer.js';
import { Checkpointer } from './checkpointer.js';
import { OffsetLedger } from './offset-ledger.js';
import { openSource, type OffsetBook, type PipelineSource } from './service-source.js';
import type { LabelFeed } from './label-feed.js';
import { toMicroBatches, type PackedBatch } from './micro-batches.js';
import { warnOnShortRetention } from './retention-check.js';
import { TriggerSet } from './triggers.js';
import type { ManagerEvent } from '../adaptation/index.js';
import type { HostStepResult, LearnerHost } from './learner-host.js';
import { eventDetail } from './drift-detail.js';
import { defaultInstanceId } from './instance-id.js';
import { assertCheckpointFits } from './model-fit.js';
import { checkpointSettings, createLearnerHost, logModelStart, restoredModelOf, type SavedState } from './host-factory.js';
import { RolloutWatch, type RestartRequest } from './rollout-watch.js';

/** Micro-batches handed to the learner and not yet handled; each holds up to `batch.maxSize` records. */
const MAX_IN_FLIGHT = 4;

interface InFlight {
  readonly batch: PackedBatch;
  readonly result: Promise<HostStepResult | undefined>;
  settled?: Promise<void>;
}

/**
 * The running service: one live model fed by micro-batches of fresh Kafka records.
 *
 *   consumer ─► BoundedBuffer ─► toBatches ─► test-then-train ─► ledger + triggers ─► Checkpointer
 *
 * Start-up follows the offsets protocol: restore the newest checkpoint that verifies *before* joining the
 * consumer group, then seek every assigned partition to that checkpoint's offsets.
 */
export class StreamtrainService {
  private readonly log: Logger;
  private ledger: OffsetBook = new OffsetLedger();
  /** With `input.labels`: the join, which is then the ledger. */
  private labels?: LabelFeed;
  private readonly stop$ = new Subject<void>();
  private learner?: LearnerHost;
  private driftSignal?: string;
  /** The last 50 drift decisions, for status; `versionDecisions` are those since the last version, for its manifest. */
  private readonly decisions: { at: string; event: string; detail: string }[] = [];
  private versionDecisions: { at: string; event: string; detail: string }[] = [];
  private checkpointer?: Checkpointer;
  private rollout?: RolloutWatch;
  private source?: PipelineSource;
  private deadLetters?: DeadLetterPublisher;
  private publisher?: EventPublisher;
  private buffer: BoundedBuffer;
  /** The bound of the next micro-batch: `batch.size`, growing up to `batch.maxSize` while records queue up. */
  private readonly batchBound: BatchBound;
  private subscription?: Subscription;
  private triggers: TriggerSet;
  /** Samples handed to the learner (what the next checkpoint contains); `samplesLearned` lags by the batches in flight. */
  private samplesTotal = 0;
  private samplesLearned = 0;
  /** Batches handed to the learner whose results have not been handled yet, oldest first. */
  private readonly inflight: InFlight[] = [];
  private settleChain: Promise<void> = Promise.resolve();
  private samplesSinceVersion = 0;
  /** When the newest record handed to the learner since the last version reached the pipeline. */
  private newestRecordAt?: number;
  private lastVersionAt = performance.now();
  private batches = 0;
  /** Samples per gradient step of the last batch learned (0 before the first). */
  private stepSamples = 0;
  private poolEvery = 1;
  private backend?: string;
  private running = false;
  /** Set when leadership is lost: nothing more is learned, checkpointed, committed or published. */
  private aborted = false;
  private fence?: WriterFence;
  private drained?: Promise<void>;
  private fatal?: (err: unknown) => void;
  readonly store: ObjectStore;
  readonly kafka: Kafka;

  constructor(private readonly options: ServiceOptions) {
    const { config, logger } = options;
    this.log = logger.child({ module: 'service', model: config.model.name });
    this.store = options.store ?? openStore(config.checkpoints.store);
    this.kafka = options.kafka ?? createKafka(config.kafka, logger);
    this.buffer = new BoundedBuffer(config.batch.maxBuffered);
    this.batchBound = BatchBound.forConfig(config.batch, () => this.buffer.size);
    this.triggers = TriggerSet.fromConfig(config.triggers);
  }

  /**
   * Restores, connects and starts consuming. Resolves once the consumer runs; `done` settles when it stops.
   * @throws ConfigError naming `kafka.sasl` when the brokers refuse the credentials (see explainKafkaError).
   */
  async start(): Promise<void> {
    try {
      await this.startUp();
    } catch (err) {
      // Nothing half-started outlives a failed start: the learner thread, the producers, the consumer.
      await this.source?.stop().catch(() => undefined);
      await this.deadLetters?.disconnect().catch(() => undefined);
      await this.publisher?.disconnect().catch(() => undefined);
      await this.learner?.dispose().catch(() => undefined);
      this.learner = undefined;
      throw explainKafkaError(err, this.options.config.kafka);
    }
  }

  private async startUp(): Promise<void> {
    const { config, logger } = this.options;
    // The epoch is claimed before anything is read: no older writer can move LATEST after this point.
    this.fence = this.options.fence ?? (await WriterFence.claim(this.store, config.model.name, this.options.instanceId ?? defaultInstanceId()));
    const preloaded = this.options.restored;
    const restored =
      preloaded !== undefined && (preloaded?.manifest.version ?? null) === this.fence.latest.version
        ? (preloaded ?? undefined)
        : await latestValidCheckpoint(this.store, config.model.name, logger);
    // A version made with another architecture or feature set (a retrained major) is not continued under this config.
    if (restored) assertCheckpointFits(config, restored.manifest);
    const saved = restored?.state as SavedState | undefined;
    // The producers connect while the model is built: both are on a takeover's path to its first batch.
    this.deadLetters = new DeadLetterPublisher(this.kafka, config.deadLetter.topic, config.model.name, logger);
    this.publisher = new EventPublisher(this.kafka, { versions: config.publish.versionsTopic, drift: config.drift.topic }, logger);
    const connected = Promise.all([this.deadLetters.connect(), this.publisher.connect()]);
    connected.catch(() => undefined);
    this.learner = await createLearnerHost(config, logger, restoredModelOf(restored), this.options.warmLearner);
    this.backend = this.learner.backend;
    if (restored) {
      this.samplesTotal = restored.manifest.samples.total;
      this.samplesLearned = this.samplesTotal;
    }
    logModelStart(this.log, config, { epoch: this.fence.epoch, restored, backend: this.backend });

    await connected;
    const dlq = this.deadLetters;
    const publisher = this.publisher;
    this.checkpointer = await Checkpointer.open(
      {
        ...checkpointSettings(config),
        store: this.store,
        backend: this.backend,
        logger,
        fence: this.fence,
        beforeWrite: () => dlq.flush(),
        commit: (positions) => (this.source ? this.source.commit(positions) : Promise.resolve()),
        announce: (manifest, uri) => publisher.publishVersion(versionEvent(manifest, uri)),
        observer: this.options.observer,
      },
      restored?.manifest.version,
    );
    const { name: model } = config.model;
    const watch = { store: this.store, kafka: this.kafka, model, decisionsTopic: config.rollout.decisionsTopic, instanceId: this.fence.writer, log: this.log };
    this.rollout = await RolloutWatch.open(watch, saved?.rollout);
    if (!restored) this.publish({ reason: 'initial', detail: 'new model' });
    await warnOnShortRetention(this.kafka, config, this.log);

    const opened = openSource({
      config,
      kafka: this.kafka,
      logger,
      deadLetter: (r) => dlq.add(r),
      restored: restored ? { offsets: restored.manifest.offsets, labels: saved?.labels } : undefined,
    });
    [this.source, this.ledger, this.labels] = [opened.source, opened.ledger, opened.labels];
    this.drained = new Promise<void>((resolve, reject) => {
      this.fatal = reject;
      const batches$ = this.buffer.chunks$.pipe(
        toMicroBatches(() => this.batchBound.next(), config.batch.maxWaitMs),
        map((batch) => ({ kind: 'batch' as const, batch })),
      );
      const ticks$ = timer(1_000, 1_000).pipe(
        takeUntil(this.stop$),
        map(() => ({ kind: 'tick' as const })),
      );
      this.subscription = merge(batches$, ticks$)
        .pipe(concatMap((ev) => from(ev.kind === 'batch' ? this.learnBatch(ev.batch) : this.onTick())))
        .subscribe({ error: reject, complete: () => this.settleChain.then(resolve, reject) });
    });
    this.drained.catch(() => undefined);
    this.source.onFatal((err) => this.fatal?.(err));
    await this.source.start(this.buffer, opened.from);
    this.running = true;
  }

  /** Settles when the pipeline has stopped: rejects on a fatal error (the process should exit non-zero). */
  get done(): Promise<void> {
    return this.drained ?? Promise.resolve();
  }

  /**
   * Graceful stop: leave the group, learn what is buffered, write a last checkpoint if anything is new, wait
   * for every checkpoint to be durable and announced, disconnect. `onReleased` runs as soon as the last
   * checkpoint is durable, while the consumer group is left (a cluster member hands its lease over there).
   */
  async stop(options: { onReleased?: () => Promise<void> } = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.log.info('stopping: draining the buffered records');
    // Halt, not disconnect: the consumer stays in the group so the last checkpoint's offsets can be committed.
    await this.source?.halt().catch((err: Error) => this.log.warn({ err: err.message }, 'consumer halt failed'));
    this.stop$.next();
    this.buffer.complete();
    try {
      await this.drained;
      if (this.ledger.moved || this.samplesSinceVersion > 0) this.publish({ reason: 'shutdown' });
      await this.checkpointer?.drain();
    } finally {
      // The last checkpoint is durable and nothing more is learned or committed: a successor can start while we
      // leave the consumer group (it joins once we have left) and tidy up.
      const released = options.onReleased?.().catch((err: Error) => this.log.warn({ err: err.message }, 'hand-over step failed'));
      await this.source?.stop().catch((err: Error) => this.log.warn({ err: err.message }, 'consumer disconnect failed'));
      this.subscription?.unsubscribe();
      await Promise.all([
        this.deadLetters?.disconnect().catch(() => undefined),
        this.publisher?.disconnect().catch(() => undefined),
        this.rollout?.close().catch(() => undefined),
        this.learner?.dispose().catch((err: Error) => this.log.warn({ err: err.message }, 'learner dispose failed')),
      ]);
      if (!this.options.store) await this.store.close?.();
      await released;
      this.log.info({ version: this.checkpointer?.headVersion, samples: this.samplesTotal }, 'stopped');
    }
  }

  /**
   * Leadership lost: stops at once. Nothing more is learned, no checkpoint is requested, no offset committed
   * and no event published; records fetched but not in a durable checkpoint are dropped, and the next writer
   * reads them again from its checkpoint's offsets. A write already on its way is refused by the store if
   * another instance has claimed the model since.
   */
  async abort(reason: string): Promise<void> {
    if (this.aborted) return;
    this.aborted = true;
    this.running = false;
    this.log.warn({ reason, version: this.checkpointer?.headVersion }, 'no longer the writer: stopping without a checkpoint');
    this.checkpointer?.abandon(reason);
    await this.source?.stop().catch((err: Error) => this.log.warn({ err: err.message }, 'consumer disconnect failed'));
    this.stop$.next();
    this.buffer.complete();
    await this.drained?.catch(() => undefined);
    await this.checkpointer?.drain().catch(() => undefined);
    this.subscription?.unsubscribe();
    await this.deadLetters?.disconnect().catch(() => undefined);
    await Promise.all([this.publisher?.disconnect().catch(() => undefined), this.rollout?.close().catch(() => undefined)]);
    if (!this.options.store) await this.store.close?.();
    await this.learner?.dispose().catch(() => undefined);
  }

  /** The epoch this instance writes under (after start). */
  get epoch(): number | undefined {
    return this.fence?.epoch;
  }

  /** Predictions of the live model (row-major inputs): what the service would answer right now. */
  predict(features: Float32Array, size: number): Promise<Float32Array> {
    if (!this.learner) return Promise.reject(new TypeError('the service is not started'));
    return this.learner.predict(features, size);
  }

  status(): ServiceStatus {
    return {
      model: this.options.config.model.name,
      version: this.checkpointer?.headVersion,
      epoch: this.fence?.epoch,
      backend: this.backend,
      samplesTotal: this.samplesLearned,
      samplesSinceVersion: this.samplesSinceVersion,
      metrics: this.learner?.metrics() ?? {},
      learner: {
        updateBatchSize: this.options.config.learner.updateBatchSize,
        stepSamples: this.stepSamples,
        poolEvery: this.poolEvery,
        batchBound: this.batchBound.current,
      },
      buffered: this.buffer.size,
      paused: this.source?.stats.paused ?? false,
      pauses: this.source?.stats.pauses ?? 0,
      deadLettered: { ...(this.deadLetters?.counts ?? {}) },
      batches: this.batches,
      running: this.running,
      decisions: [...this.decisions],
      ...(this.labels ? { labels: this.labels.status() } : {}),
    };
  }

  /**
   * Hands one micro-batch to the learner (test-then-train) without waiting for it, up to MAX_IN_FLIGHT batches:
   * a learner on another thread then always has the next batch queued. The ledger, the counters and the dead
   * letters move when a batch is handed over, and a capture is queued behind every batch handed over before
   * it, so a checkpoint's offsets always match its weights. Results are handled in order as they arrive.
   */
  private async learnBatch(batch: PackedBatch): Promise<void> {
    if (this.aborted) return;
    const learner = this.learner as LearnerHost;
    const entry: InFlight = {
      batch,
      result: batch.size > 0 ? learner.step(batch, this.triggers.needsMetrics, this.inflight.length) : Promise.resolve(undefined),
    };
    this.inflight.push(entry);
    entry.settled = this.settleChain = this.settleChain.then(() => this.settle(entry));
    // A failure while no batch is waiting still stops the service.
    entry.settled.catch((err: unknown) => this.fatal?.(err));
    this.samplesTotal += batch.size;
    this.samplesSinceVersion += batch.size;
    this.newestRecordAt = batch.receivedAt;
    for (const r of batch.rejected) this.deadLetters?.add(r);
    if (batch.rejected.length)
      void this.deadLetters
        ?.send()
        .catch((err: Error) => this.log.warn({ err: err.message }, 'dead-letter send failed; will retry before the next checkpoint'));
    this.ledger.apply(batch.offsets);
    while (this.inflight.length >= MAX_IN_FLIGHT) await (this.inflight[0] as InFlight).settled;
  }

  /** Handles a batch's result: releases its records, acts on drift events, considers a publication. */
  private async settle(entry: InFlight): Promise<void> {
    const r = await entry.result;
    this.inflight.shift();
    this.samplesLearned += entry.batch.size;
    this.buffer.release(entry.batch.records);
    this.batches += 1;
    if (r) this.options.observer?.batchLearned?.(r.seconds);
    if (r) [this.stepSamples, this.poolEvery] = [r.stepSamples, r.poolEvery];
    for (const e of r?.events ?? []) await this.onManagerEvent(e, entry.batch);
    this.maybePublish();
  }

  /** Logs every drift decision, publishes drift events, and publishes a promoted challenger as a new major. */
  private async onManagerEvent(e: ManagerEvent, batch: PackedBatch): Promise<void> {
    const detail = eventDetail(e);
    const decision = { at: new Date().toISOString(), event: e.kind, detail };
    this.decisions.push(decision);
    this.versionDecisions.push(decision);
    if (this.decisions.length > 50) this.decisions.shift();
    this.options.observer?.driftDecision?.(e.kind);
    this.log.info({ event: e.kind, detail, samples: this.samplesTotal }, 'drift decision');
    if (e.kind === 'drift') {
      this.driftSignal = `${e.detector} on ${e.signal}`;
      if (e.responses.includes('alert')) {
        const event = driftEvent(e, {
          model: this.options.config.model.name,
          version: this.checkpointer?.headVersion ?? '',
          samples: this.samplesTotal,
          batch,
        });
        await this.publisher?.publishDrift(event).catch((err: Error) => this.log.error({ err: err.message }, 'drift event not published'));
      }
    } else if (e.kind === 'challenger-promoted') {
      this.publish({ reason: 'challenger', detail }, { newMajor: true, extraParents: e.branchedFrom ? [e.branchedFrom] : [] });
    } else if (e.kind === 'pool-switched') this.publish({ reason: 'pool-switch', detail }, { newMajor: true });
    else if (e.kind === 'guard-reactivated') this.publish({ reason: 'guard', detail }, { newMajor: true, extraParents: [e.version] });
  }

  private async onTick(): Promise<void> {
    this.maybePublish();
    const restart = await this.rollout?.due();
    if (restart) await this.restartFrom(restart);
    await this.rollout?.promoteWhenDurable();
  }

  /** A rollout decision asks to continue from a version published before: a learner from it, as a new major. */
  private async restartFrom(request: RestartRequest): Promise<void> {
    const { config, logger } = this.options;
    await this.settleChain;
    const c = await readCheckpoint(this.store, config.model.name, request.from);
    assertCheckpointFits(config, c.manifest);
    const next = await createLearnerHost(config, logger, restoredModelOf(c));
    const old = this.learner;
    this.learner = next;
    await old?.dispose();
    const d = request.decision;
    const version = this.publish(
      { reason: 'rollout', detail: `restart from ${request.from}: decision ${d.seq} ${d.type} by ${d.by}` },
      { newMajor: true, extraParents: [request.from] },
    );
    if (version) this.rollout?.restarted(version, request);
  }

  private maybePublish(): void {
    if (this.aborted) return;
    this.checkpointer?.throwIfFailed();
    const trigger = this.triggers.evaluate({
      samplesSinceLast: this.samplesSinceVersion,
      samplesTotal: this.samplesTotal,
      secondsSinceLast: (performance.now() - this.lastVersionAt) / 1000,
      metrics: this.triggers.needsMetrics ? (this.learner?.metrics() ?? {}) : {},
      driftSignal: this.driftSignal,
    });
    if (trigger) this.publish(trigger);
  }

  /**
   * Queues a checkpoint of the learner as of every batch handed to it so far: the capture is queued on the
   * learner behind those batches at the same instant the ledger is cut, so weights, counters and offsets agree.
   * Synchronous: the capture and the write complete in the background, in order.
   */
  private publish(trigger: Trigger, lineage: { newMajor?: boolean; extraParents?: string[] } = {}): string | undefined {
    if (this.aborted) return undefined;
    const learner = this.learner as LearnerHost;
    const decisions = this.versionDecisions;
    const driftConfig = this.options.config.drift;
    // The ledger is cut first: with `input.labels` the cut holds the join state that goes with the capture.
    const offsets = this.ledger.take();
    const join = this.labels?.lastCut;
    const rollout = this.rollout?.state();
    const content = learner.capture().then((cap) => ({
      snapshot: cap.snapshot,
      state: { metrics: cap.metricsState, manager: cap.state, ...(join ? { labels: join.state } : {}), ...(rollout ? { rollout } : {}) },
      metrics: cap.metrics,
      drift: { detectors: driftConfig.detectors.map((d) => d.kind), responses: driftConfig.responses, challengerRunning: cap.challengerRunning, decisions },
    }));
    const version = (this.checkpointer as Checkpointer).request({
      trigger,
      content,
      offsets,
      ...(join ? { labels: join.summary } : {}),
      samplesTotal: this.samplesTotal,
      samplesSinceParent: this.samplesSinceVersion,
      newestRecordAt: this.newestRecordAt,
      ...lineage,
    });
    // Queued right behind the capture: a `last-version` challenger starts from exactly this version.
    learner.notePublished(version).catch((err: Error) => this.log.warn({ err: err.message }, 'learner did not take note of the version'));
    this.versionDecisions = [];
    this.log.debug({ version, trigger: trigger.reason }, 'checkpoint requested');
    this.samplesSinceVersion = 0;
    this.newestRecordAt = undefined;
    this.driftSignal = undefined;
    this.triggers.reset();
    this.lastVersionAt = performance.now();
    return version;
  }
}

export type { ServiceOptions, ServiceStatus } from './service-options.js';

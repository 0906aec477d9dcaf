import type { Kafka } from 'kafkajs';
import type { Logger, StreamtrainConfig } from '../core/index.js';
import { FencedError, StreamtrainError } from '../core/index.js';
import { openStore, WriterFence, type LoadedCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import { KafkaLease, StandbyFollower } from '../cluster/index.js';
import { defaultInstanceId } from './instance-id.js';
import { createKafka, explainKafkaError, waitForTopics } from '../consumers/index.js';
import { Checkpointer } from './checkpointer.js';
import { learnerHostOptions } from './learner-host.js';
import type { PipelineObserver } from './observer.js';
import { warnOnShortRetention } from './retention-check.js';
import { StreamtrainService, type ServiceStatus } from './service.js';
import { WorkerLearnerHost } from './worker-learner-host.js';

export type Role = 'starting' | 'standby' | 'leader' | 'stopped';

/** After failing on an outage, a member waits this long before it may lead again: others get the lease first. */
const RETRY_LEAD_AFTER_MS = 2_000;

/** A store or broker outage that a later attempt may get past, unlike a bad config or corrupt state. */
function isPassing(err: unknown): boolean {
  return err instanceof StreamtrainError && err.retriable;
}

export interface ClusterMemberOptions {
  readonly config: StreamtrainConfig;
  readonly logger: Logger;
  readonly kafka?: Kafka;
  readonly store?: ObjectStore;
  /** Told the leader's step, checkpoint-write and freshness timings. */
  readonly observer?: PipelineObserver;
}

export interface Transition {
  readonly at: string;
  readonly role: Role;
  readonly reason: string;
}

/**
 * One instance of a model in a deployment of any size: it joins the model's lease group and is either the
 * leader (the one StreamtrainService that learns and publishes, under an epoch it claimed in the store) or a
 * hot standby (the newest published checkpoint verified in memory, ready to take over).
 *
 *   lease acquired ─► claim epoch in LATEST ─► restore (the standby's copy if still the newest) ─► learn
 *   lease lost / fenced by the store ─► abort: no checkpoint, no commit, no event ─► standby
 *   stop (SIGTERM) ─► last checkpoint ─► leave the lease group: a standby takes over at once
 *
 * Transitions run one at a time, in the order their causes arrived.
 */
export class ClusterMember {
  private role: Role = 'starting';
  private service?: StreamtrainService;
  private transitions: Promise<void> = Promise.resolve();
  private readonly history: Transition[] = [];
  /** A standby's learner worker, backend initialized, waiting for a takeover to build the model in it. */
  private warm?: Promise<WorkerLearnerHost | undefined>;
  private stopping = false;
  private readonly lease: KafkaLease;
  private readonly follower: StandbyFollower;
  private readonly log: Logger;
  private readonly kafka: Kafka;
  private readonly store: ObjectStore;
  private settle!: { resolve: () => void; reject: (err: unknown) => void };
  /** Settles when the member has stopped: rejects on a fatal error (the process should exit non-zero). */
  readonly done: Promise<void>;
  readonly instanceId: string;

  constructor(private readonly options: ClusterMemberOptions) {
    const { config, logger } = options;
    this.instanceId = config.cluster.instanceId ?? defaultInstanceId();
    this.log = logger.child({ module: 'cluster', model: config.model.name, instance: this.instanceId });
    this.kafka = options.kafka ?? createKafka(config.kafka, logger);
    this.store = options.store ?? openStore(config.checkpoints.store);
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined);
    this.follower = new StandbyFollower({ store: this.store, model: config.model.name, logger, pollMs: config.cluster.standbyPollMs });
    this.lease = new KafkaLease({
      kafka: this.kafka,
      topic: config.cluster.leaseTopic,
      groupId: `${config.kafka.groupId}.lease`,
      sessionTimeoutMs: config.cluster.sessionTimeoutMs,
      heartbeatIntervalMs: config.cluster.heartbeatIntervalMs,
      logger: this.log,
      claim: () => ({ holder: this.role === 'leader', restored: this.follower.version, instance: this.instanceId }),
    });
  }

  /**
   * Loads the newest checkpoint and readies a learner worker, then joins the lease group; resolves once this
   * instance is a standby ready to take over, or the leader.
   */
  async start(): Promise<void> {
    this.prepareWarmLearner();
    this.prepareTakeover();
    await Promise.all([this.follower.start(), this.warm]);
    this.lease.onChange((held, reason) => this.enqueue(() => (held ? this.lead(reason) : this.stepDown(reason))));
    try {
      await this.lease.start();
    } catch (err) {
      await this.disposeWarmLearner();
      await this.follower.pause();
      throw explainKafkaError(err, this.options.config.kafka);
    }
    if (this.role === 'starting') this.enter('standby', 'joined the lease group');
  }

  /** Graceful stop: a leader finishes its batch and writes a last checkpoint, then hands the lease over. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.enqueue(async () => {
      if (this.role === 'stopped') return;
      // The lease is handed over as soon as the last checkpoint is durable, before the leader tidies up.
      if (this.service) await this.service.stop({ onReleased: () => this.lease.stop() });
      this.service = undefined;
      await this.lease.stop();
      await this.follower.pause();
      await this.disposeWarmLearner();
      if (!this.options.store) await this.store.close?.();
      this.enter('stopped', 'stop requested');
      this.settle.resolve();
    });
  }

  status(): ServiceStatus {
    const base: ServiceStatus = this.service?.status() ?? {
      model: this.options.config.model.name,
      version: this.follower.version ?? undefined,
      samplesTotal: this.follower.current?.manifest.samples.total ?? 0,
      samplesSinceVersion: 0,
      metrics: {},
      buffered: 0,
      paused: false,
      pauses: 0,
      deadLettered: {},
      batches: 0,
      running: this.role === 'standby',
      decisions: [],
    };
    const last = this.history[this.history.length - 1];
    return { ...base, running: this.role === 'leader' || this.role === 'standby', role: this.role, instance: this.instanceId, lastTransition: last };
  }

  get currentRole(): Role {
    return this.role;
  }

  private async lead(reason: string): Promise<void> {
    if (this.stopping || this.role === 'leader' || this.role === 'stopped') return;
    await this.follower.pause();
    const { config, logger } = this.options;
    const warmLearner = await this.warm;
    this.warm = undefined;
    let service: StreamtrainService | undefined;
    try {
      const { fence, restored } = await this.claim();
      service = new StreamtrainService({
        config,
        logger,
        kafka: this.kafka,
        store: this.store,
        fence,
        restored,
        instanceId: this.instanceId,
        warmLearner,
        observer: this.options.observer,
      });
      await service.start();
    } catch (err) {
      // A learner worker the service never took over is this member's to dispose of.
      if (!service) await warmLearner?.dispose().catch(() => undefined);
      if (err instanceof FencedError || isPassing(err)) {
        this.log.warn({ err: (err as Error).message }, 'could not take over; standing by again');
        this.follower.resume();
        this.prepareWarmLearner();
        await this.lease.release((err as Error).message, err instanceof FencedError ? 0 : RETRY_LEAD_AFTER_MS);
        return;
      }
      await this.fail(err);
      return;
    }
    this.service = service;
    this.follower.release();
    this.enter('leader', `${reason}; writing under epoch ${service.epoch ?? '?'}`);
    service.done.then(
      () => undefined,
      (err: unknown) => this.enqueue(() => (err instanceof FencedError ? this.fenced(service, err) : this.serviceFailed(service, err))),
    );
  }

  /**
   * Claims the next epoch in LATEST, then holds the checkpoint LATEST names as of that claim: from then on no
   * older writer can move LATEST, so that is the one to restore. While the claim is on its way the standby
   * reads LATEST out of turn (a departing leader's last checkpoint is usually newer than the standby's last
   * poll), so by the time the claim returns the checkpoint is mostly in memory; otherwise that one version is
   * read, without listing the store. `restored` is undefined only when that version does not verify: the
   * service then searches the lineage for the newest one that does.
   */
  private async claim(): Promise<{ fence: WriterFence; restored: LoadedCheckpoint | null | undefined }> {
    const ahead = this.follower.refresh();
    const fence = await WriterFence.claim(this.store, this.options.config.model.name, this.instanceId);
    Checkpointer.listAhead(this.store, fence);
    await ahead;
    const head = fence.latest.version;
    return { fence, restored: head === null ? null : await this.follower.hold(head) };
  }

  /** The store refused this instance's write: another instance holds a newer epoch. */
  private async fenced(service: StreamtrainService, err: FencedError): Promise<void> {
    if (service !== this.service) return;
    await this.stepDown(`fenced by the store: ${err.message}`);
    await this.lease.release('fenced by the store');
  }

  /** A passing outage (the store or the broker) steps down and lets another member try; anything else is fatal. */
  private async serviceFailed(service: StreamtrainService, err: unknown): Promise<void> {
    if (service !== this.service) return;
    if (!isPassing(err)) return this.fail(err);
    this.log.error({ err: (err as Error).message }, 'the leader failed on an outage; standing by and letting another member lead');
    await this.stepDown(`failed: ${(err as Error).message}`);
    await this.lease.release('the leader failed on an outage', RETRY_LEAD_AFTER_MS);
  }

  private async stepDown(reason: string): Promise<void> {
    const service = this.service;
    if (!service) return;
    this.service = undefined;
    await service.abort(reason);
    if (this.stopping) return;
    this.enter('standby', reason);
    this.follower.resume();
    this.prepareWarmLearner();
  }

  /** A failure no takeover can cure (bad config, a checkpoint that cannot be written): leave the group, exit. */
  private async fail(err: unknown): Promise<void> {
    this.log.fatal({ err: (err as Error).message }, 'leader failed; leaving the lease group');
    await this.service?.abort('fatal error').catch(() => undefined);
    this.service = undefined;
    await this.lease.stop();
    await this.follower.pause();
    await this.disposeWarmLearner();
    this.enter('stopped', `failed: ${(err as Error).message}`);
    this.settle.reject(err);
  }

  /**
   * Asks the broker now what a takeover would otherwise wait for, once per process: that the source topics
   * exist (see waitForTopics) and whether their retention is long enough (see warnOnShortRetention).
   */
  private prepareTakeover(): void {
    const { config } = this.options;
    void Promise.all([waitForTopics(this.kafka, config.kafka.topics, this.log, () => this.stopping), warnOnShortRetention(this.kafka, config, this.log)]).catch(
      (err: Error) => this.log.debug({ err: err.message }, 'could not ask the broker ahead of a takeover; it will then'),
    );
  }

  /** Starts a learner worker and its backend now, so that a takeover only has to build the model. */
  private prepareWarmLearner(): void {
    const { config, logger } = this.options;
    if (config.learner.thread !== 'worker' || this.warm) return;
    this.warm = WorkerLearnerHost.warm(config.learner.backend, logger, learnerHostOptions(config)).catch((err: Error) => {
      this.log.warn({ err: err.message }, 'could not prepare a learner worker; a takeover will start one');
      return undefined;
    });
  }

  private async disposeWarmLearner(): Promise<void> {
    const warm = await this.warm;
    this.warm = undefined;
    await warm?.dispose().catch(() => undefined);
  }

  private enter(role: Role, reason: string): void {
    this.role = role;
    this.history.push({ at: new Date().toISOString(), role, reason });
    if (this.history.length > 20) this.history.shift();
    this.log.info({ role, reason }, role === 'leader' ? 'leading: this instance learns and publishes' : `now ${role}`);
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.transitions.then(job).catch((err: unknown) => this.fail(err));
    this.transitions = next;
    return next;
  }
}

import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../core/index.js';
import { leaseAssigner, type LeaseClaim } from './lease-assigner.js';

export interface KafkaLeaseOptions {
  readonly kafka: Kafka;
  /** A topic with one partition; one topic serves every model (each model has its own group). */
  readonly topic: string;
  /** One group per model: the member assigned partition 0 holds the model's lease. */
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly logger: Logger;
  /** Read each time the member joins: whether it holds the lease and what it has restored. */
  readonly claim: () => LeaseClaim;
}

export type LeaseListener = (held: boolean, reason: string) => void;

/**
 * Leadership from Kafka itself: membership of a consumer group on a one-partition topic. The member assigned
 * partition 0 holds the lease; the group coordinator gives it to another member when the holder leaves (a
 * clean LeaveGroup, at once) or stops heartbeating (after the session timeout). The lease only decides who
 * tries to write: the store's compare-and-swap on LATEST (WriterFence) refuses whoever lost it.
 *
 * A holder that has not heard a successful heartbeat for a whole session timeout gives the lease up by itself
 * (the coordinator has given it away by then), then rejoins the group as a standby. Not sooner: on a busy host
 * heartbeats come late without the lease being at risk, and giving it up costs a takeover; safety does not rest
 * on this watchdog but on the store refusing a superseded epoch.
 */
export class KafkaLease {
  private consumer?: Consumer;
  private heldNow = false;
  private lastBeat = 0;
  private watchdog?: NodeJS.Timeout;
  private listener: LeaseListener = () => undefined;
  private stopped = false;
  private rejoining?: Promise<void>;
  private readonly log: Logger;

  constructor(private readonly options: KafkaLeaseOptions) {
    this.log = options.logger.child({ module: 'lease' });
  }

  get held(): boolean {
    return this.heldNow;
  }

  onChange(listener: LeaseListener): void {
    this.listener = listener;
  }

  /** Creates the lease topic if needed and joins the group; resolves once the consumer runs. */
  async start(): Promise<void> {
    await this.ensureTopic();
    await this.join();
    this.watchdog = setInterval(() => this.checkHeartbeat(), Math.max(100, Math.floor(this.options.heartbeatIntervalMs / 2)));
    this.watchdog.unref();
  }

  /** Leaves the group (the coordinator hands the lease on at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    await this.rejoining?.catch(() => undefined);
    this.set(false, 'stopped');
    await this.consumer?.disconnect().catch((err: Error) => this.log.warn({ err: err.message }, 'lease consumer disconnect failed'));
  }

  /**
   * Gives the lease up now and rejoins as a standby after `delayMs` (after a failure of this instance's
   * writer: the delay lets another member take the lease first).
   */
  release(reason: string, delayMs = 0): Promise<void> {
    this.set(false, reason);
    return this.rejoin(delayMs);
  }

  private async join(): Promise<void> {
    const { kafka, topic, groupId, sessionTimeoutMs, heartbeatIntervalMs, claim } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: heartbeatIntervalMs,
      // How long a rebalance of the lease group waits for members to rejoin. Live members rejoin at their next
      // heartbeat; a member killed a moment ago would otherwise hold every hand-over up until its session ends.
      rebalanceTimeout: leaseRebalanceTimeoutMs(heartbeatIntervalMs),
      // The topic stays empty: a short long-poll keeps the loop, and so the heartbeats, turning; and a leaving
      // holder waits for the fetch in flight before it leaves, so this also delays every handover.
      maxWaitTimeInMs: Math.min(heartbeatIntervalMs, 100),
      partitionAssigners: [() => leaseAssigner(topic, claim)],
      retry: { retries: 5 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (consumer !== this.consumer) return;
      this.lastBeat = Date.now();
      const held = (payload.memberAssignment[topic] ?? []).includes(0);
      this.set(held, held ? 'assigned the lease partition' : 'another member holds the lease');
    });
    consumer.on(consumer.events.HEARTBEAT, () => {
      if (consumer === this.consumer) this.lastBeat = Date.now();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (consumer !== this.consumer || this.stopped) return;
      this.log.warn({ err: payload.error.message, restart: payload.restart }, 'lease consumer crashed');
      this.set(false, `lease consumer crashed: ${payload.error.message}`);
      if (!payload.restart) void this.rejoin();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: () => Promise.resolve() });
  }

  private rejoin(delayMs = 0): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.rejoining ??= (async () => {
      const old = this.consumer;
      this.consumer = undefined;
      await old?.disconnect().catch(() => undefined);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.join();
          return;
        } catch (err) {
          this.log.warn({ err: (err as Error).message, attempt }, 'rejoining the lease group failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
        }
      }
    })().finally(() => (this.rejoining = undefined));
    return this.rejoining;
  }

  private checkHeartbeat(): void {
    if (!this.heldNow || this.stopped) return;
    const silent = Date.now() - this.lastBeat;
    if (silent > this.options.sessionTimeoutMs) {
      this.log.warn({ silentMs: silent, sessionTimeoutMs: this.options.sessionTimeoutMs }, 'no heartbeat answered: giving the lease up');
      void this.release(`no heartbeat answered for ${silent} ms`);
    }
  }

  private set(held: boolean, reason: string): void {
    if (held === this.heldNow) return;
    this.heldNow = held;
    this.log.info({ held, reason }, held ? 'lease acquired' : 'lease lost');
    this.listener(held, reason);
  }

  private async ensureTopic(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(this.options.topic)) {
        // Concurrent instances may race to create it: "already exists" is success.
        await admin.createTopics({ topics: [{ topic: this.options.topic, numPartitions: 1 }], waitForLeaders: true }).catch((err: Error) => {
          if (!/exists/i.test(err.message)) throw err;
        });
      }
    } finally {
      await admin.disconnect();
    }
  }
}

/** The lease group's rebalance timeout: four heartbeats, at least 1 s. */
export function leaseRebalanceTimeoutMs(heartbeatIntervalMs: number): number {
  return Math.max(1_000, 4 * heartbeatIntervalMs);
}

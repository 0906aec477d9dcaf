import type { Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { Decision, Logger } from '../core/index.js';
import { encodeDecision, formatVersion } from '../core/index.js';
import { appendDecision, lastDecisionSeq, listVersions, readDecisions, readManifest, type ObjectStore } from '../checkpoints/index.js';

/** What the trainer keeps of the decisions in its checkpoints: the last one it has acted on. */
export interface RolloutWatchState {
  readonly handledSeq: number;
}

export interface RolloutWatchOptions {
  readonly store: ObjectStore;
  readonly kafka: Kafka;
  readonly model: string;
  readonly decisionsTopic: string;
  readonly instanceId: string;
  readonly log: Logger;
  /** How often the store's decisions are checked (ms). */
  readonly pollMs?: number;
}

/** A restart the decisions ask for: continue learning from `from` as a new major. */
export interface RestartRequest {
  readonly from: string;
  readonly decision: Decision;
}

/**
 * The trainer's side of the rollout decisions: a `rollback` or a `reject` whose training choice is `restart`
 * asks the trainer to continue from a version it published before (the rolled-back version, or the champion's
 * head) as a new major. The trainer acts on each such decision once: the last one handled travels in its
 * checkpoints, so a restarted trainer neither misses one nor acts on one twice. Once the new major is durable,
 * it writes the `promote` decision that puts the restarted line in front of the subscribers.
 */
export class RolloutWatch {
  private handled: number;
  private lastPoll = 0;
  private pending?: { version: string; request: RestartRequest };
  private producer?: Producer;

  private constructor(
    private readonly o: RolloutWatchOptions,
    handled: number,
  ) {
    this.handled = handled;
  }

  /** From a checkpoint's state; without one (a new model) the decisions already written are history. */
  static async open(o: RolloutWatchOptions, saved: RolloutWatchState | undefined): Promise<RolloutWatch> {
    return new RolloutWatch(o, saved?.handledSeq ?? (await lastDecisionSeq(o.store, o.model)));
  }

  state(): RolloutWatchState {
    return { handledSeq: this.handled };
  }

  /** The newest restart asked for since the last handled decision, read at most every `pollMs`. */
  async due(): Promise<RestartRequest | undefined> {
    if (performance.now() - this.lastPoll < (this.o.pollMs ?? 2_000)) return undefined;
    this.lastPoll = performance.now();
    if ((await lastDecisionSeq(this.o.store, this.o.model)) <= this.handled) return undefined;
    let due: RestartRequest | undefined;
    for (const d of await readDecisions(this.o.store, this.o.model, this.handled)) {
      this.handled = d.seq;
      if (d.training !== 'restart') continue;
      if (d.type === 'rollback' && d.version) due = { from: d.version, decision: d };
      if (d.type === 'reject' && d.champion !== undefined) {
        const head = (await listVersions(this.o.store, this.o.model)).filter((v) => v.major === d.champion).at(-1);
        if (head) due = { from: formatVersion(head), decision: d };
      }
    }
    return due;
  }

  /** The restarted line's first version, requested: promoted once it is durable (see `promoteWhenDurable`). */
  restarted(version: string, request: RestartRequest): void {
    this.pending = { version, request };
  }

  /** Writes and announces the promotion of the restarted line once its first version is in the store. */
  async promoteWhenDurable(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    const durable = await readManifest(this.o.store, this.o.model, p.version).then(
      () => true,
      () => false,
    );
    if (!durable) return;
    this.pending = undefined;
    const major = Number(p.version.split('.')[0]);
    const d = p.request.decision;
    const written = await appendDecision(this.o.store, this.o.model, {
      type: 'promote',
      at: new Date().toISOString(),
      by: `trainer ${this.o.instanceId}`,
      reason: `restarted from ${p.request.from} after decision ${d.seq} (${d.type} by ${d.by})`,
      champion: major,
      version: p.version,
      arms: [],
      stats: {},
      startOffsets: [],
    });
    if (!written) return;
    this.handled = Math.max(this.handled, written.seq);
    this.producer ??= this.o.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    await this.producer.send({ topic: this.o.decisionsTopic, messages: [{ key: this.o.model, value: encodeDecision(written) }] });
    this.o.log.info({ version: p.version, from: p.request.from, seq: written.seq }, 'restarted line promoted');
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}

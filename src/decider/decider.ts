import type { Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { Decision, Logger, ModelVersion, StartPosition, StreamtrainConfig } from '../core/index.js';
import { ConfigError, encodeDecision, formatVersion } from '../core/index.js';
import { appendDecision, listVersions, readDecisions, type DecisionDraft, type ObjectStore } from '../checkpoints/index.js';
import { KafkaLease } from '../cluster/index.js';
import { JoinRecordDecoder } from '../consumers/index.js';
import { RolloutMachine, servingStateOf, type ServingState, type Verdict } from '../rollout/index.js';
import { OutcomeFeed } from './outcome-feed.js';
import { OutcomeScorer } from './outcome-scorer.js';
import { rolloutTopics } from './rollout-topics.js';

export interface DeciderOptions {
  readonly config: StreamtrainConfig;
  readonly kafka: Kafka;
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly instanceId: string;
  /** How often the store is read for new lines and others' decisions (ms). */
  readonly pollMs?: number;
}

export interface DeciderStatus {
  readonly model: string;
  readonly role: 'leader' | 'standby';
  readonly decisionSeq: number;
  /** The serving state the decisions say, and the running rollout's figures (samples, means, bounds). */
  readonly rollout: Record<string, unknown>;
}

interface Running {
  readonly id: number;
  readonly machine: RolloutMachine;
  readonly feed: OutcomeFeed;
}

/**
 * The one decider of a model's rollouts (`streamtrain decide`): holds a lease (a Kafka group, as the trainer's
 * leader does), starts a rollout when a new major line appears, feeds the rollout machine from the prediction
 * log joined with the labels, and writes each verdict as the next decision (a conditional create in the store:
 * a second decider, or a `rollback` command, taking the number first makes it re-read and go on from there),
 * then announces it on the decisions topic. After a takeover it replays the running rollout from its start.
 */
export class Decider {
  private readonly lease: KafkaLease;
  private readonly log: Logger;
  private producer?: Producer;
  private state: ServingState = servingStateOf([]);
  private running?: Running;
  private timer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  private readonly topics: ReturnType<typeof rolloutTopics>;
  private readonly model: string;

  /** @throws ConfigError when the rollout cannot be decided with this config (the field and the fix named). */
  constructor(private readonly o: DeciderOptions) {
    const { config } = o;
    this.model = config.model.name;
    if (config.rollout.policy === 'immediate')
      throw new ConfigError('rollout.policy', 'Nothing to decide with `rollout.policy: immediate`: set `rollout.policy` to shadow, canary, ab or interleave');
    this.topics = rolloutTopics(config);
    this.log = o.logger.child({ module: 'decider', model: this.model, instance: o.instanceId });
    this.lease = new KafkaLease({
      kafka: o.kafka,
      topic: config.cluster.leaseTopic,
      groupId: `streamtrain-decider-${this.model}`,
      sessionTimeoutMs: config.cluster.sessionTimeoutMs,
      heartbeatIntervalMs: config.cluster.heartbeatIntervalMs,
      logger: this.log,
      claim: () => ({ holder: this.timer !== undefined, restored: null, instance: o.instanceId }),
    });
  }

  get leading(): boolean {
    return this.timer !== undefined;
  }

  /** For /status and the dashboard: the decisions applied so far and the running rollout's test figures. */
  status(): DeciderStatus {
    const r = this.state.rollout;
    return {
      model: this.model,
      role: this.leading ? 'leader' : 'standby',
      decisionSeq: this.state.seq,
      rollout: {
        policy: r?.policy ?? this.o.config.rollout.policy,
        ...(this.state.champion !== undefined ? { champion: this.state.champion } : {}),
        arms: r ? [...r.arms] : [],
        ...(this.state.pin ? { pinned: this.state.pin.version } : {}),
        ...(this.running ? this.running.machine.stats() : {}),
      },
    };
  }

  async start(): Promise<void> {
    this.lease.onChange((held) => this.enqueue(() => (held ? this.lead() : this.stepDown())));
    await this.lease.start();
  }

  async stop(): Promise<void> {
    await this.enqueue(() => this.stepDown());
    await this.lease.stop();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((err: Error) => this.log.error({ err: err.message }, 'decider step failed; retrying at the next poll'));
    return this.queue;
  }

  private async lead(): Promise<void> {
    this.producer = this.o.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await this.producer.connect();
    this.timer = setInterval(() => void this.enqueue(() => this.poll()), this.o.pollMs ?? 1_000);
    this.log.info('leading: deciding rollouts');
    await this.poll();
  }

  private async stepDown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.stopRunning();
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  /** Reads the decisions; resumes, stops or starts a rollout as they and the store's lines say. */
  private async poll(): Promise<void> {
    if (!this.leading) return;
    this.state = servingStateOf(await readDecisions(this.o.store, this.model));
    const active = this.state.rollout;
    if (this.running && this.running.id !== active?.id) await this.stopRunning();
    if (active && !this.running) {
      const start = (await readDecisions(this.o.store, this.model, active.id - 1)).find((d) => d.seq === active.id);
      if (start) await this.run(start);
      return;
    }
    if (active || this.state.pin) return;
    const versions = await listVersions(this.o.store, this.model);
    const newest = versions.at(-1);
    if (!newest) return;
    if (this.state.champion === undefined) {
      await this.write({ type: 'baseline', reason: 'the newest line before any rollout', version: formatVersion(newest), champion: newest.major });
      return;
    }
    const champion = this.state.champion;
    const heads = new Map<number, ModelVersion>();
    for (const v of versions) if (v.major > champion && !this.state.rejected.includes(v.major)) heads.set(v.major, v);
    // ab and shadow race every new line at once (each against the champion); canary and interleave the newest.
    const policy = this.o.config.rollout.policy;
    const lines = [...heads.values()].slice(policy === 'ab' || policy === 'shadow' ? 0 : -1);
    if (lines.length === 0) return;
    const machine = new RolloutMachine(
      this.o.config.rollout,
      champion,
      lines.map((v) => v.major),
    );
    const startOffsets = await this.positions();
    await this.write({
      type: 'start',
      reason: `new line${lines.length > 1 ? 's' : ''} ${lines.map((v) => `${v.major} (head ${formatVersion(v)})`).join(', ')}`,
      policy: policy as Decision['policy'],
      champion,
      arms: machine.arms,
      version: formatVersion(lines.at(-1) as ModelVersion),
      startOffsets,
    });
  }

  private async run(start: Decision): Promise<void> {
    const { config } = this.o;
    const machine = new RolloutMachine(
      config.rollout,
      start.champion ?? (this.state.champion as number),
      start.arms.map((a) => a.major),
    );
    const scorer = new OutcomeScorer(machine, config.model.task);
    const labels = config.input.labels;
    if (!labels) throw new ConfigError('input.labels', 'the decider scores served predictions against labels: set `input.labels`');
    // Under interleave the label is the position clicked (-1 for none): read as a plain number, not a class.
    const label =
      config.rollout.policy === 'interleave' ? { task: 'regression' as const, classes: 1 } : { task: config.model.task, classes: config.model.classes };
    const decoder = new JoinRecordDecoder({ input: { ...config.input, format: 'prediction-log' }, label });
    const feed = new OutcomeFeed({
      kafka: this.o.kafka,
      predictionsTopic: this.topics.predictions,
      labelsTopic: this.topics.labels,
      model: this.model,
      start: start.startOffsets,
      join: {
        maxDelayMs: labels.maxDelayMs,
        maxPending: labels.maxPending,
        ...(labels.defaultLabel !== undefined ? { defaultLabel: labels.defaultLabel } : {}),
      },
      idleGraceMs: labels.idleGraceMs,
      labels: decoder,
      logger: this.log,
      onPrediction: (p) => this.verdict(start.seq, scorer.request(p)),
      onOutcome: (o) => this.verdict(start.seq, scorer.outcome(o)),
    });
    this.running = { id: start.seq, machine, feed };
    this.log.info({ rollout: start.seq, champion: start.champion, arms: start.arms }, 'following the rollout');
    await feed.start(`streamtrain-decider-${this.model}-${start.seq}-${this.o.instanceId}`);
  }

  private verdict(rollout: number, v: Verdict | undefined): void {
    if (!v) return;
    void this.enqueue(async () => {
      if (this.running?.id !== rollout) return;
      if (v.type === 'step') {
        // A replay after a takeover re-reaches steps already decided: only a larger share is news.
        const now = this.state.rollout?.arms.reduce((s, a) => s + a.share, 0) ?? 0;
        if (v.arms.reduce((s, a) => s + a.share, 0) <= now) return;
        await this.write({ type: 'step', reason: v.reason, rollout, arms: v.arms, stats: v.stats });
        return;
      }
      const head = (await listVersions(this.o.store, this.model)).filter((x) => x.major === v.major).at(-1);
      const version = head ? formatVersion(head) : `${v.major}.0`;
      await this.write({
        type: v.type,
        reason: v.reason,
        rollout,
        version,
        stats: v.stats,
        ...(v.type === 'reject' ? { training: this.o.config.rollout.onReject, champion: this.state.champion } : { champion: v.major }),
      });
    });
  }

  /** Appends the decision after the ones read; when another writer came first, re-reads instead. */
  private async write(partial: Partial<DecisionDraft> & Pick<DecisionDraft, 'type' | 'reason'>): Promise<void> {
    const draft: DecisionDraft = { at: new Date().toISOString(), by: `decider ${this.o.instanceId}`, arms: [], stats: {}, startOffsets: [], ...partial };
    const written = await appendDecision(this.o.store, this.model, draft, this.state.seq + 1);
    if (!written) {
      this.log.info({ type: draft.type }, 'another decision came first; reading it');
      await this.poll();
      return;
    }
    this.state = servingStateOf([written], this.state);
    this.log.info(
      { seq: written.seq, type: written.type, version: written.version, arms: written.arms, reason: written.reason, stats: written.stats },
      'decided',
    );
    await this.producer?.send({ topic: this.topics.decisions, messages: [{ key: this.model, value: encodeDecision(written) }] });
    if (this.running && this.running.id !== this.state.rollout?.id) await this.stopRunning();
  }

  private async stopRunning(): Promise<void> {
    const r = this.running;
    this.running = undefined;
    await r?.feed.stop();
  }

  /** The end offsets of the prediction log and the labels topic now. */
  private async positions(): Promise<StartPosition[]> {
    const admin = this.o.kafka.admin();
    await admin.connect();
    try {
      const out: StartPosition[] = [];
      for (const topic of [this.topics.predictions, this.topics.labels])
        for (const p of await admin.fetchTopicOffsets(topic)) out.push({ topic, partition: p.partition, offset: p.high });
      return out;
    } finally {
      await admin.disconnect();
    }
  }
}

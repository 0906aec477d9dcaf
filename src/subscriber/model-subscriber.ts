import type { Consumer, Kafka } from 'kafkajs';
import type { Logger, RolloutPolicy, VersionEvent } from '../core/index.js';
import { ConfigError, compareVersions, decodeVersionEvent, parseVersion } from '../core/index.js';
import { keyedHeads, keyModelName, latestValidCheckpoint, readCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import { DecisionFollower } from './decision-follower.js';
import { ensureBackend, loadLive, predictWith, recordsWith, type Live } from './loaded-model.js';
import { PredictionLog, type PredictionLogStats } from './prediction-log.js';
import type { PredictionLogOptions } from './prediction-log-options.js';
import { RequestServer } from './request-server.js';
import type { RankedServed, Served, ServeRequest } from './served.js';
import type { LoadCounters, SubscriberStatus } from './subscriber-status.js';

export interface ModelSubscriberOptions {
  readonly kafka: Kafka;
  readonly versionsTopic: string;
  readonly model: string;
  readonly store: ObjectStore;
  readonly logger: Logger;
  /** Each subscriber instance must see every event: by default a group id unique to this instance. */
  readonly groupId?: string;
  /** Called after a new version is swapped in. */
  readonly onVersion?: (event: LoadedVersion) => void;
  /**
   * A keyed model (`model.partitionBy`): the key to follow, or `'*'` for every key. Absent for a model
   * without keys.
   */
  readonly key?: string;
  /**
   * Log each prediction made by `serve()` / `serveRecord()` / `serveRanking()` to this Kafka topic, for a trainer
   * to join with the labels and for the rollout decider (schemas/prediction.avsc). Features only with `logFeatures: true`.
   */
  readonly predictionLog?: PredictionLogOptions;
  /**
   * How new major lines reach this replica's traffic (the config's `rollout` section; docs/rollout.md). Every
   * replica follows the decisions topic (rollbacks, pins, and the decider's rollout decisions), so all of them
   * serve the same version to the same key. Not for a keyed model.
   * @default { policy: 'immediate', decisionsTopic: 'streamtrain-decisions' }
   */
  readonly rollout?: { readonly policy?: RolloutPolicy; readonly decisionsTopic?: string };
}

export interface LoadedVersion {
  /** The key whose model this is, for a keyed model. */
  readonly key?: string;
  readonly version: string;
  readonly samplesTotal: number;
  readonly metrics: Record<string, number>;
  readonly loadMs: number;
}

/**
 * For downstream services: follows the versions topic, loads each announced checkpoint from the store
 * (verifying its hashes), and swaps it in for `predict()` in one assignment. Predictions run synchronously,
 * so a call sees either the old model or the new one, never a mix; a replaced model is disposed after the swap.
 * On start it loads the newest valid checkpoint (and applies the decisions so far), so it serves before the
 * next event arrives. An unkeyed model follows the rollout decisions too (pins, rollbacks, canary shares; see
 * `rollout`). For a keyed model it follows one key (`key`) or all of them (`key: '*'`), each model on its own.
 */
export class ModelSubscriber {
  /** Live models by key, for a keyed model. */
  private readonly keyed = new Map<string, Live>();
  private readonly follower?: DecisionFollower;
  private consumer?: Consumer;
  private readonly log: Logger;
  private loading: Promise<void> = Promise.resolve();
  private readonly predictionLog?: PredictionLog;
  private readonly requests: RequestServer;
  private loads: LoadCounters = { loaded: 0, failed: 0, seconds: 0 };

  /** @throws ConfigError when `predictionLog` or `rollout` holds an invalid option (every problem named at once). */
  constructor(private readonly options: ModelSubscriberOptions) {
    this.log = options.logger.child({ module: 'subscriber', model: options.model, ...(options.key !== undefined ? { key: options.key } : {}) });
    const policy = options.rollout?.policy ?? 'immediate';
    if (options.key !== undefined && policy !== 'immediate')
      throw new ConfigError(
        'rollout.policy',
        `rollout.policy ${policy} serves one line per model; a keyed model (key ${options.key}) takes rollout.policy immediate`,
      );
    if (options.predictionLog) this.predictionLog = new PredictionLog(options.kafka, options.predictionLog, this.log);
    if (options.key === undefined)
      this.follower = new DecisionFollower({
        store: options.store,
        model: options.model,
        policy,
        log: this.log,
        onLoaded: (live, loadMs, samplesTotal, metrics) => {
          this.countLoad(loadMs);
          options.onVersion?.({ version: live.version, samplesTotal, metrics, loadMs });
        },
        onLoadFailed: () => this.countFailure(),
      });
    this.requests = new RequestServer(options.model, this.predictionLog, () => this.follower?.lines);
  }

  /** The prediction log's counters (queued, sent, dropped, failed sends); undefined without `predictionLog`. */
  get predictionLogStats(): PredictionLogStats | undefined {
    return this.predictionLog?.stats;
  }

  /** The version that answers a request outside any rollout share (of the followed key, for a keyed model). */
  get version(): string | undefined {
    return this.single()?.version;
  }

  /** The version served for `key` (a keyed model). */
  versionOf(key: string): string | undefined {
    return this.keyed.get(key)?.version;
  }

  /** The keys with a model loaded (a keyed model). */
  keys(): string[] {
    return [...this.keyed.keys()];
  }

  /** What this replica serves: the loaded versions, the rollout state it applies, and its request counters. */
  status(): SubscriberStatus {
    const serving = this.single();
    return {
      model: this.options.model,
      ...(serving ? { version: serving.version, versionCreatedAt: serving.createdAt } : {}),
      loads: this.loads,
      ...(this.follower ? this.follower.status() : { loaded: this.keys().map((k) => `${k}:${this.keyed.get(k)?.version ?? ''}`) }),
      requests: this.requests.counters(),
      ...(this.predictionLog ? { predictionLog: this.predictionLog.stats } : {}),
    };
  }

  async start(): Promise<void> {
    await ensureBackend();
    await this.predictionLog?.connect();
    const { store, model, key, kafka, versionsTopic } = this.options;
    const decisionsTopic = this.options.rollout?.decisionsTopic ?? 'streamtrain-decisions';
    const startedAt = performance.now();
    if (this.follower) {
      const latest = await latestValidCheckpoint(store, model, this.log, { withState: false });
      await this.follower.start(latest, startedAt);
      await ensureTopic(kafka, decisionsTopic);
    } else {
      for (const [k, head] of await keyedHeads(store, model)) {
        if (key !== '*' && k !== key) continue;
        const t0 = performance.now();
        await this.swapKeyed(k, await readCheckpoint(store, keyModelName(model, k), head.version, { withState: false }), t0);
      }
    }
    const consumer = kafka.consumer({ groupId: this.options.groupId ?? `streamtrain-subscriber-${model}-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: this.follower ? [versionsTopic, decisionsTopic] : [versionsTopic], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (!message.value) return;
        const value = message.value;
        if (topic === decisionsTopic && topic !== versionsTopic) {
          if (message.key?.toString() === model) this.loading = this.loading.then(() => this.follower?.onDecisionEvent(value));
        } else {
          if (!this.follows(message.key?.toString())) return;
          let event: VersionEvent;
          try {
            event = decodeVersionEvent(value);
          } catch (err) {
            this.log.warn({ err: (err as Error).message }, 'ignoring an undecodable version event');
            return;
          }
          this.loading = this.loading.then(() => (this.follower ? this.follower.onVersionEvent(event) : this.onKeyedEvent(event)));
        }
        await this.loading;
      },
    });
    // A decision written while the consumer was joining reached no one: read the store once more.
    if (this.follower) this.loading = this.loading.then(() => this.follower?.catchUp());
    await this.loading;
  }

  /** Probabilities (classifiers) or values (regression) for row-major input vectors. */
  predict(features: Float32Array | number[][], width?: number): Float32Array {
    return predictWith(this.require(this.single()), features, width);
  }

  /** As `predict`, with the model of `key` (a keyed model). */
  predictKey(key: string, features: Float32Array | number[][], width?: number): Float32Array {
    return predictWith(this.require(this.keyed.get(key), key), features, width);
  }

  /** Predicts for raw records, using the feature spec stored in the checkpoint's manifest. */
  predictRecords(records: readonly Record<string, unknown>[]): Float32Array {
    return recordsWith(this.require(this.single()), records);
  }

  /** As `predictRecords`, with the model of `key` (a keyed model). */
  predictRecordsKey(key: string, records: readonly Record<string, unknown>[]): Float32Array {
    return recordsWith(this.require(this.keyed.get(key), key), records);
  }

  /**
   * Serves one request from a feature vector (the model's input, a row of `predict()`): routes it as the rollout
   * says (the champion, or the candidate whose share the request's key falls in, with shadows predicting next to
   * it), and with `predictionLog` queues the prediction record (never waiting on Kafka).
   */
  serve(features: Float32Array | readonly number[], request: ServeRequest): Served {
    checkRequest(request);
    if (request.modelKey !== undefined || this.options.key !== undefined) {
      const live = this.require(request.modelKey !== undefined ? this.keyed.get(request.modelKey) : this.single(), request.modelKey);
      return this.requests.serveKeyed(live, features instanceof Float32Array ? features : Float32Array.from(features), request);
    }
    return this.requests.serve(features instanceof Float32Array ? features : Float32Array.from(features), request);
  }

  /** As `serve`, from a raw record, through the feature spec stored in the checkpoint's manifest. */
  serveRecord(record: Record<string, unknown>, request: ServeRequest): Served {
    const live = this.require(request.modelKey !== undefined ? this.keyed.get(request.modelKey) : this.single(), request.modelKey);
    if (!live.extractor) throw new TypeError('this checkpoint carries no feature spec; use serve() with vectors');
    return this.serve(live.extractor.features(record), request);
  }

  /**
   * Ranks items (one feature vector each) for one request, best first. Under an `interleave` rollout a request
   * whose key falls in the share gets the team-draft interleaving of the champion's and the candidate's rankings
   * (the label for the request is then the position clicked). Unkeyed models only.
   */
  serveRanking(items: readonly (Float32Array | readonly number[])[], request: ServeRequest): RankedServed {
    checkRequest(request);
    if (this.options.key !== undefined) throw new TypeError('serveRanking() serves an unkeyed model');
    return this.requests.serveRanking(items, request);
  }

  /** Stops following versions, sends the queued prediction records (bounded by `closeTimeoutMs`), frees the models. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.predictionLog?.close();
    await this.loading.catch(() => undefined);
    this.follower?.dispose();
    for (const l of this.keyed.values()) l.model.dispose();
    this.keyed.clear();
  }

  /** Whether an event with this Kafka key is one this subscriber follows (key = model, or model/key). */
  private follows(eventKey: string | undefined): boolean {
    const { model, key } = this.options;
    if (key === undefined) return eventKey === model;
    return key === '*' ? (eventKey?.startsWith(`${model}/`) ?? false) : eventKey === `${model}/${key}`;
  }

  private single(): Live | undefined {
    const { key } = this.options;
    if (key === undefined) return this.follower?.lines.championLive();
    return key === '*' ? undefined : this.keyed.get(key);
  }

  private async onKeyedEvent(event: VersionEvent): Promise<void> {
    const key = event.key ?? '';
    const incoming = parseVersion(event.version);
    const live = this.keyed.get(key);
    const current = live ? parseVersion(live.version) : undefined;
    if (!incoming || (current && compareVersions(incoming, current) <= 0)) return;
    const started = performance.now();
    try {
      await this.swapKeyed(key, await readCheckpoint(this.options.store, keyModelName(this.options.model, key), event.version, { withState: false }), started);
    } catch (err) {
      this.log.error({ key, version: event.version, err: (err as Error).message }, 'could not load the announced version; keeping the current one');
      this.countFailure();
    }
  }

  private async swapKeyed(key: string, c: Awaited<ReturnType<typeof readCheckpoint>>, started: number): Promise<void> {
    const t0 = started || performance.now();
    const live = await loadLive(key, c);
    const old = this.keyed.get(key);
    this.keyed.set(key, live);
    old?.model.dispose();
    const loadMs = performance.now() - t0;
    this.log.info({ key, version: live.version, loadMs: Math.round(loadMs) }, 'model swapped in');
    this.countLoad(loadMs);
    this.options.onVersion?.({ key, version: live.version, samplesTotal: c.manifest.samples.total, metrics: c.manifest.metrics, loadMs });
  }

  private countFailure(): void {
    this.loads = { ...this.loads, failed: this.loads.failed + 1 };
  }

  private countLoad(loadMs: number): void {
    const { loaded, failed, seconds } = this.loads;
    this.loads = { loaded: loaded + 1, failed, seconds: seconds + loadMs / 1000, lastSeconds: loadMs / 1000 };
  }

  private require(live: Live | undefined, key?: string): Live {
    if (live) return live;
    if (key === undefined && this.options.key === '*')
      throw new TypeError('this subscriber follows every key: use predictKey() / predictRecordsKey(), or serve() with a modelKey');
    throw new TypeError(`no version of model ${this.options.model}${key ? ` key ${key}` : ''} is loaded yet`);
  }
}

function checkRequest(request: ServeRequest): void {
  if (typeof request.requestId !== 'string' || request.requestId === '') throw new TypeError('serve() needs a non-empty string requestId');
}

/** Creates a one-partition topic when it does not exist (a cluster may not create topics on first use). */
async function ensureTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

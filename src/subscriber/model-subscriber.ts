// Prediction needs tfjs-core, the layers API (to load a LayersModel) and a backend: not the union package
// `@tensorflow/tfjs`, which also loads tfjs-data, the graph-model converter and the WebGL backend (about half
// its import time). The instances are the ones the learner's `@tensorflow/tfjs` uses, so one process can hold both.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { Consumer, Kafka } from 'kafkajs';
import type { FeatureSpec, InputConfig, Logger, ModelConfig, VersionEvent } from '../core/index.js';
import { compareVersions, decodeVersionEvent, parseVersion } from '../core/index.js';
import { keyedHeads, keyModelName, latestValidCheckpoint, readCheckpoint, type LoadedCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import { FeatureExtractor } from '../consumers/index.js';
import { PredictionLog, type PredictionLogStats } from './prediction-log.js';
import type { PredictionLogOptions } from './prediction-log-options.js';
import { predictedClassOf, type Served, type ServeRequest } from './served.js';

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
   * Log each prediction made by `serve()` / `serveRecord()` to this Kafka topic, for a trainer to join with the
   * labels (schemas/prediction.avsc). Features are logged only with `logFeatures: true`.
   */
  readonly predictionLog?: PredictionLogOptions;
}

export interface LoadedVersion {
  /** The key whose model this is, for a keyed model. */
  readonly key?: string;
  readonly version: string;
  readonly samplesTotal: number;
  readonly metrics: Record<string, number>;
  readonly loadMs: number;
}

interface Live {
  /** The key whose model this is ('' for a model without keys). */
  readonly key: string;
  readonly version: string;
  /** From the manifest's model spec, when it has one. */
  readonly task?: 'classification' | 'regression';
  readonly model: LayersModel;
  readonly extractor?: FeatureExtractor;
}

/**
 * For downstream services: follows the versions topic, loads each announced checkpoint from the store
 * (verifying its hashes), and swaps it in for `predict()` in one assignment. Predictions run synchronously,
 * so a call sees either the old model or the new one, never a mix; the old model is disposed after the swap.
 * On start it loads the newest valid checkpoint, so it serves before the next event arrives. For a keyed model
 * it follows one key (`key`) or all of them (`key: '*'`), each model swapped in on its own.
 */
export class ModelSubscriber {
  /** Live models by key ('' for a model without keys). */
  private readonly live = new Map<string, Live>();
  private consumer?: Consumer;
  private readonly log: Logger;
  private loading: Promise<void> = Promise.resolve();
  private readonly predictionLog?: PredictionLog;

  /** @throws ConfigError when `predictionLog` holds an invalid option (every problem named at once). */
  constructor(private readonly options: ModelSubscriberOptions) {
    this.log = options.logger.child({ module: 'subscriber', model: options.model, ...(options.key !== undefined ? { key: options.key } : {}) });
    if (options.predictionLog) this.predictionLog = new PredictionLog(options.kafka, options.predictionLog, this.log);
  }

  /** The prediction log's counters (queued, sent, dropped, failed sends); undefined without `predictionLog`. */
  get predictionLogStats(): PredictionLogStats | undefined {
    return this.predictionLog?.stats;
  }

  /** The version served (of the followed key, for a keyed model followed by one key). */
  get version(): string | undefined {
    return this.single()?.version;
  }

  /** The version served for `key` (a keyed model). */
  versionOf(key: string): string | undefined {
    return this.live.get(key)?.version;
  }

  /** The keys with a model loaded (a keyed model). */
  keys(): string[] {
    return [...this.live.keys()].filter((k) => k !== '');
  }

  async start(): Promise<void> {
    await ensureBackend();
    await this.predictionLog?.connect();
    const { store, model, key } = this.options;
    if (key === undefined) {
      const latest = await latestValidCheckpoint(store, model, this.log, { withState: false });
      if (latest) await this.swapIn('', latest, 0);
    } else {
      for (const [k, head] of await keyedHeads(store, model)) {
        if (key !== '*' && k !== key) continue;
        await this.swapIn(k, await readCheckpoint(store, keyModelName(model, k), head.version, { withState: false }), 0);
      }
    }
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId ?? `streamtrain-subscriber-${model}-${process.pid}-${Date.now()}`,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.options.versionsTopic], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value || !this.follows(message.key?.toString())) return;
        let event: VersionEvent;
        try {
          event = decodeVersionEvent(message.value);
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'ignoring an undecodable version event');
          return;
        }
        this.loading = this.loading.then(() => this.onEvent(event));
        await this.loading;
      },
    });
  }

  /** Probabilities (classifiers) or values (regression) for row-major input vectors. */
  predict(features: Float32Array | number[][], width?: number): Float32Array {
    return predictWith(this.require(this.single()), features, width);
  }

  /** As `predict`, with the model of `key` (a keyed model). */
  predictKey(key: string, features: Float32Array | number[][], width?: number): Float32Array {
    return predictWith(this.require(this.live.get(key), key), features, width);
  }

  /** Predicts for raw records, using the feature spec stored in the checkpoint's manifest. */
  predictRecords(records: readonly Record<string, unknown>[]): Float32Array {
    return recordsWith(this.require(this.single()), records);
  }

  /** As `predictRecords`, with the model of `key` (a keyed model). */
  predictRecordsKey(key: string, records: readonly Record<string, unknown>[]): Float32Array {
    return recordsWith(this.require(this.live.get(key), key), records);
  }

  /**
   * Serves one request from a feature vector (the model's input, row of `predict()`): predicts with the live
   * model, and with `predictionLog` queues the prediction record (never waiting on Kafka). The vector is what
   * the model consumes, as float32, and what the record's features hold when they are logged.
   */
  serve(features: Float32Array | readonly number[], request: ServeRequest): Served {
    const live = this.require(this.servingModel(request), request.modelKey);
    return this.served(live, features instanceof Float32Array ? features : Float32Array.from(features), request);
  }

  /** As `serve`, from a raw record, through the feature spec stored in the checkpoint's manifest. */
  serveRecord(record: Record<string, unknown>, request: ServeRequest): Served {
    const live = this.require(this.servingModel(request), request.modelKey);
    if (!live.extractor) throw new TypeError('this checkpoint carries no feature spec; use serve() with vectors');
    return this.served(live, live.extractor.features(record), request);
  }

  /** Stops following versions, sends the queued prediction records (bounded by `closeTimeoutMs`), frees the models. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.predictionLog?.close();
    await this.loading.catch(() => undefined);
    for (const l of this.live.values()) l.model.dispose();
    this.live.clear();
  }

  /** Whether an event with this Kafka key is one this subscriber follows (key = model, or model/key). */
  private follows(eventKey: string | undefined): boolean {
    const { model, key } = this.options;
    if (key === undefined) return eventKey === model;
    return key === '*' ? (eventKey?.startsWith(`${model}/`) ?? false) : eventKey === `${model}/${key}`;
  }

  private single(): Live | undefined {
    const { key } = this.options;
    return this.live.get(key === undefined ? '' : key === '*' ? '\u0000' : key);
  }

  private servingModel(request: ServeRequest): Live | undefined {
    if (typeof request.requestId !== 'string' || request.requestId === '') throw new TypeError('serve() needs a non-empty string requestId');
    return request.modelKey !== undefined ? this.live.get(request.modelKey) : this.single();
  }

  /** Predicts one row with `live` and logs it; version, model and output all come from the same swap. */
  private served(live: Live, input: Float32Array, request: ServeRequest): Served {
    const width = inputWidthOf(live.model);
    if (input.length !== width) throw new TypeError(`model ${this.options.model} ${live.version} takes ${width} features, got ${input.length}`);
    const output = predictWith(live, input, width);
    const predictedClass = live.task === 'classification' ? predictedClassOf(output) : undefined;
    const { model } = this.options;
    const modelKey = live.key === '' ? undefined : live.key;
    const logged =
      this.predictionLog?.add({
        requestId: request.requestId,
        ...(request.key !== undefined ? { key: request.key } : {}),
        model,
        ...(modelKey !== undefined ? { modelKey } : {}),
        version: live.version,
        servedAt: Date.now(),
        output,
        ...(predictedClass !== undefined ? { predictedClass } : {}),
        features: input,
      }) ?? false;
    return {
      output,
      model,
      version: live.version,
      logged,
      ...(predictedClass !== undefined ? { predictedClass } : {}),
      ...(modelKey !== undefined ? { modelKey } : {}),
    };
  }

  private async onEvent(event: VersionEvent): Promise<void> {
    const key = this.options.key === undefined ? '' : (event.key ?? '');
    const incoming = parseVersion(event.version);
    const live = this.live.get(key);
    const current = live ? parseVersion(live.version) : undefined;
    if (!incoming || (current && compareVersions(incoming, current) <= 0)) return;
    const started = performance.now();
    const name = key === '' ? this.options.model : keyModelName(this.options.model, key);
    try {
      const checkpoint = await readCheckpoint(this.options.store, name, event.version, { withState: false });
      await this.swapIn(key, checkpoint, started);
    } catch (err) {
      this.log.error({ key, version: event.version, err: (err as Error).message }, 'could not load the announced version; keeping the current one');
    }
  }

  private async swapIn(key: string, c: LoadedCheckpoint, started: number): Promise<void> {
    const t0 = started || performance.now();
    const model = await loadLayersModel(
      tf.io.fromMemory({
        modelTopology: c.snapshot.topology as tf.io.ModelJSON['modelTopology'],
        weightSpecs: [...c.snapshot.weightSpecs],
        weightData: c.snapshot.weightData,
      }),
    );
    const spec = c.manifest.modelSpec as { model?: ModelConfig; input?: Pick<InputConfig, 'features' | 'label' | 'missing'> } | undefined;
    const extractor =
      spec?.model && spec.input
        ? new FeatureExtractor({ ...spec.input, features: spec.input.features as FeatureSpec[] }, { task: spec.model.task, classes: spec.model.classes })
        : undefined;
    const old = this.live.get(key);
    this.live.set(key, { key, version: c.manifest.version, model, extractor, ...(spec?.model?.task ? { task: spec.model.task } : {}) });
    old?.model.dispose();
    const loadMs = performance.now() - t0;
    this.log.info({ ...(key ? { key } : {}), version: c.manifest.version, loadMs: Math.round(loadMs) }, 'model swapped in');
    this.options.onVersion?.({
      ...(key ? { key } : {}),
      version: c.manifest.version,
      samplesTotal: c.manifest.samples.total,
      metrics: c.manifest.metrics,
      loadMs,
    });
  }

  private require(live: Live | undefined, key?: string): Live {
    if (live) return live;
    if (key === undefined && this.options.key === '*')
      throw new TypeError('this subscriber follows every key: use predictKey() / predictRecordsKey(), or serve() with a modelKey');
    throw new TypeError(`no version of model ${this.options.model}${key ? ` key ${key}` : ''} is loaded yet`);
  }
}

function predictWith(live: Live, features: Float32Array | number[][], width?: number): Float32Array {
  return tf.tidy(() => {
    const w = width ?? inputWidthOf(live.model);
    const x = Array.isArray(features) ? tf.tensor2d(features) : tf.tensor2d(features, [features.length / w, w]);
    return (live.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

function recordsWith(live: Live, records: readonly Record<string, unknown>[]): Float32Array {
  const extractor = live.extractor;
  if (!extractor) throw new TypeError('this checkpoint carries no feature spec; use predict() with vectors');
  const width = extractor.width;
  const rows = new Float32Array(records.length * width);
  records.forEach((r, i) => rows.set(extractor.features(r), i * width));
  return predictWith(live, rows, width);
}

function inputWidthOf(model: LayersModel): number {
  const shape = model.inputs[0]?.shape ?? [];
  return shape[shape.length - 1] ?? 0;
}

let backendReady: Promise<void> | undefined;

/** WebAssembly when available (faster for small dense models), else the pure-JS cpu backend. */
function ensureBackend(): Promise<void> {
  backendReady ??= (async () => {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) return;
    } catch {
      // fall through to cpu
    }
    await tf.setBackend('cpu');
  })();
  return backendReady;
}

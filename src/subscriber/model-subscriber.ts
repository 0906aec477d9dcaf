// Prediction needs tfjs-core, the layers API (to load a LayersModel) and a backend: not the union package
// `@tensorflow/tfjs`, which also loads tfjs-data, the graph-model converter and the WebGL backend (about half
// its import time). The instances are the ones the learner's `@tensorflow/tfjs` uses, so one process can hold both.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { Consumer, Kafka } from 'kafkajs';
import type { FeatureSpec, InputConfig, Logger, ModelConfig, VersionEvent } from '../core/index.js';
import { compareVersions, decodeVersionEvent, parseVersion } from '../core/index.js';
import { latestValidCheckpoint, readCheckpoint, type LoadedCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import { FeatureExtractor } from '../consumers/index.js';

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
}

export interface LoadedVersion {
  readonly version: string;
  readonly samplesTotal: number;
  readonly metrics: Record<string, number>;
  readonly loadMs: number;
}

interface Live {
  readonly version: string;
  readonly model: LayersModel;
  readonly extractor?: FeatureExtractor;
}

/**
 * For downstream services: follows the versions topic, loads each announced checkpoint from the store
 * (verifying its hashes), and swaps it in for `predict()` in one assignment. Predictions run synchronously,
 * so a call sees either the old model or the new one, never a mix; the old model is disposed after the swap.
 * On start it loads the newest valid checkpoint, so it serves before the next event arrives.
 */
export class ModelSubscriber {
  private live?: Live;
  private consumer?: Consumer;
  private readonly log: Logger;
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly options: ModelSubscriberOptions) {
    this.log = options.logger.child({ module: 'subscriber', model: options.model });
  }

  get version(): string | undefined {
    return this.live?.version;
  }

  async start(): Promise<void> {
    await ensureBackend();
    const latest = await latestValidCheckpoint(this.options.store, this.options.model, this.log, { withState: false });
    if (latest) await this.swapIn(latest, 0);
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId ?? `streamtrain-subscriber-${this.options.model}-${process.pid}-${Date.now()}`,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.options.versionsTopic], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value || message.key?.toString() !== this.options.model) return;
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
    const live = this.requireLive();
    return tf.tidy(() => {
      const x = Array.isArray(features)
        ? tf.tensor2d(features)
        : tf.tensor2d(features, [features.length / (width ?? inputWidthOf(live.model)), width ?? inputWidthOf(live.model)]);
      return (live.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
  }

  /** Predicts for raw records, using the feature spec stored in the checkpoint's manifest. */
  predictRecords(records: readonly Record<string, unknown>[]): Float32Array {
    const live = this.requireLive();
    if (!live.extractor) throw new TypeError('this checkpoint carries no feature spec; use predict() with vectors');
    const width = live.extractor.width;
    const rows = new Float32Array(records.length * width);
    const extractor = live.extractor;
    records.forEach((r, i) => rows.set(extractor.features(r), i * width));
    return this.predict(rows, width);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.loading.catch(() => undefined);
    this.live?.model.dispose();
    this.live = undefined;
  }

  private async onEvent(event: VersionEvent): Promise<void> {
    const incoming = parseVersion(event.version);
    const current = this.live ? parseVersion(this.live.version) : undefined;
    if (!incoming || (current && compareVersions(incoming, current) <= 0)) return;
    const started = performance.now();
    try {
      const checkpoint = await readCheckpoint(this.options.store, this.options.model, event.version, { withState: false });
      await this.swapIn(checkpoint, started);
    } catch (err) {
      this.log.error({ version: event.version, err: (err as Error).message }, 'could not load the announced version; keeping the current one');
    }
  }

  private async swapIn(c: LoadedCheckpoint, started: number): Promise<void> {
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
    const old = this.live;
    this.live = { version: c.manifest.version, model, extractor };
    old?.model.dispose();
    const loadMs = performance.now() - t0;
    this.log.info({ version: c.manifest.version, loadMs: Math.round(loadMs) }, 'model swapped in');
    this.options.onVersion?.({ version: c.manifest.version, samplesTotal: c.manifest.samples.total, metrics: c.manifest.metrics, loadMs });
  }

  private requireLive(): Live {
    if (!this.live) throw new TypeError(`no version of model ${this.options.model} is loaded yet`);
    return this.live;
  }
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

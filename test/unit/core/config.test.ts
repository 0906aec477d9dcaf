import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../src/core/index.js';
import { DEFAULT_AVERAGING_HORIZON } from '../../../src/core/config/parse.js';

const minimal = { model: { name: 'm' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } };

function problems(tree: unknown, env: Record<string, string> = {}): string {
  try {
    parseConfig(tree, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills every default', () => {
    const c = parseConfig(minimal, { env: {} });
    expect(c.batch).toEqual({ size: 256, maxSize: 1024, maxWaitMs: 1000, maxBuffered: 8192 });
    expect(c.kafka.groupId).toBe('streamtrain-m');
    expect(c.checkpoints.store.type).toBe('folder');
    expect(c.deadLetter.includePayload).toBe(false);
    expect(c.checkpoints.regressionErrors).toBe(false);
    expect(c.model.optimizer).toEqual({ type: 'adam', learningRate: 0.01, clipNorm: 10 });
    expect(c.model.averaging).toEqual({ horizon: DEFAULT_AVERAGING_HORIZON, holdoff: 60, warmup: 60, restartOnDrift: true, restartOnLag: false, select: true });
    expect(c.drift.adapt).toEqual({ learningRateFactor: 2, forSamples: 500, resetOptimizer: false, hedge: true });
    expect(c.drift.challenger).toEqual({
      from: 'scratch',
      minSamples: 1000,
      maxSamples: 20_000,
      margin: 0.01,
      alpha: 0.01,
      rollback: false,
      test: 'batch-means',
    });
  });

  it('reads the challenger rollback and names the field in errors', () => {
    expect(parseConfig({ ...minimal, drift: { challenger: { rollback: true } } }, { env: {} }).drift.challenger.rollback).toBe(true);
    expect(problems({ ...minimal, drift: { challenger: { rollback: 'yes' } } })).toContain('`drift.challenger.rollback`');
  });

  it('reads drift.data.features and names the field, the unknown names and the known ones in errors', () => {
    const input = { features: [{ field: 'a' }, { field: 'when' }], label: { field: 'y' } };
    expect(parseConfig({ ...minimal, input, drift: { data: { inputs: true, features: ['a'] } } }, { env: {} }).drift.data.features).toEqual(['a']);
    expect(parseConfig({ ...minimal, input }, { env: {} }).drift.data.features).toBeUndefined();
    const found = problems({ ...minimal, input, drift: { data: { inputs: true, features: ['a', 'nope'] } } });
    expect(found).toContain('`drift.data.features`');
    expect(found).toContain('`nope`');
    expect(found).toContain('`when`');
  });

  it('reads checkpoints.regressionErrors and names the field in errors', () => {
    expect(parseConfig({ ...minimal, checkpoints: { regressionErrors: true } }, { env: {} }).checkpoints.regressionErrors).toBe(true);
    expect(problems({ ...minimal, checkpoints: { regressionErrors: 1 } })).toContain('`checkpoints.regressionErrors`');
  });

  it('accepts the documented example (examples/streamtrain.yaml) with the defaults it shows', () => {
    const c = loadConfig(new URL('../../../examples/streamtrain.yaml', import.meta.url).pathname, {});
    expect(c.model.averaging).toEqual(parseConfig(minimal, { env: {} }).model.averaging);
    expect(c.drift.adapt).toEqual(parseConfig(minimal, { env: {} }).drift.adapt);
    expect(c.drift.challenger).toEqual(parseConfig(minimal, { env: {} }).drift.challenger);
    expect(c.checkpoints.regressionErrors).toBe(false);
  });

  it('reads weight averaging and names its fields in errors', () => {
    expect(parseConfig({ ...minimal, model: { name: 'm', averaging: { horizon: 0 } } }, { env: {} }).model.averaging).toEqual({
      horizon: 0,
      holdoff: 0,
      warmup: 0,
      restartOnDrift: true,
      restartOnLag: false,
      select: true,
    });
    expect(parseConfig({ ...minimal, model: { name: 'm', averaging: { horizon: 300, holdoff: 100 } } }, { env: {} }).model.averaging.holdoff).toBe(100);
    expect(parseConfig({ ...minimal, model: { name: 'm', averaging: { horizon: 300 } } }, { env: {} }).model.averaging.holdoff).toBe(18);
    expect(parseConfig({ ...minimal, model: { name: 'm', averaging: { horizon: 300, holdoff: 100 } } }, { env: {} }).model.averaging.warmup).toBe(100);
    expect(parseConfig({ ...minimal, model: { name: 'm', averaging: { warmup: 500 } } }, { env: {} }).model.averaging).toMatchObject({
      holdoff: 60,
      warmup: 500,
    });
    expect(problems({ ...minimal, model: { name: 'm', averaging: { warmup: -1 } } })).toContain('`model.averaging.warmup`');
    const msg = problems({ ...minimal, model: { name: 'm', averaging: { horizon: -5, holdoff: -1, restartOnDrift: 'yes', restartOnLag: 2, window: 3 } } });
    expect(msg).toContain('`model.averaging.horizon`');
    expect(msg).toContain('`model.averaging.restartOnDrift`');
    expect(msg).toContain('`model.averaging.restartOnLag`');
    expect(msg).toContain('`model.averaging.holdoff`');
    expect(msg).toContain('Unknown field `model.averaging.window`');
  });

  it('names the field and the fix, and lists every problem at once', () => {
    const msg = problems({ ...minimal, batch: { size: 0 }, model: { name: 'm', type: 'tree' }, extra: 1 });
    expect(msg).toContain('Expected `batch.size` to be an integer >= 1 and <= 1000000, got `0`');
    expect(msg).toContain('Expected `model.type` to be one of `auto`, `logistic`, `softmax`, `mlp`, `linear`, `custom`, got `"tree"`');
    expect(msg).toContain('Unknown field `extra`');
  });

  it('explains missing essentials', () => {
    expect(problems({})).toMatch(/Missing `model.name`/);
    expect(problems({ ...minimal, input: { features: [{ field: 'a' }] } })).toMatch(/Missing `input.label.field`/);
    expect(problems({ ...minimal, triggers: { everySamples: 0, everySeconds: 0, onDrift: false } })).toMatch(/no version would ever be published/);
    expect(problems({ ...minimal, drift: { responses: ['panic'] } })).toMatch(/`drift.responses` to list only/);
    expect(problems({ ...minimal, triggers: { performance: { metric: 'accuracy_window' } } })).toMatch(/needs `threshold`/);
    expect(problems({ ...minimal, input: { features: [{ field: 'c', type: 'categorical', encoding: 'one-hot' }], label: { field: 'y' } } })).toMatch(
      /one-hot encoding needs the list/,
    );
    expect(problems({ ...minimal, model: { name: 'm', type: 'custom' } })).toMatch(/model.modelPath/);
  });

  it('takes addresses and secrets from the environment', () => {
    const c = parseConfig(
      { ...minimal, checkpoints: { store: { type: 's3', bucket: 'b' } } },
      { env: { KAFKA_BROKERS: 'a:1,b:2', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' } },
    );
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.checkpoints.store).toMatchObject({ type: 's3', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'k', forcePathStyle: true });
  });

  it('loads YAML and resolves relative paths from the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-cfg-'));
    const file = join(dir, 'c.yaml');
    await writeFile(
      file,
      'model: { name: m }\nkafka: { topics: [t] }\ninput:\n  features: [{ field: a }]\n  label: { field: y }\ncheckpoints: { store: { path: ./ckpt } }\n',
    );
    expect(loadConfig(file, {}).checkpoints.store).toEqual({ type: 'folder', path: join(dir, 'ckpt') });
    await writeFile(file, 'model: [');
    expect(() => loadConfig(file, {})).toThrow(/not valid YAML/);
  });

  it('declares the cluster settings with their defaults, checks them together, and takes the instance id from the environment', () => {
    const c = parseConfig(minimal, { env: {} });
    expect(c.cluster).toEqual({ leaseTopic: 'streamtrain-leases', sessionTimeoutMs: 6000, heartbeatIntervalMs: 250, standbyPollMs: 1000 });
    expect(c.kafka.sessionTimeoutMs).toBe(6000);
    expect(parseConfig({ ...minimal, cluster: { instanceId: 'file' } }, { env: { STREAMTRAIN_INSTANCE_ID: 'pod-7' } }).cluster.instanceId).toBe('pod-7');
    const text = problems({ ...minimal, cluster: { sessionTimeoutMs: 3000, heartbeatIntervalMs: 2000, leasTopic: 'x' } });
    expect(text).toMatch(/cluster\.heartbeatIntervalMs.*at most a third of `cluster\.sessionTimeoutMs` \(1000\)/);
    expect(text).toMatch(/leasTopic/);
  });

  it('reads keyed models and names what does not go with them, all at once', () => {
    const c = parseConfig({ ...minimal, model: { name: 'm', partitionBy: 'tenant' } }, { env: {} });
    expect([c.model.partitionBy, c.model.maxLiveModels, c.model.maxKeysPerPartition]).toEqual(['tenant', 256, 10_000]);
    expect(parseConfig(minimal, { env: {} }).model.partitionBy).toBeUndefined();
    expect(problems({ ...minimal, model: { name: 'm', partitionBy: 'tenant', maxLiveModels: 0 } })).toMatch(/model\.maxLiveModels/);
    const text = problems({
      ...minimal,
      model: { name: 'm', partitionBy: 'tenant' },
      kafka: { topics: ['a', 'b'] },
      triggers: { performance: { metric: 'accuracy', threshold: 0.8 } },
    });
    expect(text).toMatch(/exactly one topic in `kafka\.topics` \(got 2\)/);
    expect(text).toMatch(/triggers\.performance.*everySamples/);
  });
});

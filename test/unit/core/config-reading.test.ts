import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from '../../../src/core/index.js';

const minimal = { model: { name: 'm' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } };

describe('config reading', () => {
  it('reads an empty YAML key as "the defaults"', () => {
    const tree = parseYaml('model: { name: m }\nkafka: { topics: [t] }\ninput: { features: [{ field: a }], label: { field: y } }\ndrift:\nserver: { port: }\n');
    const c = parseConfig(tree, { env: {} });
    expect(c.drift.responses).toEqual(['alert']);
    expect(c.server.port).toBe(0);
  });

  it('reads quoted numbers and booleans, and a comma separated list', () => {
    const c = parseConfig({ ...minimal, kafka: { topics: 'a, b', ssl: 'true' }, batch: { size: '16' } }, { env: {} });
    expect(c.kafka.topics).toEqual(['a', 'b']);
    expect(c.kafka.ssl).toBe(true);
    expect(c.batch).toEqual({ size: 16, maxSize: 64, maxWaitMs: 1000, maxBuffered: 512 });
  });

  it('fills the defaults that come from other fields', () => {
    const c = parseConfig(
      {
        ...minimal,
        model: { name: 'm', type: 'linear' },
        triggers: { performance: { metric: 'mae_window', dropBy: 0.1 } },
        checkpoints: { store: { type: 's3', bucket: 'b', endpoint: 'http://e' } },
      },
      { env: {} },
    );
    expect(c.model.task).toBe('regression');
    expect(c.triggers.performance?.better).toBe('lower');
    expect(c.checkpoints.store).toMatchObject({ type: 's3', forcePathStyle: true, region: 'us-east-1', prefix: '' });
    expect(parseConfig({ ...minimal, input: { features: [{ field: 'c', type: 'categorical' }], label: { field: 'y' } } }, { env: {} }).input.features).toEqual([
      { field: 'c', type: 'categorical', encoding: 'hash', buckets: 16 },
    ]);
  });

  it('checks STREAMTRAIN_LOG_LEVEL like the field it overrides', () => {
    expect(parseConfig(minimal, { env: { STREAMTRAIN_LOG_LEVEL: 'debug' } }).logLevel).toBe('debug');
    expect(() => parseConfig(minimal, { env: { STREAMTRAIN_LOG_LEVEL: 'loud' } })).toThrow(ConfigError);
  });

  it('names the first problem as the error field', () => {
    try {
      parseConfig({ ...minimal, batch: { size: 0 } }, { env: {} });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).field).toBe('batch.size');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, inputWidth, parseConfig } from '../../../src/core/index.js';

const labels = { topic: 'outcomes', labelField: 'clicked', maxDelayMs: 60_000 };
const base = { model: { name: 'm' }, kafka: { topics: ['predictions'] } };

function tree(input: Record<string, unknown>) {
  return { ...base, input: { format: 'prediction-log', label: { field: 'clicked' }, ...input } };
}

function problems(t: unknown): string {
  try {
    parseConfig(t, { env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config: input.format prediction-log', () => {
  it('takes the width alone: one vector field `features`, ids from `requestId`', () => {
    const c = parseConfig(tree({ width: 3, labels }), { env: {} });
    expect(c.input.features).toEqual([{ field: 'features', type: 'vector', size: 3 }]);
    expect(inputWidth(c.input.features)).toBe(3);
    expect(c.input.labels).toMatchObject({ idField: 'requestId', labelIdField: 'requestId', topic: 'outcomes' });
  });

  it('keeps input.features (how the serving side builds the vector) and a label id field of their own', () => {
    const c = parseConfig(tree({ features: [{ field: 'a' }, { field: 'b' }], width: 2, labels: { ...labels, labelIdField: 'rid' } }), { env: {} });
    expect(inputWidth(c.input.features)).toBe(2);
    expect(c.input.labels).toMatchObject({ idField: 'requestId', labelIdField: 'rid' });
  });

  it('reports every problem at once, each naming the field and the fix', () => {
    const message = problems(tree({ avroSchemaFile: 'x.avsc' }));
    expect(message).toContain('Missing `input.labels`: `input.format: prediction-log` learns from served predictions');
    expect(message).toContain('Missing `input.width`: with `input.format: prediction-log` give the length of the logged feature vectors');
    expect(message).toContain('remove `input.avroSchemaFile`');
  });

  it('refuses a width that disagrees with input.features, and an id field other than requestId', () => {
    const message = problems(tree({ features: [{ field: 'a' }, { field: 'b' }], width: 3, labels: { ...labels, idField: 'request_id' } }));
    expect(message).toContain('`input.width` is 3 but `input.features` make 2 inputs');
    expect(message).toContain("`input.labels.idField` is `request_id`, but a prediction log's id is `requestId`");
  });

  it('other formats still need input.features and input.labels.idField, and refuse input.width', () => {
    const message = problems({ ...base, input: { width: 3, label: { field: 'y' }, labels } });
    expect(message).toContain('Missing `input.features`');
    expect(message).toContain('`input.width` is read with `input.format: prediction-log` only');
    expect(message).toContain('Missing `input.labels.idField`');
  });
});

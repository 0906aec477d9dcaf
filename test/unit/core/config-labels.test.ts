import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/core/index.js';

const minimal = { model: { name: 'm' }, kafka: { topics: ['served'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } };
const labels = { topic: 'outcomes', idField: 'request_id', labelField: 'clicked', maxDelayMs: 3_600_000 };

function withLabels(extra: Record<string, unknown>, rest: Record<string, unknown> = {}) {
  return { ...minimal, ...rest, input: { ...minimal.input, labels: { ...labels, ...extra } } };
}

function problems(tree: unknown): string {
  try {
    parseConfig(tree, { env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config: input.labels', () => {
  it('is absent unless given', () => {
    expect(parseConfig(minimal, { env: {} }).input.labels).toBeUndefined();
  });

  it('fills its defaults: the label id field is the feature id field, the default label 0', () => {
    expect(parseConfig(withLabels({}), { env: {} }).input.labels).toEqual({
      ...labels,
      labelIdField: 'request_id',
      format: 'json',
      onMissing: 'default',
      defaultLabel: 0,
      maxPending: 100_000,
      idleGraceMs: 60_000,
      lateToDeadLetter: false,
    });
    const drop = parseConfig(withLabels({ onMissing: 'drop', labelIdField: 'rid' }), { env: {} }).input.labels;
    expect(drop).toMatchObject({ onMissing: 'drop', labelIdField: 'rid', defaultLabel: undefined });
  });

  it('takes the label field from the label records when input.label names none; without input.labels it is required', () => {
    const tree = { ...minimal, input: { features: [{ field: 'a' }], label: { classes: ['no', 'yes'] }, labels } };
    expect(parseConfig(tree, { env: {} }).input.label).toEqual({ field: 'clicked', classes: ['no', 'yes'] });
    const noLabel = { ...minimal, input: { features: [{ field: 'a' }], labels } };
    expect(parseConfig(noLabel, { env: {} }).input.label.field).toBe('clicked');
    expect(parseConfig(withLabels({}), { env: {} }).input.label.field).toBe('y');
    expect(problems({ ...minimal, input: { features: [{ field: 'a' }], label: { classes: ['a', 'b'] } } })).toContain('Missing `input.label.field`');
  });

  it('names the missing fields and how to fill them', () => {
    const found = problems({ ...minimal, input: { ...minimal.input, labels: {} } });
    expect(found).toContain('Missing `input.labels.topic`');
    expect(found).toContain('Missing `input.labels.idField`');
    expect(found).toContain('Missing `input.labels.labelField`');
    expect(found).toContain('Missing `input.labels.maxDelayMs`');
  });

  it('names the field and the bound of a bad value', () => {
    expect(problems(withLabels({ maxPending: 0 }))).toContain('Expected `input.labels.maxPending` to be an integer >= 1');
    expect(problems(withLabels({ maxDelayMs: -1 }))).toContain('Expected `input.labels.maxDelayMs` to be an integer >= 0');
    expect(problems(withLabels({ onMissing: 'skip' }))).toContain('`input.labels.onMissing`');
    expect(problems(withLabels({ typo: 1 }))).toContain('Unknown field `input.labels.typo`');
  });

  it('refuses a label topic that is the source topic or the dead-letter topic, and several source topics', () => {
    expect(problems(withLabels({ topic: 'served' }))).toContain('`input.labels.topic` is `served`, also in `kafka.topics`');
    expect(problems(withLabels({ topic: 'streamtrain.dead-letter' }))).toContain('also `deadLetter.topic`');
    expect(problems(withLabels({}, { kafka: { topics: ['a', 'b'] } }))).toContain('list exactly one topic in `kafka.topics` (got 2)');
  });

  it('refuses a default label that is not a class index of a classifier; any number for regression', () => {
    expect(problems(withLabels({ defaultLabel: 2 }))).toContain('Expected `input.labels.defaultLabel` to be a class index, an integer >= 0 and < 2');
    expect(problems(withLabels({ defaultLabel: 0.5 }))).toContain('`input.labels.defaultLabel`');
    expect(parseConfig(withLabels({ defaultLabel: 2 }, { model: { name: 'm', type: 'softmax', classes: 3 } }), { env: {} }).input.labels?.defaultLabel).toBe(2);
    expect(problems(withLabels({ defaultLabel: 2 }, { model: { name: 'm', type: 'logistic' } }))).toContain('< 2');
    expect(parseConfig(withLabels({ defaultLabel: 2.5 }, { model: { name: 'm', type: 'linear' } }), { env: {} }).input.labels?.defaultLabel).toBe(2.5);
  });

  it('refuses a default label with onMissing: drop, and a label field that is the id field', () => {
    expect(problems(withLabels({ onMissing: 'drop', defaultLabel: 0 }))).toContain('`input.labels.defaultLabel` is used with `onMissing: default` only');
    expect(problems(withLabels({ labelField: 'request_id' }))).toContain("`input.labels.labelField` and the label records' id field are both `request_id`");
  });

  it('reads numbers YAML left as strings', () => {
    expect(parseConfig(withLabels({ maxDelayMs: '60000' }), { env: {} }).input.labels?.maxDelayMs).toBe(60_000);
  });

  it('refuses input.labels with keyed models, naming both fixes', () => {
    const message = problems(withLabels({}, { model: { name: 'm', partitionBy: 'user' } }));
    expect(message).toContain('`input.labels`');
    expect(message).toContain('remove `model.partitionBy`');
  });
});

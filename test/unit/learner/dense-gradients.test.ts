import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type ModelConfig } from '../../../src/core/index.js';
import { buildModel, DenseGradients, selectBackend, tf, type OutputKind } from '../../../src/learner/index.js';

const logger = createLogger({ level: 'silent' });

function spec(overrides: Partial<ModelConfig>): ModelConfig {
  return {
    name: 'g',
    type: 'logistic',
    hiddenUnits: [6, 5],
    classes: 2,
    task: 'classification',
    optimizer: { type: 'adam', learningRate: 0.05, clipNorm: 10 },
    l2: 0,
    seed: 3,
    averaging: { horizon: 0, restartOnDrift: true, restartOnLag: false },
    ...overrides,
  };
}

/** A seeded batch; labels are class indices (or values for regression). */
function data(n: number, width: number, kind: OutputKind, classes = 3): { x: tf.Tensor2D; y: tf.Tensor1D } {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = Array.from({ length: n * width }, rnd);
  const y = Array.from({ length: n }, (_, i) =>
    kind === 'regression' ? 3 * (x[i * width] as number) + 0.5 : kind === 'binary' ? ((x[i * width] as number) > 0 ? 1 : 0) : i % classes,
  );
  return { x: tf.tensor2d(x, [n, width]), y: tf.tensor1d(y) };
}

/** The reference: tfjs autodiff through model.apply on the plain (unclipped) loss of the task, plus the layers' penalties. */
function autodiff(model: tf.LayersModel, kind: OutputKind, x: tf.Tensor2D, y: tf.Tensor1D) {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.variableGrads(() => {
    const p = model.apply(x) as tf.Tensor;
    let loss: tf.Scalar;
    if (kind === 'binary')
      loss = tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p.reshape([-1]))), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p.reshape([-1]))))))) as tf.Scalar;
    else if (kind === 'multiclass') loss = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.cast(y, 'int32'), p.shape[1] as number), tf.log(p)), 1))) as tf.Scalar;
    else loss = tf.mean(tf.square(tf.sub(p.reshape([-1]), y))) as tf.Scalar;
    const penalties = model.layers.flatMap((l) => l.calculateLosses());
    return penalties.length ? (tf.add(loss, tf.addN(penalties)) as tf.Scalar) : loss;
  }, vars);
}

function expectClose(a: tf.Tensor, b: tf.Tensor): void {
  const [u, v] = [a.dataSync(), b.dataSync()];
  expect(u.length).toBe(v.length);
  const scale = Math.max(1e-3, ...Array.from(v, Math.abs));
  for (let i = 0; i < u.length; i++) expect(Math.abs((u[i] as number) - (v[i] as number)) / scale).toBeLessThan(2e-4);
}

describe('DenseGradients', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  const cases: [string, ModelConfig, OutputKind][] = [
    ['logistic', spec({ type: 'logistic' }), 'binary'],
    ['softmax, 3 classes, L2', spec({ type: 'softmax', classes: 3, l2: 0.01 }), 'multiclass'],
    ['linear regression', spec({ type: 'linear', task: 'regression' }), 'regression'],
    ['MLP 6-5 relu, binary, L2', spec({ type: 'mlp', l2: 0.003 }), 'binary'],
    ['MLP 6-5 relu, 3 classes', spec({ type: 'mlp', classes: 3 }), 'multiclass'],
    ['MLP 6-5 relu, regression', spec({ type: 'mlp', task: 'regression' }), 'regression'],
  ];
  for (const [name, s, kind] of cases) {
    it(`matches tfjs autodiff: ${name}`, () => {
      const model = buildModel(s, 4);
      // Away from the zero start, so every term of the gradient is exercised.
      model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.8, 0.8, 'float32', 40 + i)));
      const dense = DenseGradients.of(model, kind);
      expect(dense).toBeDefined();
      tf.tidy(() => {
        const { x, y } = data(64, 4, kind);
        const mine = (dense as DenseGradients).run(x, y);
        const ref = autodiff(model, kind, x, y);
        expect(Object.keys(mine.grads).sort()).toEqual(Object.keys(ref.grads).sort());
        for (const k of Object.keys(ref.grads)) expectClose(mine.grads[k] as tf.Tensor, ref.grads[k] as tf.Tensor);
        expectClose(mine.loss, ref.value);
        expectClose(mine.outputs, model.predict(x) as tf.Tensor);
        expectClose((dense as DenseGradients).forward(x), model.predict(x) as tf.Tensor);
      });
      model.dispose();
    });
  }

  it('matches autodiff for tanh and sigmoid hidden layers of a user model', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }),
        tf.layers.dense({ units: 3, activation: 'sigmoid' }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const dense = DenseGradients.of(model, 'binary') as DenseGradients;
    expect(dense).toBeDefined();
    tf.tidy(() => {
      const { x, y } = data(32, 4, 'binary');
      const mine = dense.run(x, y);
      const ref = autodiff(model, 'binary', x, y);
      for (const k of Object.keys(ref.grads)) expectClose(mine.grads[k] as tf.Tensor, ref.grads[k] as tf.Tensor);
    });
    model.dispose();
  });

  it('declines models it cannot differentiate by hand, which then use tfjs autodiff', () => {
    const withDropout = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, activation: 'relu', inputShape: [4] }),
        tf.layers.dropout({ rate: 0.1 }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const l1 = tf.sequential({
      layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4], kernelRegularizer: tf.regularizers.l1({ l1: 0.1 }) })],
    });
    const wrongHead = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
    expect(DenseGradients.of(withDropout, 'binary')).toBeUndefined();
    expect(DenseGradients.of(l1, 'binary')).toBeUndefined();
    // A sigmoid output trained on squared error is not the canonical pair: autodiff handles it.
    expect(DenseGradients.of(wrongHead, 'regression')).toBeUndefined();
    [withDropout, l1, wrongHead].forEach((m) => m.dispose());
  });
});

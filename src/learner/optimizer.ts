import type { OptimizerConfig } from '../core/index.js';
import { ConfigError } from '../core/index.js';
import { tf } from './tf.js';
import { adamInternals, optimizerInternals } from './tfjs-internals.js';

/** Creates the optimizer whose slots (moments, accumulators, iteration count) are checkpointed with the weights. */
export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  const lr = config.learningRate;
  switch (config.type) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, 0.9);
    case 'adam':
      return tf.train.adam(lr);
    case 'adagrad':
      return tf.train.adagrad(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr);
    default:
      throw new ConfigError('model.optimizer.type', `Unknown optimizer \`${String(config.type)}\``);
  }
}

/**
 * Changes the learning rate of a live optimizer without losing its slots. tfjs keeps it in a field that its
 * own `getConfig()` reports, on every optimizer class it ships; SGD and momentum also keep it as a tensor, which
 * only their own `setLearningRate()` refreshes (setting the field alone left their steps unchanged).
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizerInternals(optimizer);
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

export function learningRateOf(optimizer: tf.Optimizer): number {
  return optimizerInternals(optimizer).learningRate;
}

/**
 * Adam's bias-correction powers (beta1^t, beta2^t for the next step t) as a function of the iteration count.
 * tfjs' Adam multiplies them step by step while it runs but recomputes them with pow() when it restores its
 * slots, and the two differ in the last bit after a few dozen steps; setting them from the count before every
 * step makes a restored optimizer continue exactly as the one that wrote the checkpoint. No-op for the others.
 */
export function alignAdamPowers(optimizer: tf.Optimizer, iterations = optimizer.iterations): void {
  const adam = adamInternals(optimizer);
  // Undefined before Adam's first step.
  if (!adam?.accBeta1 || !adam.accBeta2) return;
  const [p1, p2] = adamPowers(adam.beta1, adam.beta2, iterations);
  tf.tidy(() => {
    adam.accBeta1.assign(tf.scalar(p1));
    adam.accBeta2.assign(tf.scalar(p2));
  });
}

/** beta1^(t+1) and beta2^(t+1) in float32, after t iterations. */
export function adamPowers(beta1: number, beta2: number, iterations: number): [number, number] {
  return [Math.fround(Math.fround(beta1) ** (iterations + 1)), Math.fround(Math.fround(beta2) ** (iterations + 1))];
}

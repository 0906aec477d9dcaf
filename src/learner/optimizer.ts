import type { OptimizerConfig } from '../core/index.js';
import { ConfigError } from '../core/index.js';
import { tf } from './tf.js';

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
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

export function learningRateOf(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

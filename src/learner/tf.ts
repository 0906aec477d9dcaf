/**
 * The one tfjs import of the learner. tfjs-node, when installed, registers its own backend on import and
 * re-exports the same `@tensorflow/tfjs` API, so every module takes `tf` from here.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };

export { OnlineLearner, type LearnInput, type OnlineLearnerOptions, type StepResult } from './online-learner.js';
export { PrequentialMetrics, binaryAuc } from './metrics.js';
export { selectBackend, currentBackend } from './backend.js';
export { buildModel, type OutputKind } from './models.js';
export { DenseGradients } from './dense-gradients.js';
export { loadModelArtifacts, saveModelArtifacts } from './snapshot.js';
export { loadModelFile } from './file-model.js';
export { WeightAverage, type WeightVariable } from './weight-average.js';
export { tf } from './tf.js';

/**
 * Record sources for tests, examples, benchmarks and the `produce` command: seeded drift generators (SEA concepts,
 * rotating hyperplane), a streaming file reader, and the shared benchmark files. Pure TypeScript, no Kafka.
 */
export { LABEL_FIELD, type DatasetRecord, type DatasetSource, type DriftingSource } from './types.js';
export { createRng, type Rng } from './rng.js';
export { driftProbability } from './drift-schedule.js';
export { seaConcepts, SEA_DEFAULTS, type SeaConceptsOptions, type SeaConceptsSource } from './sea-concepts.js';
export { rotatingHyperplane, HYPERPLANE_DEFAULTS, type RotatingHyperplaneOptions, type RotatingHyperplaneSource } from './rotating-hyperplane.js';
export { readDelimitedFile, type DelimitedFileOptions } from './delimited-file.js';
export { sharedDataset, ELEC2_COLUMNS, type SharedDatasetName } from './shared-dataset.js';

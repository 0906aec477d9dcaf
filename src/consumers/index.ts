export { KafkaSource, type KafkaSourceOptions, type RecordSink, type SourceStats } from './kafka-source.js';
export { ChunkBuilder } from './chunk-builder.js';
export { RecordDecoder, type RawRecord, type RecordDecoderOptions } from './record-decoder.js';
export { FeatureExtractor, fnv1a, type ExtractedExample, type LabelSpec } from './feature-extractor.js';
export { decodeJson } from './json-decoder.js';
export { AvroDecoder, loadAvroType } from './avro-decoder.js';
export { SchemaRegistryDecoder } from './schema-registry.js';
export { waitForTopics } from './wait-for-topics.js';
export { createKafka, explainKafkaError, kafkaTls } from './kafka-client.js';

import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { DriftEvent, Logger, VersionEvent } from '../core/index.js';
import { encodeDriftEvent, encodeVersionEvent } from '../core/index.js';

/**
 * Publishes model-version and drift events (Avro, key = model name so one model's events stay ordered in one
 * partition). Idempotent producer with acks=all: a retried send is not duplicated by the broker.
 */
export class EventPublisher {
  private readonly producer: Producer;
  private readonly log: Logger;

  constructor(
    kafka: Kafka,
    private readonly topics: { readonly versions: string; readonly drift?: string },
    logger: Logger,
  ) {
    // Not idempotent: kafkajs wants unbounded retries for that, which would hold the checkpoint chain for as long
    // as a broker outage lasts. A retried send may repeat an entry; readers skip repeats (dead letters by key,
    // version events by version). Naming the partitioner keeps kafkajs' v2 notice out of the logs.
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1, allowAutoTopicCreation: true });
    this.log = logger.child({ module: 'publisher' });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async publishVersion(e: VersionEvent): Promise<void> {
    await this.producer.send({
      topic: this.topics.versions,
      acks: -1,
      messages: [
        {
          key: e.key === undefined ? e.model : `${e.model}/${e.key}`,
          value: encodeVersionEvent(e),
          headers: { 'content-type': 'avro/binary', schema: 'io.streamtrain.events.ModelVersion' },
        },
      ],
    });
    this.log.info({ model: e.model, version: e.version, trigger: e.trigger, samples: e.samplesTotal }, 'version published');
  }

  async publishDrift(e: DriftEvent): Promise<void> {
    if (!this.topics.drift) return;
    await this.producer.send({
      topic: this.topics.drift,
      acks: -1,
      messages: [{ key: e.model, value: encodeDriftEvent(e), headers: { 'content-type': 'avro/binary', schema: 'io.streamtrain.events.DriftEvent' } }],
    });
    this.log.info({ model: e.model, detector: e.detector, signal: e.signal, response: e.response }, 'drift event published');
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

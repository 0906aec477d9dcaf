import { Partitioners } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition Kafka's default partitioner (Java's, which kafkajs reproduces: murmur2 of the key bytes) gives a
 * record whose key is `key`, on a topic of `partitions` partitions: where every record of a keyed model must be.
 */
export function homePartition(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}

import { Partitioners, type PartitionMetadata } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition Kafka's default partitioner (Java's, which kafkajs reproduces: murmur2 of the key bytes) gives a
 * record whose key is `key`, on a topic of `partitions` partitions: where every record of a keyed model must be.
 */
export function homePartition(key: string, partitions: number): number {
  return partitioner({ topic: '', partitionMetadata: metadataOf(partitions), message: { key, value: null } });
}

/** The partitioner only counts the partitions: one array per topic size, not one per record. */
const metadata = new Map<number, PartitionMetadata[]>();
function metadataOf(partitions: number): PartitionMetadata[] {
  let m = metadata.get(partitions);
  if (!m)
    metadata.set(
      partitions,
      (m = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }))),
    );
  return m;
}

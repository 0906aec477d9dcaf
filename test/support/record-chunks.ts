import { ChunkBuilder } from '../../src/consumers/index.js';
import type { RecordChunk } from '../../src/core/index.js';

/** A chunk of consecutive records of one partition from `first`: rows carry [partition, offset] as features and the offset as label. */
export function chunkOf(partition: number, first: number, kinds: readonly ('ok' | 'bad')[]): RecordChunk {
  const b = new ChunkBuilder('t', partition, 2, Math.max(1, kinds.length));
  kinds.forEach((k, i) => {
    const offset = first + i;
    if (k === 'ok') {
      b.features.set([partition, offset], b.size * 2);
      b.accept(offset, String(offset));
    } else b.reject({ kind: 'rejected', topic: 't', partition, offset: String(offset), timestamp: 1000 + offset, reason: 'undecodable', message: 'bad' });
  });
  return b.finish();
}

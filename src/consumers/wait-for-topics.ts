import type { Kafka } from 'kafkajs';
import type { Logger } from '../core/index.js';

/**
 * Resolves once every topic exists. A service may start before its producers have created its source
 * topics; subscribing to a missing topic makes kafkajs fail, so we wait and say so every 10 s instead.
 */
export async function waitForTopics(kafka: Kafka, topics: readonly string[], log: Logger, isStopped: () => boolean = () => false): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lastWarn = 0;
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length === 0 || isStopped()) return;
      if (Date.now() - lastWarn > 10_000) {
        log.warn({ missing }, 'waiting for source topics to be created');
        lastWarn = Date.now();
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await admin.disconnect();
  }
}

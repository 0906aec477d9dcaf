import type { Kafka } from 'kafkajs';
import type { Logger } from '../core/index.js';

/** Topics each client has seen exist: a topic is not asked for again once it was there. */
const seen = new WeakMap<Kafka, Set<string>>();

/**
 * Resolves once every topic exists. A service may start before its producers have created its source
 * topics; subscribing to a missing topic makes kafkajs fail, so we wait and say so every 10 s instead.
 * Topics this Kafka client has already seen are not asked for again: a standby that took over (a client of a
 * cluster member waited for them while it stood by) subscribes at once.
 */
export async function waitForTopics(kafka: Kafka, topics: readonly string[], log: Logger, isStopped: () => boolean = () => false): Promise<void> {
  const known = seen.get(kafka) ?? new Set<string>();
  seen.set(kafka, known);
  if (topics.every((t) => known.has(t))) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lastWarn = 0;
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      for (const t of topics) if (existing.has(t)) known.add(t);
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

import kafkajs, { type Kafka } from 'kafkajs';
import type { Logger, StreamtrainConfig } from '../core/index.js';

/** The checks each client has made, by topics and interval: a process warns once, not at every takeover. */
const checked = new WeakMap<Kafka, Map<string, Promise<void>>>();

/**
 * Replay after a crash needs every event since the last checkpoint to still be in Kafka. Warns when a source
 * topic's retention.ms is shorter than a safe multiple of the publication interval. Once per Kafka client,
 * topics and interval: a cluster member checks while it stands by, and its takeover does not wait for it.
 */
export function warnOnShortRetention(kafka: Kafka, config: StreamtrainConfig, log: Logger): Promise<void> {
  const byKey = checked.get(kafka) ?? new Map<string, Promise<void>>();
  checked.set(kafka, byKey);
  const key = JSON.stringify([config.kafka.topics, config.triggers.everySeconds]);
  let check = byKey.get(key);
  if (!check) {
    check = checkRetention(kafka, config, log);
    byKey.set(key, check);
  }
  return check;
}

async function checkRetention(kafka: Kafka, config: StreamtrainConfig, log: Logger): Promise<void> {
  const gapMs = config.triggers.everySeconds > 0 ? config.triggers.everySeconds * 1000 : undefined;
  if (gapMs === undefined) {
    log.info('no time trigger: make sure topic retention exceeds the longest gap between checkpoints');
    return;
  }
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const topics = config.kafka.topics.filter((t) => existing.has(t));
    if (topics.length === 0) return;
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
    });
    for (const r of res.resources) {
      const ms = Number(r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue ?? -1);
      if (ms >= 0 && ms < 10 * gapMs) {
        log.warn(
          { topic: r.resourceName, retentionMs: ms, checkpointEveryMs: gapMs },
          'topic retention is under 10x the checkpoint interval: a long outage could lose events before they are learned',
        );
      }
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not check topic retention');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

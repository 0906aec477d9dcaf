import kafkajs, { type Admin } from 'kafkajs';
import { DependencyError, type Logger, type StreamtrainConfig } from '../core/index.js';
import { createKafka, explainKafkaError } from './kafka-client.js';

/** One checked dependency: what was checked, whether it is ready, and what was found or what to do. */
export interface CheckLine {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly error?: unknown;
}

export interface KafkaProbeOptions {
  /** How long to wait for missing source topics to appear. @default 0 */
  readonly waitForTopicsMs?: number;
}

/**
 * Checks the Kafka side of a config within seconds: the brokers answer (TLS and SASL accepted), the source
 * topics exist (their partitions and retention against the longest gap between checkpoints), the consumer
 * group's state, and the versions topic. Failures carry a DependencyError (or ConfigError) naming the setting.
 */
export async function probeKafka(config: StreamtrainConfig, logger: Logger, options: KafkaProbeOptions = {}): Promise<CheckLine[]> {
  const admin = createKafka(config.kafka, logger, process.env, true).admin();
  const brokers = config.kafka.brokers.join(', ');
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const lines: CheckLine[] = [
      {
        name: 'kafka brokers',
        ok: true,
        detail: `${brokers}: ${cluster.brokers.length} broker(s) answer${config.kafka.sasl ? `, SASL ${config.kafka.sasl.mechanism} accepted` : ''}${config.kafka.ssl ? ' over TLS' : ''}`,
      },
    ];
    lines.push(await checkTopics(admin, config, options.waitForTopicsMs ?? 0));
    lines.push(await checkGroup(admin, config.kafka.groupId));
    const existing = new Set(await admin.listTopics());
    const versions = config.publish.versionsTopic;
    lines.push({
      name: 'versions topic',
      ok: true,
      detail: existing.has(versions)
        ? `${versions} exists`
        : `${versions} does not exist yet: created on the first publication (the brokers must allow topic creation)`,
    });
    return lines;
  } catch (err) {
    return [{ name: 'kafka brokers', ok: false, detail: (explainKafkaError(err, config.kafka) as Error).message, error: explainKafkaError(err, config.kafka) }];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function checkTopics(admin: Admin, config: StreamtrainConfig, waitMs: number): Promise<CheckLine> {
  const wanted = config.kafka.topics;
  const deadline = Date.now() + waitMs;
  let missing: string[];
  for (;;) {
    const existing = new Set(await admin.listTopics());
    missing = wanted.filter((t) => !existing.has(t));
    if (missing.length === 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (missing.length > 0) {
    const error = new DependencyError(
      'kafka.topics',
      `Source topic(s) ${missing.map((t) => `\`${t}\``).join(', ')} do not exist on ${config.kafka.brokers.join(', ')}${waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s)` : ''}: create them, or fix \`kafka.topics\`.`,
      { retriable: true },
    );
    return { name: 'source topics', ok: false, detail: error.message, error };
  }
  const meta = await admin.fetchTopicMetadata({ topics: [...wanted] });
  const partitions = meta.topics.map((t) => `${t.name} (${t.partitions.length} partition${t.partitions.length === 1 ? '' : 's'})`).join(', ');
  const gapMs = config.triggers.everySeconds > 0 ? config.triggers.everySeconds * 1000 : undefined;
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: wanted.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
  });
  const short = res.resources.filter((r) => {
    const ms = Number(r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue ?? -1);
    return gapMs !== undefined && ms >= 0 && ms < 10 * gapMs;
  });
  if (short.length > 0) {
    const error = new DependencyError(
      'triggers.everySeconds',
      `Retention of ${short.map((r) => r.resourceName).join(', ')} is under 10x the checkpoint interval (${config.triggers.everySeconds} s): a long outage could lose events before they are learned. Raise the topics' retention.ms or lower \`triggers.everySeconds\`.`,
    );
    return { name: 'source topics', ok: false, detail: `${partitions}; ${error.message}`, error };
  }
  return {
    name: 'source topics',
    ok: true,
    detail: `${partitions}; retention covers the checkpoint interval${gapMs === undefined ? ' (no time trigger: keep retention above the longest gap between checkpoints)' : ''}`,
  };
}

async function checkGroup(admin: Admin, groupId: string): Promise<CheckLine> {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0];
  const state = g?.state ?? 'Dead';
  const detail =
    state === 'Dead' || state === 'Empty'
      ? `${groupId}: no member now (${state})`
      : `${groupId}: ${state}, ${g?.members.length ?? 0} member(s): the leader of another instance`;
  return { name: 'consumer group', ok: true, detail };
}

import { DependencyError, type Logger, type StreamtrainConfig } from '../core/index.js';
import { openStore, probeStore, type ObjectStore } from '../checkpoints/index.js';
import { probeKafka, type CheckLine } from '../consumers/index.js';
import { selectBackend } from '../learner/index.js';

/** How long `run` waits for missing source topics before it stops with an error naming `kafka.topics`. */
export const TOPIC_WAIT_MS = 60_000;

/**
 * Every dependency of a config in turn, one line each (what `streamtrain check` prints): Kafka (brokers,
 * source topics with partitions and retention, the consumer group, the versions topic), the checkpoint store
 * (writable, conditional writes honoured), the schema registry when one is configured, and the tfjs backend.
 */
export async function checkDependencies(config: StreamtrainConfig, logger: Logger, store?: ObjectStore): Promise<CheckLine[]> {
  const lines = await probeKafka(config, logger);
  lines.push(await storeLine(config, store));
  if (config.input.schemaRegistryUrl) lines.push(await registryLine(config.input.schemaRegistryUrl));
  try {
    lines.push({
      name: 'tfjs backend',
      ok: true,
      detail: `${await selectBackend(config.learner.backend, logger)} (learner.backend: ${config.learner.backend})`,
    });
  } catch (err) {
    lines.push({ name: 'tfjs backend', ok: false, detail: (err as Error).message, error: err });
  }
  return lines;
}

/**
 * What `run` checks before it joins anything, so that a wrong address, a refused secret, a missing bucket or
 * topic stops the start within seconds with one message naming the setting (the topics are waited for up to
 * TOPIC_WAIT_MS, since producers may create them at the same time). Throws the first failure.
 */
export async function assertStartable(config: StreamtrainConfig, logger: Logger, store?: ObjectStore): Promise<void> {
  const kafka = await probeKafka(config, logger, { waitForTopicsMs: TOPIC_WAIT_MS });
  // A short retention is warned about at start (retention-check.ts), not refused.
  const failed = kafka.find((l) => !l.ok && !(l.error instanceof DependencyError && l.error.setting === 'triggers.everySeconds'));
  if (failed) throw failed.error;
  const storeCheck = await storeLine(config, store);
  if (!storeCheck.ok) throw storeCheck.error;
  if (config.input.schemaRegistryUrl) {
    const registry = await registryLine(config.input.schemaRegistryUrl);
    if (!registry.ok) throw registry.error;
  }
}

async function storeLine(config: StreamtrainConfig, store?: ObjectStore): Promise<CheckLine> {
  const s = store ?? openStore(config.checkpoints.store);
  try {
    return { name: 'checkpoint store', ok: true, detail: await probeStore(s, config.checkpoints.store, config.model.name) };
  } catch (err) {
    return { name: 'checkpoint store', ok: false, detail: (err as Error).message, error: err };
  } finally {
    if (!store) await s.close?.();
  }
}

async function registryLine(url: string): Promise<CheckLine> {
  try {
    const res = await fetch(new URL('subjects', url.endsWith('/') ? url : `${url}/`), { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return registryFailed(url, `HTTP ${res.status}`);
    const subjects = (await res.json()) as unknown[];
    return { name: 'schema registry', ok: true, detail: `${url}: ${subjects.length} subject(s)` };
  } catch (cause) {
    return registryFailed(url, (cause as Error).message, cause);
  }
}

function registryFailed(url: string, what: string, cause?: unknown): CheckLine {
  const error = new DependencyError(
    'input.schemaRegistryUrl (env SCHEMA_REGISTRY_URL)',
    `Cannot reach the schema registry at ${url} (${what}): check \`input.schemaRegistryUrl\` / SCHEMA_REGISTRY_URL and that the registry runs.`,
    { cause, retriable: true },
  );
  return { name: 'schema registry', ok: false, detail: error.message, error };
}

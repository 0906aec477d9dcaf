import type { Kafka } from 'kafkajs';
import type { Logger, Manifest, PartitionKey, RetrainLineage, StreamtrainConfig } from '../core/index.js';
import { CheckpointIntegrityError, formatVersion, partitionKey, STREAMTRAIN_VERSION } from '../core/index.js';
import { readManifest, usedVersions, WriterFence, writeCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import { EventPublisher } from '../producers/index.js';
import { retry } from './checkpointer.js';
import { modelSpecOf } from './model-fit.js';
import type { Candidate } from './retrain-candidate.js';
import { rangesBetween, replayParent, retrainLineage, type PartitionPlan } from './retrain-plan.js';
import { versionEvent } from './version-event.js';

/** Versions of the live lineage read, at most, to find where the replay began. */
const MAX_LINEAGE_WALK = 10_000;

/**
 * Makes a candidate that won its race the model: claims the writer fence (a new epoch in LATEST, so the running
 * writer's next LATEST move is refused and it steps down, as in a takeover), writes the candidate as a new
 * major whose parents are the version LATEST held at the claim and the version the replay began after, and
 * whose manifest names the replayed and raced offsets; then publishes the version event.
 * @throws FencedError when another writer claimed the model between this claim and the write.
 */
export async function publishRetrained(o: {
  readonly config: StreamtrainConfig;
  readonly logger: Logger;
  readonly store: ObjectStore;
  readonly kafka: Kafka;
  readonly instanceId: string;
  readonly candidate: Candidate;
  readonly from: string;
  readonly plan: readonly PartitionPlan[];
  readonly end: ReadonlyMap<PartitionKey, bigint>;
  readonly racedVersions: readonly string[];
  readonly race: RetrainLineage['race'];
  /** The live version the race began against: the lineage is walked back from it. */
  readonly lineageHead: Manifest;
}): Promise<{ version: string; epoch: number; manifest: Manifest }> {
  const { config, store } = o;
  const model = config.model.name;
  const log = o.logger.child({ module: 'retrain', model });
  const parent = await findReplayParent(store, model, o.lineageHead, o.plan);
  const lineage = retrainLineage({ from: o.from, plan: o.plan, end: o.end, racedVersions: o.racedVersions, replayParent: parent, race: o.race });
  const content = await o.candidate.capture();
  const publisher = new EventPublisher(o.kafka, { versions: config.publish.versionsTopic }, o.logger);
  const connected = publisher.connect();
  connected.catch(() => undefined);
  const fence = await WriterFence.claim(store, model, o.instanceId);
  const major = Math.max(0, ...(await usedVersions(store, model)).map((v) => v.major)) + 1;
  const version = formatVersion({ major, minor: 0 });
  const head = fence.latest.version;
  const parents = [...new Set([...(head ? [head] : []), ...(parent ? [parent] : [])])];
  const starts = new Map(o.plan.map((p) => [partitionKey(p.topic, p.partition), p.start]));
  const createdAt = new Date().toISOString();
  const { manifest, uri } = await retry(
    () =>
      writeCheckpoint(
        store,
        {
          model,
          version,
          parents,
          createdAt,
          trigger: {
            reason: 'retrain',
            detail: `replayed from ${o.from}; race lead ${o.race.lead.toFixed(4)} p ${o.race.pValue.toExponential(2)} over ${o.race.n}`,
          },
          samples: { total: o.candidate.samples, sinceParent: o.candidate.samples },
          offsets: rangesBetween(starts, o.end),
          metrics: content.metrics,
          drift: content.drift,
          streamtrainVersion: STREAMTRAIN_VERSION,
          backend: o.candidate.backend,
          modelSpec: modelSpecOf(config),
          retrain: lineage,
        },
        content.snapshot,
        content.state,
        fence,
      ),
    `write checkpoint ${version}`,
    log,
  );
  log.info({ version, parents, epoch: fence.epoch }, 'retrained model published: it is the model now');
  try {
    await connected;
    await publisher.publishVersion(versionEvent(manifest, uri));
  } catch (err) {
    log.error({ err: (err as Error).message, version }, 'version event not published; the version is durable and LATEST names it');
  } finally {
    await publisher.disconnect().catch(() => undefined);
  }
  return { version, epoch: fence.epoch, manifest };
}

/** The replay's start in the live lineage (see `replayParent`), walking back from `head` along first parents. */
async function findReplayParent(store: ObjectStore, model: string, head: Manifest, plan: readonly PartitionPlan[]): Promise<string | null> {
  let m = head;
  for (let read = 0; read < MAX_LINEAGE_WALK; read++) {
    const found = replayParent([m], plan);
    if (found !== null || m.parents[0] === undefined) return found;
    try {
      m = await readManifest(store, model, m.parents[0]);
    } catch (err) {
      // Older versions were pruned: the replay began before what the store keeps.
      if (err instanceof CheckpointIntegrityError) return null;
      throw err;
    }
  }
  return null;
}

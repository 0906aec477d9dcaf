/**
 * The keyed phase of `npm run bench:chaos` (issue #15: "for a keyed stream of >= 100 keys on 6 partitions").
 *
 * Chaos: three `streamtrain run` processes of one keyed model (`model.partitionBy: tenant`, S3 store, default
 * session timeouts) learn a paced stream of `keys` tenants over 6 partitions, produced with the tenant as the
 * Kafka key, while the bench SIGKILLs or SIGTERMs a random running instance `kills` times (restarting it after a
 * short random delay), restarts the broker once and takes the object store away for 30 s once. For each
 * disruption of an instance that owned partitions it measures how long until every one of them is learned again
 * by another process (listed in that process's /status with a `next` offset past the one last seen). Then it
 * stops producing, waits until every partition is checkpointed to its end, stops the instances, counts the
 * topic's records per key and checks every partition and key lineage (keyed-analysis.ts).
 *
 * Throughput: a backlog of `records` keyed records on 6 partitions, learned from the beginning by a fresh keyed
 * model with 1, 2 and 3 instances, timed until every partition is checkpointed to its end; and by one unkeyed
 * `streamtrain run` of the same backlog (the single-model peer), timed until LATEST counts every record.
 */
import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { partitionName, readLatest, readManifest, readPartitionHead, type ObjectStore } from '../../src/checkpoints/index.js';
import { parseConfig } from '../../src/core/index.js';
import type { BenchServices } from '../support/env.js';
import { s3Env } from '../support/env.js';
import { createServiceTopics, createTopic, withAdmin } from '../support/kafka.js';
import { machine, percentile, readJson, RESULTS_DIR, round } from '../support/results.js';
import { checkKeyedLineage, type KeyedCheck } from './keyed-analysis.js';
import { countTopic, fillKeyed, PacedKeyedProducer, type TopicCount } from './keyed-load.js';
import { Cluster, sleep, type Slot } from './instances.js';
import { servicesUp, stopService } from './load.js';

export interface KeyedContext {
  readonly kafka: Kafka;
  readonly services: BenchServices;
  readonly runId: string;
  readonly dir: string;
  readonly store: ObjectStore;
  readonly log: (msg: string) => void;
  readonly random: () => number;
  /** Every cluster started, so the bench's exit handler can kill them. */
  readonly clusters: Cluster[];
  /** Services the bench stopped and has not restarted yet (the exit handler restarts them). */
  readonly stoppedServices: Set<'kafka' | 'minio'>;
  /** Started at this time (ms since epoch) for relative timestamps. */
  readonly started: number;
}

export interface KeyedOptions {
  readonly seed: number;
  /** Deadline of the keyed chaos run (ms since epoch): disruptions stop `reserveMs` before it. */
  readonly deadline: number;
  readonly kills: number;
  readonly keys: number;
  readonly partitions: number;
  readonly perTick: number;
  readonly tickMs: number;
  readonly outageMs: number;
  readonly maxLiveModels: number;
  /** Kept free after the disruptions for the drain, the stop, the count and the checks. */
  readonly reserveMs: number;
  /** SIGTERM the instances that list a partition stalled in the drain (its checkpoint still for STALL_MS) under an epoch older than the partition's LATEST. */
  readonly unstick: boolean;
}

/** A partition behind the topic's end whose checkpoint has not moved for this long in the drain is stalled. */
const STALL_MS = 60_000;

interface DrainStall {
  readonly at: number;
  readonly partitions: {
    partition: number;
    checkpointedTo: number;
    end: number;
    stalledForMs: number;
    /** The epoch of the partition's LATEST (who may write it now). */
    currentEpoch: number | null;
    /** Instances whose /status lists the partition as theirs, with the offset and epoch they report. */
    listedBy: { instance: string; next: string; epoch: number | null }[];
  }[];
  readonly restarted: string[];
}

export const KEYED_TRIGGERS = { everySamples: 10_000, everySeconds: 3 };
const SESSION_TIMEOUT_MS = process.env.BENCH_CHAOS_KEYED_SESSION_TIMEOUT_MS ? Number(process.env.BENCH_CHAOS_KEYED_SESSION_TIMEOUT_MS) : undefined;

export function keyedTree(
  ctx: Pick<KeyedContext, 'runId' | 'services'>,
  name: string,
  topic: string,
  o: { batchSize: number; keyed: boolean; maxLiveModels?: number },
): Record<string, unknown> {
  const { runId, services } = ctx;
  return {
    model: {
      name,
      type: 'logistic',
      optimizer: { type: 'adam', learningRate: 0.05 },
      ...(o.keyed ? { partitionBy: 'tenant', ...(o.maxLiveModels ? { maxLiveModels: o.maxLiveModels } : {}) } : {}),
    },
    // The documented session timeouts unless BENCH_CHAOS_KEYED_SESSION_TIMEOUT_MS says otherwise (heartbeat a tenth of it).
    kafka: {
      brokers: services.brokers,
      topics: [topic],
      groupId: `${runId}-${name}`,
      fromBeginning: true,
      ...(SESSION_TIMEOUT_MS ? { sessionTimeoutMs: SESSION_TIMEOUT_MS, heartbeatIntervalMs: Math.round(SESSION_TIMEOUT_MS / 10) } : {}),
    },
    input: {
      features: [
        { field: 'x1', scale: { mean: 5, std: 2.9 } },
        { field: 'x2', scale: { mean: 5, std: 2.9 } },
        { field: 'x3', scale: { mean: 5, std: 2.9 } },
      ],
      label: { field: 'y' },
    },
    deadLetter: { topic: `${runId}.${name}.dlq` },
    batch: { size: o.batchSize, maxWaitMs: 200 },
    triggers: KEYED_TRIGGERS,
    publish: { versionsTopic: `${runId}.${name}.versions` },
    drift: { topic: `${runId}.${name}.drift` },
    cluster: { leaseTopic: `${runId}.${name}.leases` },
    checkpoints: { store: { type: 's3', prefix: runId } },
    logLevel: 'info',
  };
}

async function prepareTopics(ctx: KeyedContext, tree: Record<string, unknown>): Promise<void> {
  await createServiceTopics(ctx.kafka, parseConfig(tree, { env: s3Env(ctx.services) }));
}

export async function topicEnds(k: Kafka, topic: string): Promise<number[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withAdmin(k, async (admin) => (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high)));
    } catch (err) {
      if (attempt >= 10) throw err;
      await sleep(1_000);
    }
  }
}

/** Offset each partition's LATEST checkpoint reaches (-1: none yet, or the store did not answer). */
async function checkpointedTo(store: ObjectStore, model: string, topic: string, partitions: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: partitions }, async (_, p) => {
      try {
        return Number((await readPartitionHead(store, model, topic, p))?.offsets.to ?? -1);
      } catch {
        return -1;
      }
    }),
  );
}

/** Partitions (numbers) a slot's last status lists, with their `next` offsets. */
function ownedBy(s: Slot): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const p of s.status?.keyed?.partitions ?? []) out.set(p.partition, p.next === null ? -1n : BigInt(p.next));
  return out;
}

function ownedCount(cluster: Cluster): number {
  const all = new Set<number>();
  for (const s of cluster.slots) if (s.role) for (const p of ownedBy(s).keys()) all.add(p);
  return all.size;
}

type KeyedKind = 'kill' | 'term';

interface KeyedDisruption {
  readonly n: number;
  readonly kind: KeyedKind;
  readonly slot: string;
  readonly instance: string;
  readonly at: number;
  readonly running: number;
  readonly restartDelayMs: number;
  /** Partitions the instance owned (its last /status). */
  readonly partitions: number[];
  /** Disruption -> every one of those partitions learned again by another process (null: not within 60 s). */
  relearnedMs?: number | null;
  /** Per partition: ms, and by which instance. */
  perPartition?: Record<string, { ms: number; by: string }>;
  exitMs?: number;
  exitCode?: number | null;
}

interface KeyedServiceEvent {
  readonly kind: 'broker-restart' | 'store-outage';
  readonly at: number;
  stopMs?: number;
  downMs?: number;
  upMs?: number;
  /** Service back -> some instance learned a new batch. */
  recoveredMs?: number | null;
  /** Service back -> some partition's checkpoint version moved (as /status reports it). */
  checkpointedAgainMs?: number | null;
  exitsDuring?: number;
  error?: string;
}

function totalBatches(cluster: Cluster, since: number): number {
  return cluster.slots.reduce((n, s) => n + (s.role && s.statusAt > since ? (s.status?.batches ?? 0) : 0), 0);
}

function versionsSeen(cluster: Cluster): Set<string> {
  const out = new Set<string>();
  for (const s of cluster.slots) for (const p of s.status?.keyed?.partitions ?? []) if (p.version) out.add(`${p.partition}@${p.version}`);
  return out;
}

async function keyedServiceEvent(ctx: KeyedContext, cluster: Cluster, kind: KeyedServiceEvent['kind'], outageMs: number): Promise<KeyedServiceEvent> {
  const ev: KeyedServiceEvent = { kind, at: Date.now() - ctx.started };
  const exitsBefore = cluster.exits.filter((e) => !e.requested).length;
  const service = kind === 'broker-restart' ? 'kafka' : 'minio';
  ctx.log(`keyed ${kind}: stopping ${service}`);
  try {
    ctx.stoppedServices.add(service);
    const stopped = await stopService(service);
    ev.stopMs = stopped.ms;
    const downAt = Date.now();
    if (kind === 'store-outage') await sleep(Math.max(0, outageMs - stopped.ms));
    const up = await servicesUp();
    ctx.stoppedServices.delete(service);
    ev.downMs = Date.now() - downAt;
    ev.upMs = up.ms;
    ctx.log(`keyed ${kind}: ${service} back after ${ev.downMs} ms down`);
    const t = Date.now();
    const before = new Map(cluster.slots.map((s) => [s.instance, s.status?.batches ?? 0]));
    const versions = versionsSeen(cluster);
    const [recovered, checkpointed] = await Promise.all([
      cluster.waitFor(
        () => cluster.slots.find((s) => s.role === 'leader' && s.statusAt > t && (s.status?.batches ?? 0) > (before.get(s.instance) ?? 0)),
        120_000,
      ),
      cluster.waitFor(() => [...versionsSeen(cluster)].some((v) => !versions.has(v)) || undefined, 120_000, 100),
    ]);
    ev.recoveredMs = recovered ? Date.now() - t : null;
    ev.checkpointedAgainMs = checkpointed ? Date.now() - t : null;
  } catch (err) {
    ev.error = (err as Error).message;
    ctx.log(`keyed ${kind} FAILED: ${ev.error}`);
  }
  ev.exitsDuring = cluster.exits.filter((e) => !e.requested).length - exitsBefore;
  return ev;
}

/** Waits (60 s at most) until every partition `ev`'s instance owned is learned again by another process. */
async function watchRelearn(cluster: Cluster, ev: KeyedDisruption, owned: Map<number, bigint>, t0: number, log: (msg: string) => void): Promise<void> {
  const per: Record<string, { ms: number; by: string }> = {};
  const all = await cluster.waitFor(() => {
    for (const [p, next] of owned) {
      if (per[p]) continue;
      for (const s of cluster.slots) {
        if (!s.role || s.instance === ev.instance || s.statusAt <= t0) continue;
        const now = ownedBy(s).get(p);
        if (now !== undefined && now > next) per[p] = { ms: s.statusAt - t0, by: s.instance as string };
      }
    }
    return Object.keys(per).length === owned.size ? true : undefined;
  }, 60_000);
  ev.perPartition = per;
  ev.relearnedMs = all ? Math.max(...Object.values(per).map((x) => x.ms)) : null;
  log(
    `keyed #${ev.n} ${ev.kind} ${ev.instance} (partitions ${ev.partitions.join(',')}): ${all ? `learned again after ${ev.relearnedMs} ms` : 'NOT all learned again within 60 s'}`,
  );
}

/** The keyed chaos run; returns its result section (and the lineage check). */
export async function keyedChaos(ctx: KeyedContext, o: KeyedOptions): Promise<{ section: Record<string, unknown>; check?: KeyedCheck; kills: number }> {
  const rel = (t: number) => t - ctx.started;
  const between = (lo: number, hi: number) => Math.round(lo + ctx.random() * (hi - lo));
  const name = 'keyed';
  const model = name;
  const topic = `${ctx.runId}.keyed`;
  const tree = keyedTree(ctx, name, topic, { batchSize: 500, keyed: true, maxLiveModels: o.maxLiveModels });
  await createTopic(ctx.kafka, topic, o.partitions);
  await prepareTopics(ctx, tree);
  const cluster = await Cluster.create({ dir: ctx.dir, tree, env: s3Env(ctx.services), slots: ['ka', 'kb', 'kc'] });
  ctx.clusters.push(cluster);
  const maxRecords = Math.ceil((o.deadline - Date.now()) / o.tickMs) * o.perTick;
  const producer = new PacedKeyedProducer(ctx.kafka, topic, o.keys, o.perTick, o.tickMs, maxRecords, o.seed);
  producer.start();
  cluster.startAll();
  const chaosEnd = o.deadline - o.reserveMs;
  const events: KeyedDisruption[] = [];
  const serviceEvents: KeyedServiceEvent[] = [];
  let skipped = 0;
  let drain: Record<string, unknown> = {};
  let stop: Record<string, unknown> = {};
  let count: TopicCount | undefined;
  let check: KeyedCheck | undefined;
  let checkError: string | undefined;
  let ends: number[] = [];
  const watchers: Promise<void>[] = [];
  const stalls: DrainStall[] = [];
  let upToCheckpoint: { ends: number[]; check?: KeyedCheck; error?: string } | undefined;
  try {
    const ready = await cluster.waitFor(() => (ownedCount(cluster) === o.partitions && totalBatches(cluster, 0) > 0 ? true : undefined), 150_000);
    if (!ready) throw new Error(`the keyed instances did not own all ${o.partitions} partitions and learn within 150 s`);
    ctx.log(`keyed: ${o.partitions} partitions owned by ${cluster.slots.filter((s) => s.role === 'leader').length} instances; starting ${o.kills} disruptions`);
    const chaosStart = Date.now();
    const span = chaosEnd - chaosStart;
    // The two service events take about 2 minutes with their recovery; the disruptions share the rest, jittered.
    const meanGapMs = Math.max(2_000, (span - 150_000) / (o.kills + 1));
    let n = 0;
    while (n < o.kills && Date.now() < chaosEnd) {
      const share = (Date.now() - chaosStart) / span;
      if (!serviceEvents.some((e) => e.kind === 'broker-restart') && (n >= Math.floor(o.kills * 0.3) || share > 0.3)) {
        serviceEvents.push(await keyedServiceEvent(ctx, cluster, 'broker-restart', o.outageMs));
        continue;
      }
      if (!serviceEvents.some((e) => e.kind === 'store-outage') && (n >= Math.floor(o.kills * 0.6) || share > 0.6)) {
        serviceEvents.push(await keyedServiceEvent(ctx, cluster, 'store-outage', o.outageMs));
        continue;
      }
      const kind: KeyedKind = ctx.random() < 0.5 ? 'kill' : 'term';
      const restartDelayMs = between(500, 3_000);
      const gapMs = between(Math.round(meanGapMs * 0.5), Math.round(meanGapMs * 1.5));
      const pick = ctx.random();
      // A running instance, preferably one that owns partitions.
      const target = await cluster.waitFor(
        () => {
          const owners = cluster.slots.filter((s) => s.role === 'leader' && ownedBy(s).size > 0);
          const pool = owners.length > 0 ? owners : cluster.slots.filter((s) => s.role !== undefined);
          return pool.length > 0 ? pool[Math.floor(pick * pool.length)] : undefined;
        },
        Math.max(0, Math.min(30_000, chaosEnd - Date.now())),
      );
      if (!target) {
        skipped++;
        ctx.log('keyed: no running instance within the wait; skipped');
        continue;
      }
      const owned = ownedBy(target);
      const running = cluster.slots.filter((s) => s.role !== undefined).length;
      const t0 = Date.now();
      const instance = target.kill(kind === 'kill' ? 'SIGKILL' : 'SIGTERM');
      if (!instance) continue;
      n++;
      const ev: KeyedDisruption = {
        n,
        kind,
        slot: target.name,
        instance,
        at: rel(t0),
        running,
        restartDelayMs,
        partitions: [...owned.keys()].sort((a, b) => a - b),
      };
      events.push(ev);
      const proc = target.proc;
      void proc?.exited.then(() => {
        ev.exitMs = (proc.exitedAt ?? Date.now()) - t0;
        ev.exitCode = proc.child.exitCode;
      });
      target.restartAfterExit(restartDelayMs);
      // Measured in the background (up to 60 s): the next disruption comes on schedule, not after it.
      if (owned.size > 0) watchers.push(watchRelearn(cluster, ev, owned, t0, ctx.log));
      else ctx.log(`keyed #${n} ${kind} ${instance} (no partitions)`);
      await sleep(Math.max(0, Math.min(gapMs, chaosEnd - Date.now())));
    }
    for (const kind of ['broker-restart', 'store-outage'] as const) {
      if (!serviceEvents.some((e) => e.kind === kind) && Date.now() < chaosEnd) serviceEvents.push(await keyedServiceEvent(ctx, cluster, kind, o.outageMs));
    }
    ctx.log(`keyed: disruptions over (${n}); draining`);
    await Promise.all(watchers);

    await producer.stop();
    ends = await topicEnds(ctx.kafka, topic);
    const produced = ends.reduce((a, b) => a + b, 0);
    const drainStart = Date.now();
    const drainLimit = Math.max(10_000, o.deadline - 60_000 - Date.now());
    let at: number[] = [];
    const lastMove = ends.map(() => Date.now());
    const prev = ends.map(() => -2);
    while (Date.now() - drainStart < drainLimit) {
      at = await checkpointedTo(ctx.store, model, topic, o.partitions);
      if (at.every((x, p) => x >= (ends[p] ?? 0))) break;
      const now = Date.now();
      at.forEach((x, p) => {
        if (x !== prev[p]) {
          prev[p] = x;
          lastMove[p] = now;
        }
      });
      // A partition behind its end whose checkpoint has not moved for a minute with no disruption going on: stalled.
      const stuck = at.map((x, p) => p).filter((p) => (at[p] ?? 0) < (ends[p] ?? 0) && now - (lastMove[p] ?? now) > STALL_MS);
      if (stuck.length > 0) {
        // The partition's current epoch (its LATEST): an instance that lists the partition under an older epoch
        // holds a fenced slot it will not give up while the group leaves the partition with it.
        const current = new Map<number, number | null>();
        for (const p of stuck) current.set(p, (await readLatest(ctx.store, partitionName(model, topic, p)).catch(() => undefined))?.record.epoch ?? null);
        const listing = (p: number) =>
          cluster.slots
            .filter((s) => s.role !== undefined && ownedBy(s).has(p))
            .map((s) => ({ slot: s, next: String(ownedBy(s).get(p)), epoch: s.status?.keyed?.partitions.find((x) => x.partition === p)?.epoch ?? null }));
        const fenced = new Set<Slot>();
        for (const p of stuck)
          for (const l of listing(p)) if (l.epoch !== null && (current.get(p) ?? null) !== null && l.epoch < (current.get(p) as number)) fenced.add(l.slot);
        const stall: DrainStall = {
          at: rel(now),
          partitions: stuck.map((p) => ({
            partition: p,
            checkpointedTo: at[p] ?? -1,
            end: ends[p] ?? 0,
            stalledForMs: now - (lastMove[p] ?? now),
            currentEpoch: current.get(p) ?? null,
            listedBy: listing(p).map((l) => ({ instance: l.slot.instance as string, next: l.next, epoch: l.epoch })),
          })),
          restarted: o.unstick ? [...fenced].map((s) => s.instance as string) : [],
        };
        stalls.push(stall);
        ctx.log(
          `keyed drain: STALLED ${JSON.stringify(stall.partitions)}${o.unstick ? `; SIGTERM to ${stall.restarted.join(', ') || 'nobody (no instance lists them under an older epoch)'}` : ''}`,
        );
        if (o.unstick) for (const s of fenced) if (s.kill('SIGTERM')) s.restartAfterExit(1_000);
        for (const p of stuck) lastMove[p] = now;
      }
      await sleep(1_000);
    }
    const complete = at.every((x, p) => x >= (ends[p] ?? 0));
    drain = {
      produced,
      ends,
      acked: producer.acked,
      failedSends: producer.failedSends,
      checkpointedTo: at,
      drainMs: Date.now() - drainStart,
      complete,
      limitMs: drainLimit,
      stalls,
      unstickRestarts: stalls.reduce((n, x) => n + x.restarted.length, 0),
    };
    ctx.log(`keyed drain: checkpoints reach ${at.join(',')} of ${ends.join(',')} after ${Date.now() - drainStart} ms`);

    const stopStart = Date.now();
    const stopped = await cluster.stopAll(30_000);
    stop = { ms: Date.now() - stopStart, processes: stopped };
    count = await countTopic(ctx.kafka, topic, ends, `${ctx.runId}-keyed-count`);
    ctx.log(`keyed: counted ${count.perKey.size} keys in the topic in ${count.ms} ms (misplaced ${count.misplaced}, keyless ${count.keyless})`);
    try {
      check = await checkKeyedLineage(ctx.store, model, topic, ends, count.perKey);
    } catch (err) {
      checkError = (err as Error).stack ?? (err as Error).message;
    }
    // When the lineages fall short of the topic's end, the same checks up to where each partition's lineage ends:
    // tells records never learned (a liveness failure) from records lost or applied twice on the way.
    const reached = await checkpointedTo(ctx.store, model, topic, o.partitions);
    if (reached.some((x, p) => x < (ends[p] ?? 0))) {
      const upTo = reached.map((x) => Math.max(0, x));
      try {
        const partial = await countTopic(ctx.kafka, topic, upTo, `${ctx.runId}-keyed-count-partial`);
        upToCheckpoint = { ends: upTo, check: await checkKeyedLineage(ctx.store, model, topic, upTo, partial.perKey) };
      } catch (err) {
        upToCheckpoint = { ends: upTo, error: (err as Error).message };
      }
      ctx.log(
        `keyed: up to the lineages' ends ${upTo.join(',')}: ${JSON.stringify(upToCheckpoint.check ? { exact: upToCheckpoint.check.exact, lost: upToCheckpoint.check.lost, twice: upToCheckpoint.check.appliedTwice, keysExact: upToCheckpoint.check.keysVerified } : upToCheckpoint)}`,
      );
    }
  } finally {
    await producer.stop();
  }

  const relearn = (list: KeyedDisruption[]) => {
    const ms = list
      .map((e) => e.relearnedMs)
      .filter((x): x is number => typeof x === 'number')
      .sort((a, b) => a - b);
    return {
      count: list.length,
      withPartitions: list.filter((e) => e.partitions.length > 0).length,
      measured: ms.length,
      notWithin60s: list.filter((e) => e.relearnedMs === null).length,
      p50_ms: ms.length ? percentile(ms, 50) : null,
      p99_ms: ms.length ? percentile(ms, 99) : null,
      max_ms: ms.length ? ms[ms.length - 1] : null,
      sorted_ms: ms,
    };
  };
  const section = {
    model,
    topic,
    config: {
      keys: o.keys,
      partitions: o.partitions,
      instances: 3,
      kills: o.kills,
      stream: `${o.perTick} keyed SEA-like records every ${o.tickMs} ms, tenant uniform over ${o.keys} keys, Kafka key = tenant (murmur2)`,
      storeOutageMs: o.outageMs,
      restartDelayMs: [500, 3_000],
      maxLiveModels: o.maxLiveModels,
      model: tree,
    },
    definitions: {
      relearned:
        'SIGKILL/SIGTERM of an instance -> each partition it owned listed by another process in /status with a `next` offset past the one last seen (polled every 100 ms); the max over its partitions',
      keyed_lost: 'per key: |records in the topic with that key - sum of samples.sinceParent along its lineage|, summed (missing + applied twice)',
      keyed_models: 'keys whose lineage adds up exactly (increments, head total and partition head count all equal the records with that key)',
    },
    events,
    serviceEvents,
    skipped,
    kinds: { kill: events.filter((e) => e.kind === 'kill').length, term: events.filter((e) => e.kind === 'term').length },
    relearnAfterKill: relearn(events.filter((e) => e.kind === 'kill')),
    relearnAfterTerm: relearn(events.filter((e) => e.kind === 'term')),
    exits: {
      total: cluster.exits.length,
      requestedByBench: cluster.exits.filter((e) => e.requested).length,
      unexpected: cluster.exits.filter((e) => !e.requested).length,
      unexpectedList: cluster.exits.filter((e) => !e.requested).map((e) => ({ ...e, at: rel(e.at) })),
      restarts: cluster.slots.reduce((s, x) => s + x.generation - 1, 0),
    },
    drain,
    stop,
    topicCount: count ? { keys: count.perKey.size, perPartition: count.perPartition, misplaced: count.misplaced, keyless: count.keyless, ms: count.ms } : null,
    lineage: check ?? null,
    lineageError: checkError ?? null,
    upToCheckpoint: upToCheckpoint ?? null,
    logs: ctx.dir,
  };
  return { section, check, kills: events.length };
}

// ------------------------------------------------------------------------------------------------------------
// Throughput with 1, 2, 3 instances on the keyed backlog, and the unkeyed peer

export interface KeyedThroughputRun {
  readonly label: string;
  readonly instances: number;
  readonly keyed: boolean;
  readonly records: number;
  /** Records / (all checkpointed to the end - first batch learned). */
  readonly recordsPerSecond: number | null;
  /** Records / (all checkpointed to the end - processes spawned). */
  readonly recordsPerSecondFromSpawn: number | null;
  readonly startupMs: number | null;
  readonly learnSeconds: number | null;
  readonly completed: boolean;
  readonly loadAverageBefore: number[];
  /** Other streamtrain/bench processes on the machine when the run began (they share the 2 cores). */
  readonly foreignProcesses: number;
  /** How long the run waited for such processes to end first (2 minutes at most). */
  readonly waitedForOthersMs?: number;
  readonly note?: string;
}

/** `streamtrain run` processes of another checkout (another benchmark sharing the machine's cores). */
function foreignProcesses(): number {
  const mine = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  try {
    return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /src\/cli\/main\.ts run/.test(l) && !l.includes(mine)).length;
  } catch {
    return -1;
  }
}

async function throughputRun(
  ctx: KeyedContext,
  topic: string,
  records: number,
  partitions: number,
  ends: number[],
  k: number,
  keyed: boolean,
  timeoutMs: number,
): Promise<KeyedThroughputRun> {
  const name = keyed ? `ktp${k}` : `utp${k}`;
  const label = keyed ? `keyed, ${k} instance${k > 1 ? 's' : ''}` : `unkeyed (one model), ${k} instance`;
  const tree = keyedTree(ctx, name, topic, { batchSize: 1_000, keyed });
  await prepareTopics(ctx, tree);
  const cluster = await Cluster.create({ dir: ctx.dir, tree, env: s3Env(ctx.services), slots: Array.from({ length: k }, (_, i) => `${name}${'abc'[i] ?? i}`) });
  ctx.clusters.push(cluster);
  // Another benchmark on the machine takes cores from this one: wait (2 minutes at most) until it is gone.
  const waitStart = Date.now();
  while (foreignProcesses() > 0 && Date.now() - waitStart < Math.min(120_000, timeoutMs / 4)) await sleep(2_000);
  const waitedForOthersMs = Date.now() - waitStart;
  const loadAverageBefore = os.loadavg().map((x) => round(x, 2));
  const foreign = foreignProcesses();
  const t0 = Date.now();
  cluster.startAll();
  const base = { label, instances: k, keyed, records, loadAverageBefore, foreignProcesses: foreign, waitedForOthersMs };
  try {
    const first = await cluster.waitFor(() => cluster.slots.find((s) => s.role === 'leader' && (s.status?.batches ?? 0) > 0), Math.min(120_000, timeoutMs));
    if (!first)
      return {
        ...base,
        recordsPerSecond: null,
        recordsPerSecondFromSpawn: null,
        startupMs: null,
        learnSeconds: null,
        completed: false,
        note: 'nothing learned within 120 s',
      };
    const tFirst = Date.now();
    const end = t0 + timeoutMs;
    let done = false;
    let reached = 0;
    while (Date.now() < end) {
      if (keyed) {
        const at = await checkpointedTo(ctx.store, name, topic, partitions);
        reached = at.reduce((s, x) => s + Math.max(0, x), 0);
        done = at.every((x, p) => x >= (ends[p] ?? 0));
      } else {
        try {
          const v = (await readLatest(ctx.store, name))?.record.version;
          reached = v ? (await readManifest(ctx.store, name, v)).samples.total : 0;
        } catch {
          // not yet
        }
        done = reached >= records;
      }
      if (done) break;
      await sleep(100);
    }
    const tDone = Date.now();
    const learnSeconds = (tDone - tFirst) / 1000;
    return {
      ...base,
      recordsPerSecond: learnSeconds > 0 ? Math.round(reached / learnSeconds) : null,
      recordsPerSecondFromSpawn: Math.round(reached / ((tDone - t0) / 1000)),
      startupMs: tFirst - t0,
      learnSeconds: round(learnSeconds, 2),
      completed: done,
      ...(done ? {} : { note: `timed out after ${timeoutMs} ms with ${reached} of ${records} checkpointed` }),
    };
  } finally {
    await cluster.stopAll(20_000);
  }
}

export async function keyedThroughput(
  ctx: KeyedContext,
  o: { records: number; keys: number; partitions: number; seed: number; deadline: number },
): Promise<Record<string, unknown>> {
  const topic = `${ctx.runId}.keyed-backlog`;
  await createTopic(ctx.kafka, topic, o.partitions);
  const t = Date.now();
  await fillKeyed(ctx.kafka, topic, o.records, o.keys, o.seed);
  const ends = await topicEnds(ctx.kafka, topic);
  ctx.log(`keyed throughput: ${o.records} records of ${o.keys} keys on ${o.partitions} partitions produced in ${Date.now() - t} ms`);
  const runs: KeyedThroughputRun[] = [];
  for (const [k, keyed] of [
    [1, false],
    [1, true],
    [2, true],
    [3, true],
  ] as const) {
    const left = o.deadline - Date.now();
    if (left < 60_000) {
      runs.push({
        label: keyed ? `keyed, ${k} instances` : 'unkeyed',
        instances: k,
        keyed,
        records: o.records,
        recordsPerSecond: null,
        recordsPerSecondFromSpawn: null,
        startupMs: null,
        learnSeconds: null,
        completed: false,
        loadAverageBefore: [],
        foreignProcesses: 0,
        note: 'skipped: too close to the deadline',
      });
      continue;
    }
    const r = await throughputRun(ctx, topic, o.records, o.partitions, ends, k, keyed, Math.min(240_000, left - 30_000));
    runs.push(r);
    ctx.log(
      `keyed throughput ${r.label}: ${r.recordsPerSecond ?? '?'} records/s (${r.learnSeconds ?? '?'} s after ${r.startupMs ?? '?'} ms startup; ${r.completed ? 'complete' : 'INCOMPLETE'}; load ${r.loadAverageBefore.join('/')}, ${r.foreignProcesses} foreign processes)`,
    );
  }
  const unkeyed = runs.find((r) => !r.keyed)?.recordsPerSecond ?? null;
  const ratios: Record<string, number | null> = {};
  for (const r of runs.filter((x) => x.keyed))
    ratios[`keyed_${r.instances}_vs_unkeyed`] = unkeyed && r.recordsPerSecond !== null ? round(r.recordsPerSecond / unkeyed, 2) : null;
  const m = machine();
  return {
    date: new Date().toISOString(),
    machine: m,
    note: `${m.cores} cores: every instance, Kafka and MinIO share them, so more instances add no cores; what 2 and 3 instances show is the cost or gain of splitting the partitions over processes on the same ${m.cores} cores`,
    records: o.records,
    keys: o.keys,
    partitions: o.partitions,
    batchSize: 1_000,
    triggers: KEYED_TRIGGERS,
    timing:
      'from the first batch learned by any instance (status polled every 100 ms) until every partition is checkpointed to its end (keyed; partition LATEST polled every 100 ms) or LATEST counts every record (unkeyed)',
    runs,
    ratios,
  };
}

// ------------------------------------------------------------------------------------------------------------

/** Read-modify-writes the `keyed` section of bench/results/chaos.json, keeping every other section. */
export function writeKeyedSection(keyed: Record<string, unknown>): void {
  const path = `${RESULTS_DIR}chaos.json`;
  const current = readJson<Record<string, unknown>>(path) ?? { benchmark: 'chaos' };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ ...current, keyed }, null, 2)}\n`);
  renameSync(tmp, path);
}

export function earlierKeyedSection(): Record<string, unknown> | undefined {
  const k = readJson<{ keyed?: Record<string, unknown> }>(`${RESULTS_DIR}chaos.json`)?.keyed;
  return k && typeof k === 'object' && 'chaos' in k ? k : undefined;
}

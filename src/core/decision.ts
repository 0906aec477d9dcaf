import { readFileSync } from 'node:fs';
import avro from 'avsc';

export type DecisionType = 'baseline' | 'start' | 'step' | 'promote' | 'reject' | 'rollback' | 'pin' | 'unpin';
/** How a new major line reaches the traffic; `immediate` needs no decisions (every replica serves it at once). */
export type RolloutPolicy = 'immediate' | 'shadow' | 'canary' | 'ab' | 'interleave';
export type TrainingChoice = 'continue' | 'restart';

/** A candidate line in a rollout and the share of requests it serves (0 under shadow and interleave). */
export interface RolloutArm {
  readonly major: number;
  readonly share: number;
}

export interface StartPosition {
  readonly topic: string;
  readonly partition: number;
  /** The next offset (a decimal string, as Kafka gives it). */
  readonly offset: string;
}

/** One rollout decision (schemas/decision.avsc): written to the store as `<model>/decisions/<seq>.json`, then announced. */
export interface Decision {
  readonly model: string;
  /** 1, 2, 3 ... per model, without gaps; the store's conditional create lets only one writer take a number. */
  readonly seq: number;
  readonly type: DecisionType;
  /** ISO-8601. */
  readonly at: string;
  /** 'decider <instance>' or 'user@host'. */
  readonly by: string;
  readonly reason: string;
  /** The seq of the start decision of the rollout this belongs to. */
  readonly rollout?: number;
  readonly policy?: Exclude<RolloutPolicy, 'immediate'>;
  /** The major line that serves (outside the candidates' shares) after this decision. */
  readonly champion?: number;
  readonly arms: readonly RolloutArm[];
  /** major.minor served by a rollback or pin; the head of the line promoted, rejected or taken as baseline. */
  readonly version?: string;
  readonly training?: TrainingChoice;
  readonly stats: Readonly<Record<string, number>>;
  readonly startOffsets: readonly StartPosition[];
}

const decisionType = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/decision.avsc', import.meta.url), 'utf8')) as avro.Schema, {
  wrapUnions: false,
});

export function encodeDecision(d: Decision): Buffer {
  return decisionType.toBuffer({
    model: d.model,
    seq: d.seq,
    type: d.type,
    at: Date.parse(d.at),
    by: d.by,
    reason: d.reason,
    rollout: d.rollout ?? null,
    policy: d.policy ?? null,
    champion: d.champion ?? null,
    arms: d.arms.map((a) => ({ major: a.major, share: a.share })),
    version: d.version ?? null,
    training: d.training ?? null,
    stats: Object.fromEntries(Object.entries(d.stats).filter(([, v]) => Number.isFinite(v))),
    startOffsets: d.startOffsets.map((p) => ({ topic: p.topic, partition: p.partition, offset: Number(p.offset) })),
  });
}

export function decodeDecision(bytes: Buffer): Decision {
  const v = decisionType.fromBuffer(bytes) as {
    model: string;
    seq: number;
    type: DecisionType;
    at: number;
    by: string;
    reason: string;
    rollout: number | null;
    policy: Decision['policy'] | null;
    champion: number | null;
    arms: RolloutArm[];
    version: string | null;
    training: TrainingChoice | null;
    stats: Record<string, number>;
    startOffsets: { topic: string; partition: number; offset: number }[];
  };
  return {
    model: v.model,
    seq: v.seq,
    type: v.type,
    at: new Date(v.at).toISOString(),
    by: v.by,
    reason: v.reason,
    ...(v.rollout !== null ? { rollout: v.rollout } : {}),
    ...(v.policy !== null ? { policy: v.policy } : {}),
    ...(v.champion !== null ? { champion: v.champion } : {}),
    arms: v.arms,
    ...(v.version !== null ? { version: v.version } : {}),
    ...(v.training !== null ? { training: v.training } : {}),
    stats: v.stats,
    startOffsets: v.startOffsets.map((p) => ({ ...p, offset: String(p.offset) })),
  };
}

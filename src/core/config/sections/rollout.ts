import { z } from 'zod';
import { always, int, num, oneOf, optionalSection, str } from '../fields.js';

export const ROLLOUT_POLICIES = ['immediate', 'shadow', 'canary', 'ab', 'interleave'] as const;

const guardrailsSchema = optionalSection({
  maxErrorRate: num(0, 1)
    .default(0.01)
    .describe('A candidate whose predictions fail (an error or a non-finite output) on more than this share of its requests is rejected at once.'),
  maxLatencyP99Ms: num(0, 60_000, true).default(50).describe('A candidate whose 99th percentile predict time exceeds this (ms) is rejected at once.'),
  minRequests: int(1, 10_000_000)
    .default(200)
    .describe('Requests a candidate serves (or shadows) before its guardrails are read (each replica answers a failed request with the champion meanwhile).'),
}).describe('Checks that end a rollout at once, without waiting for labels.');

/**
 * `rollout`: how a new major line reaches the traffic (docs/rollout.md). The subscribers split and score, one
 * decider (`streamtrain decide`) tests and publishes decisions; minors of a line being served go live at once.
 */
export const rolloutSchema = optionalSection({
  policy: oneOf(ROLLOUT_POLICIES)
    .default('immediate')
    .describe(
      '`immediate`: every new version serves at once. `shadow`: the candidate predicts next to the champion, only the champion answers. `canary`: a sticky share of requests, ramped through `steps`. `ab`: a fixed `split`. `interleave`: rankings merged by team draft.',
    ),
  decisionsTopic: str().default('streamtrain-decisions').describe('The topic decisions are announced on (key = model).'),
  predictionsTopic: str().optional().meta({
    description: "The subscribers' prediction log (`predictionLog.topic`), where the decider reads what each version served.",
    defaultText: 'the first of `kafka.topics` with `input.format: prediction-log`',
  }),
  steps: z
    .array(num(0, 1, true), { error: 'to be a list of shares in (0, 1], rising, ending with 1, e.g. `[0.01, 0.05, 0.25, 1]`' })
    .min(1, { error: 'to be a non-empty list of shares' })
    .default([0.01, 0.05, 0.25, 1])
    .describe('`canary`: the shares of requests the candidate serves, in order; reaching 1 is the promotion.'),
  split: num(0, 1, true).default(0.5).describe('`ab`: the share of requests the candidates serve together (each an equal part).'),
  alpha: num(0, 0.5, true)
    .default(0.05)
    .describe('Error rate of the sequential test under continuous monitoring: an equal candidate is promoted with at most this probability.'),
  margin: num(-1, 1)
    .default(0)
    .describe('Promote when the candidate beats the champion by more than this (accuracy points as a fraction, or MAE units); reject when it is surely not.'),
  minSamples: int(1, 10_000_000).default(200).describe('Labelled outcomes per arm before the test may decide, and per canary step.'),
  maxSamples: int(1, 100_000_000)
    .default(50_000)
    .describe("The candidate's labelled outcomes after which an undecided rollout ends: the candidate is rejected as inconclusive."),
  guardrails: guardrailsSchema,
  onReject: oneOf(['restart', 'continue'])
    .default('restart')
    .describe(
      'After a rejection the trainer continues from the champion as a new major, which the subscribers then serve (`restart`), or keeps learning the rejected line, which nobody serves (`continue`).',
    ),
})
  .superRefine((r, ctx) => {
    const steps = r.steps as unknown;
    if (Array.isArray(steps) && steps.every((s) => typeof s === 'number')) {
      const rising = steps.every((s, i) => i === 0 || s > (steps[i - 1] as number));
      if (!rising || steps[steps.length - 1] !== 1)
        ctx.addIssue({ code: 'custom', path: ['steps'], message: '`{path}` must rise and end with 1, e.g. `[0.01, 0.05, 0.25, 1]`' });
    }
    if (typeof r.minSamples === 'number' && typeof r.maxSamples === 'number' && r.maxSamples < r.minSamples)
      ctx.addIssue({
        code: 'custom',
        path: ['maxSamples'],
        message: `Expected \`{path}\` to be >= \`rollout.minSamples\` (${r.minSamples}), got \`${r.maxSamples}\``,
      });
  }, always)
  .describe('How new model lines reach the traffic: shadow, canary, A/B or interleaving, decided by a sequential test (docs/rollout.md).');

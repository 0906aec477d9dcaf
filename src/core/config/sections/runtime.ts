import { z } from 'zod';
import { always, int, numberOr, oneOf, optionalSection, str } from '../fields.js';

export const batchSchema = optionalSection({
  size: int(1, 1_000_000).default(256).describe('Records per micro-batch at most while the learner keeps up with the input.'),
  maxSize: int(1, 1_000_000).optional().meta({
    description:
      "Records per micro-batch at most while records queue up for the learner (backpressure): the bound doubles from `size` while more than two batches' worth wait, up to this, and halves back as the queue drains (status `learner.batchBound`). `size` disables growth. `streamtrain retrain` replays in batches of `size`.",
    defaultText: '4 × `size`',
  }),
  maxWaitMs: int(1, 3_600_000).default(1_000).describe('A partial batch is learned after this long.'),
  maxBuffered: int(1, 100_000_000)
    .optional()
    .meta({ description: 'Records decoded but not yet learned, at most; the consumer pauses above it.', defaultText: '8 × `maxSize`' }),
})
  .superRefine((b, ctx) => {
    const size = numberOr(b.size);
    const max = numberOr(b.maxBuffered);
    const maxSize = numberOr(b.maxSize);
    if (size !== undefined && maxSize !== undefined && maxSize < size)
      ctx.addIssue({ code: 'custom', path: ['maxSize'], message: `Expected \`{path}\` to be >= \`batch.size\` (${size}), got \`${maxSize}\`` });
    if (size !== undefined && max !== undefined && max < size)
      ctx.addIssue({ code: 'custom', path: ['maxBuffered'], message: `Expected \`{path}\` to be >= \`batch.size\` (${size}), got \`${max}\`` });
  }, always)
  .transform((b) => {
    const maxSize = b.maxSize ?? 4 * b.size;
    return { size: b.size, maxSize, maxWaitMs: b.maxWaitMs, maxBuffered: b.maxBuffered ?? 8 * maxSize };
  })
  .describe('Micro-batches: how records are grouped before the model scores and learns them.');

export const learnerSchema = optionalSection({
  backend: oneOf(['auto', 'tensorflow', 'wasm', 'cpu'])
    .default('auto')
    .describe('TensorFlow.js backend; `auto` takes tfjs-node when installed, else wasm, else cpu.'),
  metricsWindow: int(10, 1_000_000).default(1_000).describe('Window of the sliding live metrics, in samples.'),
  updateBatchSize: z
    .union([z.literal('auto'), int(0, 1_000_000)], { error: 'to be `auto` or an integer >= 0, e.g. `1` (a step per sample)' })
    .default('auto')
    .describe(
      'Samples per gradient step; a micro-batch is always scored whole first, then learned in steps. `auto`: a step per sample while the learner keeps up with the input, steps of up to the whole micro-batch while batches queue up for it (status `learner.stepSamples`). 0 = one step per micro-batch.',
    ),
  thread: oneOf(['worker', 'main'])
    .default('worker')
    .describe("Where the model learns: `worker` (a worker thread, overlapping decoding) or `main` (the consumer's thread)."),
}).describe('How the model learns.');

export const serverSchema = optionalSection({
  port: int(0, 65_535).default(0).describe('HTTP port for /healthz, /status and /metrics; 0 disables.'),
  host: str().default('127.0.0.1').describe('Address the HTTP server listens on.'),
}).describe('The HTTP endpoint for health and metrics.');

export const logLevelSchema = oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  .default('info')
  .describe('Log level (env STREAMTRAIN_LOG_LEVEL wins).');

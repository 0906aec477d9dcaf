/**
 * The replay of a stream with labels that arrive later, in-process, on a simulated clock (no Kafka, no waiting).
 * Time advances one micro-batch of feature records at a time (`batch` records, `batch * periodMs` of event time):
 *
 *   1. the model serves the batch's feature records: each is predicted by the model as it is when the batch
 *      arrives, and that served prediction is what is scored (against the record's true label, whether or not
 *      its label ever comes);
 *   2. the label feed delivers what arrived during the batch's event time (the labels stamped before the next
 *      batch's first record) and hands over the examples to learn;
 *   3. the model learns them (ModelManager.step: test-then-train on the examples, whose errors are not scored).
 *
 * With immediate labels (ImmediateFeed) step 2 hands over the batch's own records, which is the dev suite's
 * test-then-train replay with served predictions as the score. JoinFeed delivers through the real LabelJoin.
 */
import type { LearnInput } from '../../../src/learner/index.js';
import type { QualityStream } from '../streams.js';

/** What the replay asks of a model: serve predictions, learn examples. */
export interface ServingModel {
  /** Outputs as Learner.predict gives them: P(class 1) per row (binary), or per-class scores, row-major. */
  predict(raw: Float32Array, size: number): Float32Array;
  learn(batch: LearnInput): Promise<void>;
}

/** The examples to learn, row-major, as one block (the replay splits it into micro-batches). */
export interface Examples {
  readonly size: number;
  readonly features: Float32Array;
  readonly labels: Float32Array;
}

/** Where the labels come from: called once per micro-batch of feature records, then once at the end. */
export interface LabelFeed {
  /** Delivers feature records [from, to) and the labels that arrived before record `to`: the examples to learn. */
  deliver(from: number, to: number): Examples;
  /** After the last record: delivers every label still to come and expires what waits (the examples are learned). */
  finish(): Examples;
}

export interface ServedResult {
  /** Per record: 1 when the served prediction was wrong, 0 when right. */
  readonly errors: Uint8Array;
  /** Correct served predictions / records. */
  readonly accuracy: number;
  /** Examples learned (joined, defaulted, or the records themselves with immediate labels). */
  readonly learned: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
}

/** Classes of `size` rows of outputs: `p >= 0.5` with one output per row, else the arg max of the row. */
export function servedClasses(outputs: Float32Array, size: number): Int32Array {
  const k = outputs.length / size;
  const out = new Int32Array(size);
  for (let r = 0; r < size; r++) {
    if (k === 1) out[r] = (outputs[r] as number) >= 0.5 ? 1 : 0;
    else {
      let best = 0;
      for (let c = 1; c < k; c++) if ((outputs[r * k + c] as number) > (outputs[r * k + best] as number)) best = c;
      out[r] = best;
    }
  }
  return out;
}

/** Runs the replay (module comment); `batch`: feature records per micro-batch, and examples per learned step. */
export async function runServed(s: QualityStream, model: ServingModel, feed: LabelFeed, batch: number): Promise<ServedResult> {
  const errors = new Uint8Array(s.size);
  let learned = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const learn = async (ex: Examples) => {
    for (let i = 0; i < ex.size; i += batch) {
      const end = Math.min(ex.size, i + batch);
      const slice = { size: end - i, width: s.width, features: ex.features.subarray(i * s.width, end * s.width), labels: ex.labels.subarray(i, end) };
      await model.learn(slice);
    }
    learned += ex.size;
  };
  for (let from = 0; from < s.size; from += batch) {
    const to = Math.min(s.size, from + batch);
    const served = servedClasses(model.predict(s.features.subarray(from * s.width, to * s.width), to - from), to - from);
    for (let r = from; r < to; r++) errors[r] = served[r - from] === s.labels[r] ? 0 : 1;
    await learn(feed.deliver(from, to));
  }
  await learn(feed.finish());
  const cpu = process.cpuUsage(c0);
  const wrong = errors.reduce((a, e) => a + e, 0);
  return {
    errors,
    accuracy: s.size ? 1 - wrong / s.size : 0,
    learned,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

const none: Examples = { size: 0, features: new Float32Array(0), labels: new Float32Array(0) };

/** Labels that come with their records (today's input): each micro-batch is learned right after it is served. */
export class ImmediateFeed implements LabelFeed {
  constructor(private readonly s: QualityStream) {}

  deliver(from: number, to: number): Examples {
    const w = this.s.width;
    return { size: to - from, features: this.s.features.subarray(from * w, to * w), labels: this.s.labels.subarray(from, to) };
  }

  finish(): Examples {
    return none;
  }
}

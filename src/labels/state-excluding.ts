import { DelaySketch } from './delay-sketch.js';
import type { JoinedExample, LabelJoinState } from './join-types.js';
import { compareOffsets, nextOffset, parseOffset, toOffset, type Offset } from './offset.js';
import type { OffsetTrackerState } from './offset-tracker.js';

/** What the state needs of an example handed over by `take()`: where its records are, never the row. */
export type ExampleTrace = Pick<JoinedExample, 'feature' | 'labelFrom' | 'defaulted'>;

/**
 * The join state without the effects of `examples`: as if they had not been handed over yet. The pipeline takes
 * examples from the join as records are fetched, but the model learns them a little later (micro-batches, a
 * learner on another thread); a checkpoint pairs the model with the join state *as of the examples it learned*:
 * the join's `state()` without the examples taken since. Their feature and label records become pending again
 * (the resume offset falls back to the lowest of them), and the counters and the delay sketch lose their share,
 * so after a restore they are read again and joined again, once. Every other effect stays done: a late,
 * duplicate or orphaned label and a dropped feature have no effect on the model.
 */
export function stateExcluding(state: LabelJoinState, examples: readonly ExampleTrace[]): LabelJoinState {
  if (examples.length === 0) return state;
  const offsets = { features: new Map<number, Offset[]>(), labels: new Map<number, Offset[]>() };
  const add = (side: 'features' | 'labels', partition: number, offset: string) => {
    let list = offsets[side].get(partition);
    if (!list) offsets[side].set(partition, (list = []));
    list.push(parseOffset(offset));
  };
  const counters = { ...state.counters };
  const sketch = new DelaySketch(state.delays);
  for (const e of examples) {
    add('features', e.feature.partition, e.feature.offset);
    if (e.labelFrom) {
      add('labels', e.labelFrom.partition, e.labelFrom.offset);
      counters.joined--;
      sketch.remove(e.labelFrom.timestamp - e.feature.timestamp);
    } else {
      counters.defaulted--;
      if (e.defaulted === 'full') counters.evicted--;
    }
  }
  const side = (trackers: Readonly<Record<string, OffsetTrackerState>>, undo: Map<number, Offset[]>) => {
    const out: Record<string, OffsetTrackerState> = { ...trackers };
    for (const [p, list] of undo) {
      const t = trackers[String(p)];
      if (t) out[String(p)] = undone(t, list);
    }
    return out;
  };
  return {
    format: 1,
    features: side(state.features, offsets.features),
    labels: side(state.labels, offsets.labels),
    counters,
    delays: sketch.state(),
  };
}

/**
 * A tracker state with `offsets` pending again: resume at the lowest of them, the done ranges split around them.
 * Offsets are bigints or numbers ({@link Offset}: numbers up to 2^53 - 1, so a large state costs no BigInt work).
 */
export function undone(state: OffsetTrackerState, offsets: readonly (bigint | number)[]): OffsetTrackerState {
  const remove = [...new Set(offsets.map(toOffset))].sort(compareOffsets);
  const first = remove[0];
  const resume = parseOffset(state.resume);
  if (first === undefined) return state;
  const start = first < resume ? first : resume;
  // Done offsets at or above the new resume, as [from, to) segments: [start, resume) is done when start < resume.
  const segments: [Offset, Offset][] = [];
  if (start < resume) segments.push([start, resume]);
  for (const [a, b] of state.done) segments.push([parseOffset(a), parseOffset(b)]);
  const done: [Offset, Offset][] = [];
  let r = 0;
  for (const [a, b] of segments) {
    let from = a;
    while (r < remove.length && (remove[r] as Offset) < b) {
      const o = remove[r] as Offset;
      if (o >= from) {
        if (o > from) done.push([from, o]);
        from = nextOffset(o);
      }
      r++;
    }
    if (from < b) done.push([from, b]);
  }
  // A segment left starting at the resume offset would be done offsets at the resume: the resume moves past it.
  let at = start;
  let k = 0;
  while (k < done.length && (done[k] as [Offset, Offset])[0] === at) at = (done[k++] as [Offset, Offset])[1];
  return { resume: String(at), done: done.slice(k).map(([a, b]) => [String(a), String(b)] as const) };
}

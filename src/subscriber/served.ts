/** What a caller passes to `ModelSubscriber.serve()` / `serveRecord()` about the request it serves. */
export interface ServeRequest {
  /** The request's id: the Kafka key of its prediction record, and the key its labels will carry. */
  readonly requestId: string;
  /** The entity the request is about (user, account, device), logged with the prediction. */
  readonly key?: string;
  /**
   * For a keyed model (`model.partitionBy`): whose model serves. Absent: the key the subscriber follows
   * (required when it follows every key, `key: '*'`).
   */
  readonly modelKey?: string;
}

/** One served prediction and the version that made it. */
export interface Served {
  /** The model's output row: probabilities (classifiers) or the value (regression). */
  readonly output: Float32Array;
  /** Classification: the class index predicted (see {@link predictedClassOf}). */
  readonly predictedClass?: number;
  readonly model: string;
  /** The key whose model served, for a keyed model. */
  readonly modelKey?: string;
  /** major.minor of the version that served. */
  readonly version: string;
  /** Whether the prediction was queued for the prediction log (false: no log configured, or dropped). */
  readonly logged: boolean;
}

/**
 * The class a classifier's output row predicts, as the learner's metrics count it: with one output (a
 * probability of class 1), 1 when it is above 0.5 (an untrained model's 0.5 is class 0); with several, the
 * index of the largest (the first on a tie).
 */
export function predictedClassOf(output: Float32Array): number {
  if (output.length === 1) return (output[0] as number) > 0.5 ? 1 : 0;
  let best = 0;
  for (let i = 1; i < output.length; i++) if ((output[i] as number) > (output[best] as number)) best = i;
  return best;
}

/** One ranking served by `serveRanking()`. */
export interface RankedServed {
  /** Indices into the request's items, best first. */
  readonly items: readonly number[];
  readonly model: string;
  /** major.minor of the champion that ranked (and of the candidate, when interleaved). */
  readonly version: string;
  /** Under an interleave rollout: the candidate interleaved, and which ranking contributed each position (0 champion, 1 candidate). */
  readonly interleaved?: { readonly candidate: string; readonly teams: readonly number[] };
  readonly logged: boolean;
}

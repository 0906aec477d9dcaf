/**
 * What the pipeline reports as it runs, for metrics: the service and the checkpointer call these hooks, and
 * src/server implements them with prom-client, so the pipeline knows nothing of Prometheus. Hooks are called on
 * the service's thread, synchronously; an implementation must be cheap and must not throw.
 */
export interface PipelineObserver {
  /**
   * A micro-batch was learned: `seconds` the learner spent on it (test-then-train and the drift machinery,
   * measured where the learner runs, on the worker thread if there is one; time queued behind earlier batches
   * not included).
   */
  batchLearned?(seconds: number): void;
  /**
   * A checkpoint was written durably: `seconds` from the start of its write (dead-letter flush first) until its
   * blobs, manifest and LATEST were in the store, retries included; the capture before it and the offset commit
   * after it not included.
   */
  checkpointWritten?(seconds: number): void;
  /**
   * A version holding new records was durable, its offsets committed and its event announced (or the attempt
   * logged as failed): `freshnessSeconds` since the newest record in it reached the pipeline (its chunk was
   * decoded and offered to the batcher). Time spent before (producer, broker, consumer fetch) not included.
   */
  versionPublished?(freshnessSeconds: number): void;
  /**
   * A drift decision was made (`event`: the manager event's kind: `drift` when a detector fired,
   * `challenger-started`, `challenger-promoted`, `adapt-started`, ...), as it is added to the status' `decisions`.
   */
  driftDecision?(event: string): void;
}

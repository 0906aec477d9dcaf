import type { Consumer } from 'kafkajs';

/** What `pauseUntilRoom` needs from the consumer that calls it (kafkajs' eachBatch callbacks among them). */
export interface PauseUntilRoom {
  readonly consumer: Consumer;
  readonly topics: readonly string[];
  /** The sink's side of backpressure (a RecordSink). */
  readonly sink: { readonly full: boolean; whenRoom(): Promise<void> };
  /** The source's counters (SourceStats): a pause is counted, and `paused` is true while it lasts. */
  readonly stats: { pauses: number; paused: boolean };
  readonly heartbeatIntervalMs: number;
  readonly heartbeat: () => Promise<void>;
  readonly isRunning: () => boolean;
  readonly isStale: () => boolean;
  /** True once the source is halting: the topics are then left paused. */
  readonly halted: () => boolean;
  /** Topics to leave paused when resuming (a join pausing one side). @default none */
  readonly keepPaused?: (topic: string) => boolean;
}

/**
 * Backpressure for a kafkajs consumer: pauses its topics while the sink is full and heartbeats at the group's
 * interval while it waits, so a slow learner slows consumption without the coordinator declaring the member dead
 * (the rebalance-loop trap); resumes when there is room, unless the source is halting.
 */
export async function pauseUntilRoom(p: PauseUntilRoom): Promise<void> {
  const topics = p.topics.map((topic) => ({ topic }));
  p.consumer.pause(topics);
  p.stats.pauses += 1;
  p.stats.paused = true;
  try {
    while (p.sink.full && !p.halted() && p.isRunning() && !p.isStale()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([p.sink.whenRoom(), new Promise((r) => (timer = setTimeout(r, p.heartbeatIntervalMs)))]);
      clearTimeout(timer);
      await p.heartbeat();
    }
  } finally {
    if (!p.halted()) p.consumer.resume(topics.filter((t) => !p.keepPaused?.(t.topic)));
    p.stats.paused = false;
  }
}

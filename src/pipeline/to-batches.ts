import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Groups values into arrays of at most `size`, emitting early when `maxWaitMs` has passed since the first value
 * of the pending group (so a quiet stream is still learned promptly). Completion flushes the partial group.
 * Unlike `bufferTime`, the timer starts with the group, not on a fixed clock, and no empty groups are emitted.
 */
export function toBatches<T>(size: number, maxWaitMs: number): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let group: T[] = [];
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (group.length === 0) return;
        const out = group;
        group = [];
        subscriber.next(out);
      };
      const sub = source.subscribe({
        next(value) {
          group.push(value);
          if (group.length === 1) timer = setTimeout(flush, maxWaitMs);
          if (group.length >= size) flush();
        },
        error(err) {
          if (timer) clearTimeout(timer);
          subscriber.error(err);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        if (timer) clearTimeout(timer);
        sub.unsubscribe();
      };
    });
}

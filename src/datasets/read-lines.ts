/**
 * Synchronous, chunked line iteration over a file: memory is one chunk plus one line, whatever the file size, and
 * the file descriptor is closed when the loop ends, breaks or throws (the generator's `finally`).
 */
import { closeSync, openSync, readSync } from 'node:fs';

import { ConfigError } from '../core/errors.js';

const CHUNK_BYTES = 64 * 1024;

export interface Line {
  /** The line without its `\n` or `\r\n`. */
  readonly text: string;
  /** 1-based, as editors and error messages count. */
  readonly number: number;
}

/** Opens `path` or throws a ConfigError naming `field` and the path. */
export function openForReading(field: string, path: string): number {
  try {
    return openSync(path, 'r');
  } catch (cause) {
    throw new ConfigError(field, `Expected \`${field}\` to be a readable file, got \`${path}\``, { cause, context: { file: path } });
  }
}

/** Every line of `path`, in order; a final line without `\n` is included, an empty trailing one is not. */
export function* readLines(path: string, field = 'path'): Generator<Line> {
  const fd = openForReading(field, path);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new TextDecoder('utf-8');
    let pending = '';
    let number = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      // `stream: true` keeps a multi-byte character cut by the chunk boundary for the next call.
      pending += read === 0 ? decoder.decode() : decoder.decode(buffer.subarray(0, read), { stream: true });
      let start = 0;
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
        number += 1;
        const text = pending.charCodeAt(end - 1) === 13 && end > start ? pending.slice(start, end - 1) : pending.slice(start, end);
        start = end + 1;
        yield { text, number };
      }
      pending = pending.slice(start);
      if (read === 0) break;
    }
    if (pending.length > 0) yield { text: pending, number: number + 1 };
  } finally {
    closeSync(fd);
  }
}

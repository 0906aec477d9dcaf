/**
 * Where checkpoints live. Keys are `/`-separated relative paths; a `put` is atomic (a reader sees the whole
 * object or none of it), which is what lets the manifest-then-LATEST order make a checkpoint atomic.
 */
export interface ObjectStore {
  /** Human-readable location of a key, used as the checkpoint URI in events (`file://...`, `s3://...`). */
  uri(key: string): string;
  put(key: string, data: Uint8Array): Promise<void>;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key under the prefix, in no particular order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  close?(): Promise<void>;
}

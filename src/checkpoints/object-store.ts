/**
 * Where checkpoints live. Keys are `/`-separated relative paths; a `put` is atomic (a reader sees the whole
 * object or none of it), which is what lets the manifest-then-LATEST order make a checkpoint atomic.
 *
 * Two conditional writes make a second writer impossible rather than unlikely: `create` refuses to overwrite
 * (S3 `If-None-Match: *`, an exclusive link in a folder), and `replace` is a compare-and-swap on a tag that
 * `getTagged` returned (S3 `If-Match` on the ETag, a generation number in a folder).
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
  /** Writes the object only if no object has this key; false when one does (nothing is written then). */
  create(key: string, data: Uint8Array): Promise<boolean>;
  /** The object's bytes with the tag a `replace` must present, or undefined when it does not exist. */
  getTagged(key: string): Promise<TaggedObject | undefined>;
  /**
   * Replaces the object only if its tag is still `tag` (`undefined`: only if it does not exist yet). Returns the
   * new tag, or undefined when another write came first (nothing is written then).
   */
  replace(key: string, data: Uint8Array, tag: string | undefined): Promise<string | undefined>;
  close?(): Promise<void>;
}

export interface TaggedObject {
  readonly data: Uint8Array;
  readonly tag: string;
}

/**
 * The shape every dataset source shares: plain numeric records in stream order, the label in field `y`.
 */

/** The field that holds the label: 0/1 for binary streams, a class index otherwise. */
export const LABEL_FIELD = 'y';

/** One record: feature name → value, plus the label under {@link LABEL_FIELD}. */
export type DatasetRecord = Record<string, number>;

/**
 * A replayable stream of records. Every `[Symbol.iterator]()` call starts the stream again from its first record
 * (a generator is re-seeded, a file is re-opened), so two loops over one source see the same records. Memory is
 * O(1) in the stream length: records are made one at a time.
 */
export interface DatasetSource extends Iterable<DatasetRecord> {
  /** Short name, e.g. `sea`, `hyperplane`, `elec2`, or a file name. */
  readonly name: string;
  /** Feature names, in the order a model should read them; the label field `y` is not among them. */
  readonly fields: string[];
  /** Number of records, when known in advance (`Infinity` for an endless generator). */
  readonly length?: number;
  /**
   * Indices (0-based, in stream order) where the concept changes, when they are known: the record at index `p` is
   * the first one drawn from the new concept (for gradual drift, `p` is the centre of the transition).
   * `undefined` means unknown (real-world data), `[]` means none.
   */
  readonly driftPoints?: readonly number[];
  /** One paragraph of plain text: what the stream is, its parameters and its source. */
  describe(): string;
}

/** A source whose drift points are known by construction (the synthetic generators, the SEA files). */
export interface DriftingSource extends DatasetSource {
  readonly driftPoints: readonly number[];
}

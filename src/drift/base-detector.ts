/**
 * What every detector shares: the non-finite guard, the reset on the first update after a drift, the sample and
 * ignored counters, and the snapshot envelope. A subclass only says how one value moves its statistics
 * ({@link BaseDetector.step}), how to start over ({@link BaseDetector.clearState}) and how its state is written
 * and read back.
 */
import { ConfigError, describeValue } from '../core/errors.js';
import type { DetectorKind, DetectorSnapshot, DetectorStatus, DriftDetector, JsonValue } from './detector.js';
import { StateReader } from './snapshot-state.js';

type JsonObject = { [key: string]: JsonValue };

export abstract class BaseDetector implements DriftDetector {
  abstract readonly kind: DetectorKind;
  #drift = false;
  #warning = false;
  #samples = 0;
  #ignored = 0;

  get drift(): boolean {
    return this.#drift;
  }

  get warning(): boolean {
    return this.#warning;
  }

  get samples(): number {
    return this.#samples;
  }

  get ignored(): number {
    return this.#ignored;
  }

  update(value: number): DetectorStatus {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      // Not learned and not a new drift: a drift is reported once, by the update that found it.
      this.#ignored += 1;
      return { drift: false, warning: this.#warning };
    }
    if (this.#drift) this.#startOver();
    this.#samples += 1;
    const status = this.step(value, this.#warning);
    this.#drift = status.drift;
    this.#warning = status.warning;
    return status;
  }

  reset(): void {
    this.#startOver();
    this.#ignored = 0;
  }

  snapshot(): DetectorSnapshot {
    return {
      kind: this.kind,
      params: this.paramsJSON(),
      state: { drift: this.#drift, warning: this.#warning, samples: this.#samples, ignored: this.#ignored, ...this.stateJSON() },
    };
  }

  /** The parameters, as given to the constructor (defaults filled in). */
  protected abstract paramsJSON(): JsonObject;
  /** The detector's own statistics, in JSON. */
  protected abstract stateJSON(): JsonObject;
  /** Replaces the statistics by those of a snapshot; throws {@link ConfigError} when they are malformed. */
  protected abstract readState(reader: StateReader): void;
  /** Forgets all statistics. */
  protected abstract clearState(): void;
  /** Learns one finite value; `previousWarning` is the warning flag left by the last update. */
  protected abstract step(value: number, previousWarning: boolean): DetectorStatus;

  /** Loads a snapshot's state into this (freshly constructed) detector. */
  protected applySnapshot(snapshot: DetectorSnapshot): this {
    if (snapshot.kind !== this.kind) {
      throw new ConfigError('snapshot.kind', `Expected \`snapshot.kind\` to be '${this.kind}', got \`${describeValue(snapshot.kind)}\``);
    }
    const reader = StateReader.of(snapshot.state, 'snapshot.state');
    const drift = reader.boolean('drift');
    const warning = reader.boolean('warning');
    const samples = reader.number('samples', { min: 0, integer: true });
    const ignored = reader.number('ignored', { min: 0, integer: true });
    this.readState(reader);
    this.#drift = drift;
    this.#warning = warning;
    this.#samples = samples;
    this.#ignored = ignored;
    return this;
  }

  #startOver(): void {
    this.clearState();
    this.#drift = false;
    this.#warning = false;
    this.#samples = 0;
  }
}

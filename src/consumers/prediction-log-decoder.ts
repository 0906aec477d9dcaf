import type { LoggedPrediction } from '../core/index.js';
import { DecodeError, decodePredictionEvent } from '../core/index.js';

/** A feature record read from a prediction log: the request's id, the logged input row and what was served. */
export interface LoggedFeature {
  readonly id: string;
  readonly row: Float32Array;
  readonly served: LoggedPrediction;
}

/**
 * Reads one record of the prediction log `ModelSubscriber.serve()` writes (`input.format: prediction-log`,
 * schemas/prediction.avsc): the id is `requestId`, the row the logged `features`, and the served `version` and
 * `output` come along. A record the log cannot give an example for ends in a DecodeError with its reason:
 * `no-features` (the subscriber does not log them), `wrong-size` (not `width` values), `non-finite`,
 * `undecodable` (not a prediction record).
 */
export function decodeLoggedFeature(value: Buffer, width: number): LoggedFeature {
  let event;
  try {
    event = decodePredictionEvent(value);
  } catch (err) {
    throw new DecodeError('undecodable', `not a prediction record (schemas/prediction.avsc): ${(err as Error).message}`);
  }
  const { requestId, features, version, output } = event;
  if (requestId === '') throw new DecodeError('missing-field', 'the prediction record has an empty `requestId`');
  if (!features)
    throw new DecodeError(
      'no-features',
      'the prediction record carries no features: start the ModelSubscriber with `predictionLog: { logFeatures: true }` to learn from its log',
    );
  if (features.length !== width)
    throw new DecodeError('wrong-size', `the logged features have ${features.length} values, the model takes ${width} (\`input.width\`)`);
  for (let i = 0; i < features.length; i++)
    if (!Number.isFinite(features[i])) throw new DecodeError('non-finite', `logged feature ${i} is not a finite number`);
  return { id: requestId, row: features, served: { version, output } };
}

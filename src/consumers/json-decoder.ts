import { DecodeError } from '../core/index.js';

/** Parses a UTF-8 JSON object. Anything else (invalid JSON, an array, a scalar) is `undecodable`. */
export function decodeJson(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DecodeError('undecodable', 'value is not valid UTF-8 JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DecodeError('undecodable', `value is JSON but not an object (${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})`);
  }
  return value as Record<string, unknown>;
}

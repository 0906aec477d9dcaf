import { z } from 'zod';

/**
 * Field builders shared by the sections. Each one carries its own error text, so that a zod issue turns into
 * today's message ("Expected `batch.size` to be an integer >= 1, got `0`") without knowing the field: a text that
 * starts with `to ` is an expectation (see issues.ts), any other text is a whole message in which `{path}` stands
 * for the field's path and `{got}` for the value found.
 */

/** How a range reads in a message: `>= 1 and <= 100`, `> 0`, `<= 10` or nothing. */
export function range(min: number | undefined, max: number | undefined, exclusiveMin = false): string {
  const lo = min === undefined ? '' : `${exclusiveMin ? '>' : '>='} ${min}`;
  const hi = max === undefined ? '' : `<= ${max}`;
  return lo && hi ? `${lo} and ${hi}` : lo || hi;
}

/** An integer in [min, max]. */
export function int(min?: number, max?: number) {
  const error = `to be an integer ${range(min, max)}`.trim();
  let s = z.int({ error });
  if (min !== undefined) s = s.min(min, { error });
  if (max !== undefined) s = s.max(max, { error });
  return s;
}

/** A finite number in [min, max], or in (min, max] with `exclusiveMin`. */
export function num(min?: number, max?: number, exclusiveMin = false) {
  const error = `to be a number ${range(min, max, exclusiveMin)}`.trim();
  let s = z.number({ error });
  if (min !== undefined) s = exclusiveMin ? s.gt(min, { error }) : s.min(min, { error });
  if (max !== undefined) s = s.max(max, { error });
  return s;
}

export function bool() {
  return z.boolean({ error: 'to be true or false' });
}

/** A non-empty string; `missing` is the hint when the field is required and absent. */
export function str(missing?: string) {
  return z
    .string({ error: (iss) => (iss.input === undefined && missing ? `Missing \`{path}\`: ${missing}` : 'to be a non-empty string') })
    .min(1, { error: 'to be a non-empty string' });
}

/** One of a fixed list of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(choices: T) {
  return z.enum(choices, { error: `to be one of ${choices.map((c) => `\`${c}\``).join(', ')}` });
}

/** A non-empty list of non-empty strings (a comma separated string is read as one, see parse.ts). */
export function strList(missing?: string) {
  const error = 'to be a non-empty list of strings';
  return z
    .array(z.string({ error }).min(1, { error }), { error: (iss) => (iss.input === undefined && missing ? `Missing \`{path}\`: ${missing}` : error) })
    .min(1, { error });
}

/**
 * An object that rejects unknown keys (most often a typo the user wants to hear about), naming the keys it knows.
 * Absent, it is read as `{}`, so that every field's default applies.
 */
export function section<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape)
    .map((k) => `\`${k}\``)
    .join(', ');
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? `expected one of ${known}` : 'to be an object') });
}

/** `section(shape)` that may be left out: absent, every field takes its default. */
export function optionalSection<S extends z.ZodRawShape>(shape: S) {
  // `{}` is parsed like any input, so a required field inside still reports "Missing"; for a generic shape
  // TypeScript cannot see that `{}` is an input, hence the cast.
  return section(shape).prefault({} as never);
}

/**
 * For a cross-field rule: run it even when other fields of the object failed, so that every problem is reported
 * at once. Such a rule sees the fields as given (check their type before use), defaults filled in.
 */
export const always = { when: (): boolean => true };

/** The value if it is a number, else undefined: for cross-field rules, which may see a field that failed. */
export function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The rule of a section with a session timeout and a heartbeat interval (`kafka`, `cluster`): the heartbeat is
 * at most a third of the session, so two missed heartbeats do not end a session.
 */
export function heartbeatWithinSession(section: string) {
  return (s: { heartbeatIntervalMs?: unknown; sessionTimeoutMs?: unknown }, ctx: z.core.$RefinementCtx): void => {
    const beat = numberOr(s.heartbeatIntervalMs);
    const session = numberOr(s.sessionTimeoutMs);
    if (beat !== undefined && session !== undefined && beat * 3 > session) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatIntervalMs'],
        message: `Expected \`{path}\` to be at most a third of \`${section}.sessionTimeoutMs\` (${Math.floor(session / 3)}), got \`${beat}\``,
      });
    }
  };
}

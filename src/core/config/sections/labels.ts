import { z } from 'zod';
import { always, bool, int, num, oneOf, section, str } from '../fields.js';

const DAY_MS = 86_400_000;

/**
 * `input.labels`: labels that arrive later, on their own topic, joined to the feature records by id
 * (docs/labels.md). Absent: each feature record carries its label (`input.label`).
 */
export const labelsSchema = section({
  topic: str('name the topic the labels arrive on, e.g. `topic: outcomes`').describe(
    'The topic the labels arrive on; not one of `kafka.topics` (those carry the feature records).',
  ),
  idField: str().optional().meta({
    description: 'The field of a feature record that identifies it (e.g. the id of the served prediction).',
    defaultText: 'required, except with `input.format: prediction-log`: `requestId`',
  }),
  labelIdField: str().optional().meta({ description: "The label record's field holding the id of the feature record it labels.", defaultText: '`idField`' }),
  format: oneOf(['json', 'avro'])
    .default('json')
    .describe(
      'Label record format: JSON, or Avro: framed for the Schema Registry of `input.schemaRegistryUrl` when it is set (`avroSchemaFile`, if given, as the reader schema), else plain Avro of `avroSchemaFile`.',
    ),
  avroSchemaFile: str().optional().describe("With `format: avro`: the label records' Avro writer schema file (`.avsc`), relative to the config file."),
  labelField: str('name the label record field that holds the label, e.g. `labelField: clicked`').describe(
    "The label record's field holding the label (read as `input.label` would be: a number, a boolean or one of `input.label.classes`).",
  ),
  maxDelayMs: z
    .int({
      error: (iss) =>
        iss.input === undefined
          ? 'Missing `{path}`: say how long after its feature record a label may come, in ms, e.g. `maxDelayMs: 3600000` (one hour)'
          : `to be an integer >= 0 and <= ${366 * DAY_MS}`,
    })
    .min(0, { error: `to be an integer >= 0 and <= ${366 * DAY_MS}` })
    .max(366 * DAY_MS, { error: `to be an integer >= 0 and <= ${366 * DAY_MS}` })
    .describe(
      "A label joins a feature record of its id when their timestamps differ by at most this (ms); a feature record waits for its label until the labels' event time passes its timestamp plus this.",
    ),
  onMissing: oneOf(['default', 'drop'])
    .default('default')
    .describe('A feature record whose label did not come in time: learned with `defaultLabel` (e.g. no click), or dropped.'),
  defaultLabel: num()
    .optional()
    .meta({ description: 'The label of a feature record whose label did not come in time, with `onMissing: default`.', defaultText: '`0`' }),
  maxPending: int(1, 100_000_000)
    .default(100_000)
    .describe(
      'Records (features and labels) waiting for their partner, at most; at the bound the side holding more is paused while the other has lag, and else its oldest record expires early (counted as evicted).',
    ),
  idleGraceMs: int(0, DAY_MS)
    .default(60_000)
    .describe(
      "A caught-up partition (no lag) counts as having reached the clock minus this (ms), so that waiting records expire while a topic is idle; bounds how far behind the clock a record's timestamp may be.",
    ),
  lateToDeadLetter: bool()
    .default(false)
    .describe("Send late labels (their feature record's window had passed) to the dead-letter topic: coordinates and reason, never the payload."),
})
  .superRefine((l, ctx) => {
    if (l.format !== 'avro' && l.avroSchemaFile !== undefined)
      ctx.addIssue({ code: 'custom', path: ['avroSchemaFile'], message: '`{path}` is read with `format: avro` only; set `format: avro` or remove it' });
    if (l.onMissing === 'drop' && l.defaultLabel !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['defaultLabel'],
        message: '`{path}` is used with `onMissing: default` only; remove it, or set `onMissing: default`',
      });
    const labelId = l.labelIdField ?? l.idField ?? 'requestId';
    if (typeof labelId === 'string' && labelId === l.labelField)
      ctx.addIssue({
        code: 'custom',
        path: ['labelField'],
        message: `\`{path}\` and the label records' id field are both \`${labelId}\`; name the field that holds the label`,
      });
  }, always)
  .transform((l) => ({
    ...l,
    defaultLabel: l.onMissing === 'default' ? (l.defaultLabel ?? 0) : undefined,
  }))
  .describe('Labels that arrive later on their own topic, joined to the feature records by id (docs/labels.md). Absent: each record carries its label.');

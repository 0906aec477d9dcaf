/**
 * A streaming reader for record files: comma/semicolon/tab-separated, space-separated (any run of blanks, as in
 * `elec2_data.dat`), or JSON Lines; the label either in a column or in a separate file with one label a line (as
 * the shared datasets are distributed). Lines are read in 64 KiB chunks, one record at a time.
 *
 * Rules: blank lines are skipped (in both files, so pairing is by non-blank line); every value must be a finite
 * number; a malformed line, a missing file, or a label file with a different number of lines is a ConfigError
 * naming the file and, where it applies, the line.
 */
import { closeSync } from 'node:fs';
import { basename, extname } from 'node:path';

import { ConfigError, describeValue } from '../core/errors.js';
import { type Line, openForReading, readLines } from './read-lines.js';
import { LABEL_FIELD, type DatasetRecord, type DatasetSource } from './types.js';

export interface DelimitedFileOptions {
  /**
   * `jsonl` for JSON Lines (one object a line), otherwise a delimited text file.
   * @default `jsonl` for `.jsonl`/`.ndjson` files or a first line starting with `{`, else `delimited`
   */
  readonly format?: 'delimited' | 'jsonl';
  /**
   * Column separator of delimited files; `' '` means any run of spaces and tabs.
   * @default `,` when the first line has one, else `' '`
   */
  readonly delimiter?: string;
  /**
   * Whether the first line of a delimited file holds the column names.
   * @default false
   */
  readonly header?: boolean;
  /**
   * Column names of a delimited file without header, label column included.
   * @default x1, x2, ... for the feature columns (the label column becomes `y`)
   */
  readonly columns?: readonly string[];
  /**
   * The label: a column name (a JSONL key), or a 0-based column index. It is renamed `y`. Not allowed with
   * `labelFile`.
   * @default `y` when there is such a column or key, else the last column (delimited files)
   */
  readonly labelColumn?: string | number;
  /**
   * A file with one label a line: line i labels row i of the data file (blank lines skipped in both).
   * @default undefined: the label is in the data file
   */
  readonly labelFile?: string;
  /**
   * Name of the source.
   * @default the data file's base name
   */
  readonly name?: string;
}

const JSONL_EXTENSIONS = new Set(['.jsonl', '.ndjson']);

interface Layout {
  readonly format: 'delimited' | 'jsonl';
  readonly split: (text: string) => string[];
  readonly separator: string;
  /** Names of all data columns (delimited) or of the feature keys (JSONL). */
  readonly columns: readonly string[];
  /** Index of the label column (delimited, no label file), else -1. */
  readonly labelIndex: number;
  /** The label key of JSONL objects. */
  readonly labelKey: string;
  readonly fields: string[];
}

function fileError(field: string, file: string, line: number, problem: string): ConfigError {
  return new ConfigError(field, `Expected line ${line} of \`${file}\` ${problem}`, { context: { file, line } });
}

function firstLine(path: string): Line | undefined {
  for (const line of readLines(path)) if (line.text.trim() !== '') return line;
  return undefined;
}

function splitter(separator: string): (text: string) => string[] {
  if (separator === ' ') return (text) => text.trim().split(/[ \t]+/);
  return (text) => text.split(separator).map((token) => token.trim());
}

function parseNumber(token: string | undefined): number {
  return token === undefined || token === '' ? Number.NaN : Number(token);
}

function jsonValue(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' ? value : Number.NaN;
}

function resolveLayout(path: string, options: DelimitedFileOptions): Layout {
  const first = firstLine(path);
  if (first === undefined)
    throw new ConfigError('path', `Expected \`path\` to have at least one record, got the empty file \`${path}\``, { context: { file: path } });
  const withLabelFile = options.labelFile !== undefined;
  if (withLabelFile && options.labelColumn !== undefined) {
    throw new ConfigError('labelColumn', `Expected \`labelColumn\` to be unset when \`labelFile\` is given, got \`${describeValue(options.labelColumn)}\``);
  }
  const format = options.format ?? (JSONL_EXTENSIONS.has(extname(path).toLowerCase()) || first.text.trimStart().startsWith('{') ? 'jsonl' : 'delimited');

  if (format === 'jsonl') {
    const labelKey = options.labelColumn ?? LABEL_FIELD;
    if (typeof labelKey !== 'string') {
      throw new ConfigError('labelColumn', `Expected \`labelColumn\` to be a key name for JSON Lines, got \`${describeValue(labelKey)}\``);
    }
    let object: unknown;
    try {
      object = JSON.parse(first.text);
    } catch (cause) {
      throw new ConfigError('path', `Expected line ${first.number} of \`${path}\` to be a JSON object`, { cause, context: { file: path, line: first.number } });
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) throw fileError('path', path, first.number, 'to be a JSON object');
    const fields = Object.keys(object).filter((key) => key !== labelKey && !(withLabelFile && key === LABEL_FIELD));
    return { format, split: () => [], separator: '', columns: fields, labelIndex: -1, labelKey, fields };
  }

  const separator = options.delimiter ?? (first.text.includes(',') ? ',' : ' ');
  if (separator === '') throw new ConfigError('delimiter', 'Expected `delimiter` to be a non-empty string, got `""`');
  const split = splitter(separator);
  const count = split(first.text).length;
  let columns: string[];
  if (options.header === true) {
    columns = split(first.text).map((name) => name.replace(/^"(.*)"$/, '$1'));
  } else if (options.columns !== undefined) {
    if (options.columns.length !== count) {
      throw new ConfigError('columns', `Expected \`columns\` to name the ${count} columns of \`${path}\`, got ${options.columns.length} names`);
    }
    columns = [...options.columns];
  } else {
    // Features x1, x2, ... in file order around the label column, which is called `y`.
    const label = withLabelFile ? -1 : typeof options.labelColumn === 'number' ? options.labelColumn : count - 1;
    let feature = 0;
    columns = Array.from({ length: count }, (_, i) => (i === label ? LABEL_FIELD : `x${(feature += 1)}`));
  }
  if (new Set(columns).size !== columns.length || columns.includes('')) {
    throw new ConfigError('columns', `Expected the column names of \`${path}\` to be distinct and non-empty, got \`${columns.join(separator)}\``);
  }

  let labelIndex = -1;
  if (!withLabelFile) {
    const wanted = options.labelColumn ?? (columns.includes(LABEL_FIELD) ? LABEL_FIELD : count - 1);
    labelIndex = typeof wanted === 'number' ? wanted : columns.indexOf(wanted);
    if (!Number.isInteger(labelIndex) || labelIndex < 0 || labelIndex >= count) {
      throw new ConfigError(
        'labelColumn',
        `Expected \`labelColumn\` to be one of ${columns.map((c) => `\`${c}\``).join(', ')} or an index in [0, ${count - 1}], got \`${describeValue(wanted)}\``,
      );
    }
  }
  const fields = columns.filter((_, i) => i !== labelIndex);
  if (fields.includes(LABEL_FIELD)) {
    throw new ConfigError(
      'labelColumn',
      `Expected column \`${LABEL_FIELD}\` of \`${path}\` to be the label, since records carry the label in \`${LABEL_FIELD}\``,
    );
  }
  return { format, split, separator, columns, labelIndex, labelKey: LABEL_FIELD, fields };
}

function describeSeparator(separator: string): string {
  return separator === ',' ? 'comma-separated' : separator === ' ' ? 'space-separated' : separator === '\t' ? 'tab-separated' : `separated by \`${separator}\``;
}

/**
 * Reads records from a file, lazily; see {@link DelimitedFileOptions}. The first line is read at once to learn
 * the fields; the rest only while iterating.
 *
 * @example
 * const elecLike = readDelimitedFile('data.dat', { delimiter: ' ', labelFile: 'labels.dat' });
 * const csv = readDelimitedFile('train.csv', { header: true, labelColumn: 'class' });
 */
export function readDelimitedFile(path: string, options: DelimitedFileOptions = {}): DatasetSource {
  const layout = resolveLayout(path, options);
  const labelFile = options.labelFile;
  if (labelFile !== undefined) closeSync(openForReading('labelFile', labelFile));
  const { fields } = layout;
  const skipHeader = layout.format === 'delimited' && options.header === true;

  function parseDelimited(line: Line): DatasetRecord {
    const tokens = layout.split(line.text);
    if (tokens.length !== layout.columns.length) throw fileError('path', path, line.number, `to have ${layout.columns.length} columns, got ${tokens.length}`);
    const record: DatasetRecord = {};
    for (let i = 0; i < tokens.length; i += 1) {
      const value = parseNumber(tokens[i]);
      if (!Number.isFinite(value))
        throw fileError('path', path, line.number, `to hold finite numbers, got \`${describeValue(tokens[i])}\` in column \`${layout.columns[i]}\``);
      record[i === layout.labelIndex ? LABEL_FIELD : layout.columns[i]!] = value;
    }
    return record;
  }

  function parseJson(line: Line): DatasetRecord {
    let object: Record<string, unknown>;
    try {
      object = JSON.parse(line.text) as Record<string, unknown>;
    } catch (cause) {
      throw new ConfigError('path', `Expected line ${line.number} of \`${path}\` to be a JSON object`, { cause, context: { file: path, line: line.number } });
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) throw fileError('path', path, line.number, 'to be a JSON object');
    const record: DatasetRecord = {};
    const keys = labelFile === undefined ? [...fields, layout.labelKey] : fields;
    for (const key of keys) {
      const value = jsonValue(object[key]);
      if (!Number.isFinite(value)) throw fileError('path', path, line.number, `to have a finite number in \`${key}\`, got \`${describeValue(object[key])}\``);
      record[key === layout.labelKey ? LABEL_FIELD : key] = value;
    }
    return record;
  }

  function* records(): Generator<DatasetRecord> {
    const labels = labelFile === undefined ? undefined : readLines(labelFile, 'labelFile');
    const nextLabel = (): Line | undefined => {
      for (let next = labels!.next(); !next.done; next = labels!.next()) if (next.value.text.trim() !== '') return next.value;
      return undefined;
    };
    try {
      let rows = 0;
      let headerPending = skipHeader;
      for (const line of readLines(path)) {
        if (line.text.trim() === '') continue;
        if (headerPending) {
          headerPending = false;
          continue;
        }
        const record = layout.format === 'jsonl' ? parseJson(line) : parseDelimited(line);
        if (labelFile !== undefined) {
          const label = nextLabel();
          if (label === undefined) {
            throw new ConfigError(
              'labelFile',
              `Expected \`labelFile\` \`${labelFile}\` to have one label per record of \`${path}\`, but it ends after ${rows} labels while \`${path}\` continues at line ${line.number}`,
              { context: { file: labelFile, line: line.number } },
            );
          }
          const value = parseNumber(label.text.trim());
          if (!Number.isFinite(value)) throw fileError('labelFile', labelFile, label.number, `to hold a finite number, got \`${describeValue(label.text)}\``);
          record[LABEL_FIELD] = value;
        }
        rows += 1;
        yield record;
      }
      if (labelFile !== undefined) {
        const extra = nextLabel();
        if (extra !== undefined) {
          throw new ConfigError(
            'labelFile',
            `Expected \`labelFile\` \`${labelFile}\` to have one label per record of \`${path}\`, but it has more lines (line ${extra.number}) than the ${rows} records`,
            { context: { file: labelFile, line: extra.number } },
          );
        }
      }
    } finally {
      labels?.return(undefined);
    }
  }

  const name = options.name ?? basename(path);
  return {
    name,
    fields: [...fields],
    describe() {
      const kind = layout.format === 'jsonl' ? 'JSON Lines' : `${describeSeparator(layout.separator)}${skipHeader ? ' with header' : ''}`;
      const label =
        labelFile !== undefined
          ? `labels from \`${labelFile}\``
          : layout.format === 'jsonl'
            ? `label key \`${layout.labelKey}\``
            : `label column \`${layout.columns[layout.labelIndex]}\``;
      return `File \`${path}\` (${kind}): ${fields.length} features (${fields.join(', ')}), ${label}, as \`${LABEL_FIELD}\`; read lazily in stream order.`;
    },
    [Symbol.iterator]: records,
  };
}

/**
 * The public drift benchmark streams in the shared folder (`../shared/datasets`, see its README), read in place
 * and lazily: the data file and the label file are paired line by line, nothing is copied into the project.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ConfigError, describeValue } from '../core/errors.js';
import { readDelimitedFile } from './delimited-file.js';
import type { DatasetSource } from './types.js';

export type SharedDatasetName = 'sea' | 'elec2';

interface SharedLayout {
  readonly data: string;
  readonly labels: string;
  readonly delimiter: string;
  readonly columns: readonly string[];
  readonly rows: number;
  readonly driftPoints: readonly number[] | undefined;
  readonly about: string;
}

/**
 * Elec2's eight columns are, in file order, date, day, period, nswprice, nswdemand, vicprice, vicdemand, transfer
 * (the normalized "elecNormNew" form): column 1 grows slowly from 0 to 1 (the date), column 2 takes the values 1..7
 * (day of week), column 3 steps by 1/47 within a day (the half-hour period). The literature usually drops `date`
 * and `nswprice` before learning; the reader keeps all eight, the caller chooses.
 *
 * The label file holds the class index of MOA's `elecNormNew.arff`, whose class is declared `{UP, DOWN}`: 0 = UP,
 * 1 = DOWN. Evidence: its first row, UP in the ARFF file, is labelled 0 here, and its 26,075 ones are the DOWN
 * count of the published class distribution (UP 19,237 / DOWN 26,075). The shared README's "UP (1)" is reversed.
 * @see https://github.com/vlosing/driftDatasets/blob/master/realWorld/Elec2/readme.txt
 */
export const ELEC2_COLUMNS = ['date', 'day', 'period', 'nswprice', 'nswdemand', 'vicprice', 'vicdemand', 'transfer'] as const;

const LAYOUTS: Readonly<Record<SharedDatasetName, SharedLayout>> = {
  sea: {
    data: 'sea/SEA_training_data.csv',
    labels: 'sea/SEA_training_class.csv',
    delimiter: ',',
    columns: ['x1', 'x2', 'x3'],
    rows: 50_000,
    driftPoints: [12_500, 25_000, 37_500],
    about:
      'SEA concepts (Street & Kim, KDD 2001), artificial: 50,000 records, features x1, x2, x3 (only x1 and x2 matter), ' +
      'y = 1 iff x1 + x2 <= θ; abrupt drift at 12500, 25000, 37500; 10% label noise.',
  },
  elec2: {
    data: 'elec2/elec2_data.dat',
    labels: 'elec2/elec2_label.dat',
    delimiter: ' ',
    columns: ELEC2_COLUMNS,
    rows: 45_312,
    driftPoints: undefined,
    about:
      'Elec2, NSW electricity market 1996-1998 (Harries 1999; normalized as in Gama et al. 2004), real world: 45,312 ' +
      'half-hour records, features date, day, period, nswprice, nswdemand, vicprice, vicdemand, transfer; ' +
      'y = class index in the MOA declaration order {UP, DOWN}, i.e. 1 = price went DOWN vs. the last 24 h ' +
      '(26,075 ones, 57.5%); drift points unknown.',
  },
};

/**
 * @param dir the shared datasets folder, resolved against the working directory.
 * @default dir `../shared/datasets`
 * @example
 * const sea = sharedDataset('sea');
 * sea.driftPoints; // [12500, 25000, 37500]
 */
export function sharedDataset(name: SharedDatasetName, dir = '../shared/datasets'): DatasetSource {
  const layout = (LAYOUTS as Partial<Record<string, SharedLayout>>)[name];
  if (layout === undefined) {
    throw new ConfigError('name', `Expected \`name\` to be one of \`sea\`, \`elec2\`, got \`${describeValue(name)}\``);
  }
  const root = resolve(dir);
  const data = join(root, layout.data);
  const labels = join(root, layout.labels);
  if (!existsSync(data) || !existsSync(labels)) {
    throw new ConfigError('dir', `Expected \`dir\` to hold ${layout.data} and ${layout.labels}, got \`${root}\``, { context: { file: data } });
  }
  const file = readDelimitedFile(data, { delimiter: layout.delimiter, columns: layout.columns, labelFile: labels, name });
  const source: DatasetSource = {
    name,
    fields: [...layout.columns],
    length: layout.rows,
    describe: () => `${layout.about} Read from \`${root}\`.`,
    [Symbol.iterator]: () => file[Symbol.iterator](),
  };
  return layout.driftPoints === undefined ? source : { ...source, driftPoints: layout.driftPoints };
}

/**
 * `audio-aug-lab eer --scores SYSTEM.csv --truth TRUTH.csv [--json]`:
 * score a DCASE 2016 task 4 system output against its ground truth with the
 * official EER, and print the per-label EER and the mean in the layout of
 * the challenge baseline's `do_system_evaluation` (labels by name, 3
 * decimals). Several folds: repeat `--scores`/`--truth` in pairs; per-label
 * figures are then the mean over folds ignoring NaN and "Mean error" is the
 * official mean over all fold x label values ignoring NaN.
 */
import {
  DCASE2016_LABELS,
  DCASE2016_LABEL_NAMES,
  evaluateDcase2016,
  readGroundTruth,
  readSystemOutput,
} from '../metrics/dcase2016-format.js';
import { tableFromFoldEers } from '../metrics/tagging.js';
import { AudioAugLabError, UsageError } from '../util/errors.js';
import { exitCodesHelp, parseCommandArgs, runCommand } from './command.js';
import { checkInputFile } from './files.js';

export const summary = 'per-label EER and mean of a DCASE 2016 task 4 system output (official procedure)';

const HELP = `usage: audio-aug-lab eer --scores SYSTEM.csv --truth TRUTH.csv [--json] [--precision N]

Scores a system output in the official DCASE 2016 task 4 format
(<file>,<label>,<score>, one row per file and label c m f v p b o) against
the ground truth (<file>,<label string>, S and U ignored) with the official
equal-error-rate procedure, and prints the per-label EER and the mean.

options:
  --scores FILE     system output (repeat together with --truth for several folds)
  --truth FILE      ground truth of the same files
  --json            print JSON (full precision, with positive/negative counts)
  --precision N     decimals in the table (default 3, as the official script)
  -h, --help        show this help

Both files are checked first: a missing file, a folder, an empty file or a
row that does not parse (a non-numeric or non-finite score, an unknown label)
is reported with the file name and line.

${exitCodesHelp()}`;

/**
 * Fixed-point text as Python's `'{:.{p}f}'.format(x)`: correctly rounded
 * from the exact binary value, ties to even (JavaScript's toFixed rounds
 * exact ties up, e.g. 0.125 -> 0.13 where Python prints 0.12).
 */
export function formatFixedLikePython(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Math.abs(x) >= 1e21) return x.toFixed(precision);
  // toFixed(100) is the exact decimal expansion for any double >= 1e-40 or so
  const exact = Math.abs(x).toFixed(100);
  const [intPart, frac] = exact.split('.');
  const kept = BigInt(intPart + frac.slice(0, precision));
  const rest = frac.slice(precision);
  const half = rest[0] > '5' || (rest[0] === '5' && /[1-9]/.test(rest.slice(1)));
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  const up = half || (tie && kept % 2n === 1n);
  const digits = (up ? kept + 1n : kept).toString().padStart(precision + 1, '0');
  const text = precision > 0 ? `${digits.slice(0, -precision)}.${digits.slice(-precision)}` : digits;
  const negative = x < 0 || Object.is(x, -0);
  return negative ? `-${text}` : text;
}

function fmt(x: number, precision: number): string {
  return formatFixedLikePython(x, precision);
}

async function command(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      scores: { type: 'string', multiple: true },
      truth: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      precision: { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const scores = values.scores ?? [];
  const truth = values.truth ?? [];
  if (scores.length === 0 || scores.length !== truth.length) {
    throw new UsageError(`give --scores and --truth, the same number of times (got ${scores.length} and ${truth.length})`);
  }
  const precision = Number(values.precision);
  if (!/^\d+$/.test(values.precision!) || !Number.isInteger(precision) || precision < 0 || precision > 17) {
    throw new UsageError(`--precision must be an integer 0..17, got '${values.precision}'`);
  }
  for (const f of [...scores, ...truth]) checkInputFile(f, 'CSV file');

  const labels = [...DCASE2016_LABELS];
  const folds = scores.map((s, k) => {
    const system = readSystemOutput(s);
    if (system.rows.length === 0) throw new AudioAugLabError('DCASE2016_FORMAT', 'no rows: the system output is empty', s);
    const gt = readGroundTruth(truth[k]);
    if (gt.rows.length === 0) throw new AudioAugLabError('DCASE2016_FORMAT', 'no rows: the ground truth is empty', truth[k]);
    const evaluation = evaluateDcase2016(system, gt, labels);
    return { scores: s, truth: truth[k], evaluation };
  });
  const table = tableFromFoldEers(
    labels,
    folds.map((f) => f.evaluation.perLabel.map((r) => r.eer)),
  );

  if (values.json) {
    const out = {
      procedure: 'DCASE 2016 task 4 official EER (sklearn 1.2 roc_curve, drop_intermediate=True)',
      folds: folds.map((f) => ({
        scores: f.scores,
        truth: f.truth,
        perLabel: f.evaluation.perLabel.map((r) => ({
          label: r.label,
          name: r.name,
          eer: Number.isNaN(r.eer) ? null : r.eer,
          nPositive: r.nPositive,
          nNegative: r.nNegative,
        })),
        mean: Number.isNaN(f.evaluation.mean) ? null : f.evaluation.mean,
      })),
      perLabel: labels.map((l, j) => ({
        label: l,
        name: DCASE2016_LABEL_NAMES[l],
        eer: Number.isNaN(table.classEers[j]) ? null : table.classEers[j],
      })),
      meanError: Number.isNaN(table.officialMean) ? null : table.officialMean,
      meanOfLabels: Number.isNaN(table.meanOfLabels) ? null : table.meanOfLabels,
    };
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }

  const rule = '     ===============================================';
  const lines = [
    `  File-wise evaluation, over ${folds.length} folds`,
    `     ${'Tag'.padEnd(20)} | ${'EER'.padEnd(8)}`,
    rule,
  ];
  // the official script sorts the rows by label name
  const order = labels.map((l, j) => ({ name: DCASE2016_LABEL_NAMES[l], j })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, j } of order) lines.push(`     ${name.padEnd(20)} | ${fmt(table.classEers[j], precision)} `);
  lines.push(rule);
  lines.push(`     ${'Mean error'.padEnd(20)} | ${fmt(table.officialMean, precision)} `);
  console.log(lines.join('\n'));
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runCommand('eer', command, argv);
}

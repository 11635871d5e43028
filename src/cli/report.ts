/**
 * `npx audio-aug-lab report <paper> --budget B [--results DIR]`: merge
 * whatever results are in a results directory (e.g. from several shards)
 * into the side-by-side report.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUDGETS, type BudgetName } from '../reproduce/experiment-schema.js';
import { pipelineFor } from '../reproduce/paper-pipelines.js';
import { buildReport, reportMarkdown, writeReport } from '../reproduce/report.js';
import { PAPERS } from '../reproduce/published.js';
import { collectResults } from '../reproduce/results.js';
import { writeReportCharts } from '../viz/report-chart.js';
import { FileAccessError, MissingFileError, UsageError } from '../util/errors.js';
import { exitCodesHelp, parseCommandArgs, runCommand } from './command.js';
import { checkOutputDir } from './files.js';

export const summary = 'merge the results in a results directory (all shards) into the published-vs-measured report';

const HELP = `usage: audio-aug-lab report <paper> [--budget smoke|quick|full] [--results DIR] [--out DIR] [--json]

  Reads <results>/<budget>/<paper>/**, prints the markdown report and writes
  report.md, report.csv, report.json, report.vl.json, report.svg and
  report.png (a long chart continues in report-2.svg/.png, ...: at most 40
  rows per page) to --out (default <results>/<budget>/<paper>/report). The results folder must hold
  results of <paper> at that budget (from 'audio-aug-lab reproduce').

${exitCodesHelp()}`;

async function command(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      budget: { type: 'string', default: 'smoke' },
      results: { type: 'string', default: 'results' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const paper = positionals[0];
  if (!paper) throw new UsageError(`give a paper: ${PAPERS.join(', ')}`);
  if (!(PAPERS as readonly string[]).includes(paper)) throw new UsageError(`unknown paper '${paper}' (papers: ${PAPERS.join(', ')})`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  if (!(BUDGETS as string[]).includes(values.budget!)) throw new UsageError(`--budget must be one of ${BUDGETS.join(', ')}, got '${values.budget}'`);
  const budget = values.budget as BudgetName;
  const resultsDir = resolve(values.results!);
  if (!existsSync(resultsDir)) throw new MissingFileError('results folder does not exist', values.results!);
  if (!statSync(resultsDir).isDirectory()) throw new FileAccessError('is not a folder; --results must be the results folder', values.results!, 'ENOTDIR');
  if (collectResults(resultsDir, budget, paper).length === 0) {
    throw new MissingFileError(
      `no ${budget} results of ${paper} in this folder (expected ${join(budget, paper)}/<experiment>/fold-*.json; ` +
        `run: audio-aug-lab reproduce ${paper} --budget ${budget} --results ${values.results})`,
      values.results!,
    );
  }
  const outDir = resolve(values.out ?? join(resultsDir, budget, paper, 'report'));
  checkOutputDir(values.out ?? outDir);
  const report = buildReport(paper, budget, resultsDir, await pipelineFor(paper));
  if (values.json) console.log(JSON.stringify(report, null, 1));
  else console.log(reportMarkdown(report));
  writeReport(report, outDir);
  await writeReportCharts(report, outDir);
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runCommand('report', command, argv);
}

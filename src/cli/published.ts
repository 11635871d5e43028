/**
 * `npx audio-aug-lab published <paper> [--json] [--settings]`: print a
 * paper's published numbers, one per cell, with table/row/column citations.
 */
import { PAPERS, loadPublished, publishedCells } from '../reproduce/published.js';
import { findInconsistencies } from '../reproduce/consistency.js';
import { UsageError } from '../util/errors.js';
import { exitCodesHelp, parseCommandArgs, runCommand } from './command.js';

export const summary = "print a paper's published numbers with citations (table, row, column)";

const HELP = `usage: audio-aug-lab published <paper> [--json] [--settings] [--errata]

  <paper>      one of: ${PAPERS.join(', ')}
  --json       one JSON record per cell: {paper, table, row, column, value, unit, citation}
               (values as printed in the paper, e.g. 76.9 with unit "%", Var 4.11 with unit "1e-3")
  --settings   also list settings the text states (batch size, learning rates, ...)
  --errata     also list the inconsistencies found within the published numbers

${exitCodesHelp()}`;

async function command(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      settings: { type: 'boolean', default: false },
      errata: { type: 'boolean', default: false },
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
  const cells = publishedCells(paper, { includeSettings: values.settings });
  const pub = loadPublished(paper);
  const findings = values.errata ? findInconsistencies(pub) : [];
  if (values.json) {
    const records = cells.map(({ paper: p, table, row, column, value, unit, citation }) => ({
      paper: p,
      table,
      row,
      column,
      value,
      unit,
      citation,
    }));
    console.log(JSON.stringify(values.errata ? { cells: records, errata: findings } : records, null, 1));
    return 0;
  }
  console.log(`${paper}: ${pub.reference}`);
  if (pub.note) console.log(`note: ${pub.note}`);
  let lastTable = '';
  for (const c of cells) {
    if (c.table !== lastTable) {
      console.log(`\n${c.table === 'text' ? 'Figures given in the text' : c.table}`);
      lastTable = c.table;
    }
    const label = c.table === 'text' ? c.row : `${c.row} | ${c.column}`;
    console.log(`  ${label.padEnd(48)} ${String(c.value).padStart(8)} ${c.unit}${c.otherAuthors ? '  (other authors)' : ''}`);
  }
  if (values.errata) {
    console.log('\nInconsistencies within the published numbers');
    for (const f of findings) console.log(`  [${f.level}] ${f.message}`);
  }
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runCommand('published', command, argv);
}

/**
 * Make the folder a user-defined study reads (`reproduce --study FILE
 * --data-dir DIR`): WAV files and a labels.csv (file,label,source[,fold]),
 * from an ESC-50 copy or, by default, the embedded ESC-10 sample
 * (src/data/labels-folder.ts says what is written).
 *
 *   npx tsx scripts/make-study-folder.ts OUT [--from DIR] [--esc10] [--link]
 *
 *   OUT         the folder to write (new, or empty)
 *   --from DIR  an ESC-50 root (meta/ and audio/) or a data root holding esc50/;
 *               default data-manifests/samples/esc10 (20 clips, 10 classes)
 *   --esc10     only the ESC-10 clips
 *   --link      symbolic links to the WAV files instead of copies
 */
import { parseArgs } from 'node:util';
import { makeLabelsFolder } from '../src/data/labels-folder.js';

const USAGE = 'usage: npx tsx scripts/make-study-folder.ts OUT [--from DIR] [--esc10] [--link]';

function main(): number {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { from: { type: 'string' }, esc10: { type: 'boolean', default: false }, link: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (e) {
    console.error(`make-study-folder: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`make-study-folder: give one output folder\n${USAGE}`);
    return 2;
  }
  try {
    const f = makeLabelsFolder({ out: positionals[0], from: values.from, subset: values.esc10 ? 'esc10' : undefined, link: values.link });
    console.log(
      `${f.out}: ${f.clips} clips of ${f.classes.length} classes from ${f.from}; ${f.labels} ` +
        `(${f.folds ? `folds 1-${f.folds} as in the copy` : 'no fold column: folds are made from the source column'})`,
    );
    return 0;
  } catch (e) {
    console.error(`make-study-folder: ${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = main();

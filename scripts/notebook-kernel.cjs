/**
 * Preloaded into the tslab kernel (`node --require scripts/notebook-kernel.cjs
 * .../tslab kernel ...`, written into the project-local kernel.json by
 * scripts/setup-notebooks.sh). Two things tslab needs to run this ESM
 * TypeScript package:
 *
 * 1. tslab compiles each cell to CommonJS and `require`s the imports, so the
 *    library's .ts sources must be loadable through `require`: tsx's CommonJS
 *    hook does that (it transpiles ESM TypeScript on the fly). Library code
 *    that loads a module lazily with a dynamic `import()` (the paper
 *    pipelines, src/reproduce/paper-pipelines.ts) goes through Node's ESM
 *    loader instead, which needs tsx's ESM hook: the kernel is started with
 *    `node --import <tsx>` (scripts/setup-notebooks.sh), which registers
 *    both. Without it, `viz.storedReports` failed with ERR_MODULE_NOT_FOUND
 *    as soon as harness results were stored. The `require('tsx/cjs')` below
 *    keeps this preload usable on its own.
 * 2. Notebooks import the library by the package's own name with `.js`
 *    specifiers (`audio-aug-lab/features/index.js`), the form TypeScript
 *    accepts (tslab's compiler, TS 5.0 with node10 resolution, rejects `.ts`
 *    specifiers). Node resolves the package self-reference through
 *    package.json "exports" ("./*": "./src/*") to `src/features/index.js`,
 *    which does not exist; tsx's ESM loader maps such `.js` paths to the
 *    `.ts` source but its CommonJS hook does not for self-references. The
 *    hook below retries `audio-aug-lab/...js` as `...ts` when the `.js`
 *    path does not resolve, the same mapping tsx applies elsewhere.
 *
 * (tslab's type checker finds the package through the symlink
 * notebooks/node_modules/audio-aug-lab -> ../../src, also made by the
 * set-up script.)
 */
'use strict';
require('tsx/cjs');
const Module = require('node:module');

const PREFIX = 'audio-aug-lab/';
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  try {
    return resolveFilename.call(this, request, parent, isMain, options);
  } catch (e) {
    if (typeof request === 'string' && request.startsWith(PREFIX) && request.endsWith('.js')) {
      return resolveFilename.call(this, `${request.slice(0, -3)}.ts`, parent, isMain, options);
    }
    throw e;
  }
};

/**
 * The import graph of src/**\/*.ts, read with the TypeScript parser (not
 * regular expressions, so imports inside comments and template strings are
 * not taken for imports): static imports and re-exports, `import type`,
 * type-position `import('x').T` and dynamic `import('x')` calls with a
 * literal specifier. Every edge counts, type-only ones included: a type-only
 * loop is still a loop in the design. Only relative specifiers that resolve
 * to a file under src/ are edges; packages and node: modules are not.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, relative to the repository root (src/...). */
  from: string;
  /** Imported file, relative to the repository root. */
  to: string;
  /** 1-based line of the import. */
  line: number;
  /** import type / export type / import('x').T: erased at run time. */
  typeOnly: boolean;
}

export function listSourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listSourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The file a relative specifier names ('./x.js' -> x.ts, './dir' -> dir/index.ts), or null. */
function resolveSpecifier(fromFile: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts'), base];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

/** Imports of one file: [specifier, line, typeOnly]. */
export function importsOf(file: string, text: string = readFileSync(file, 'utf8')): [string, number, boolean][] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: [string, number, boolean][] = [];
  const add = (lit: ts.Node, typeOnly: boolean) => {
    if (ts.isStringLiteralLike(lit)) out.push([lit.text, sf.getLineAndCharacterOfPosition(lit.getStart(sf)).line + 1, typeOnly]);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const namedTypeOnly =
        !!c && !c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, !!c && (c.isTypeOnly || namedTypeOnly));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const namedTypeOnly = !!node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, node.isTypeOnly || namedTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length > 0) {
      add(node.arguments[0], false);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every import edge between files of `srcDir` (paths relative to `root`). */
export function importGraph(root: string, srcDir = join(root, 'src')): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of listSourceFiles(srcDir)) {
    for (const [spec, line, typeOnly] of importsOf(file)) {
      const target = resolveSpecifier(file, spec);
      if (target && target.startsWith(srcDir)) edges.push({ from: relative(root, file), to: relative(root, target), line, typeOnly });
    }
  }
  return edges;
}

/** Strongly connected components with more than one file (or a file importing itself): the import cycles. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    next.get(e.from)!.push(e.to);
    if (!next.has(e.to)) next.set(e.to, []);
  }
  // Tarjan, iterative
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  for (const start of [...next.keys()].sort()) {
    if (idx.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    idx.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const succ = next.get(v)!;
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      } else {
        work.pop();
        if (work.length) low.set(work[work.length - 1][0], Math.min(low.get(work[work.length - 1][0])!, low.get(v)!));
        if (low.get(v) === idx.get(v)) {
          const comp: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            comp.push(w);
          } while (w !== v);
          if (comp.length > 1 || succ.includes(v)) out.push(comp.sort());
        }
      }
    }
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * For Jest's global set-up and tear-down (test/support/global-setup.ts, global-teardown.ts): the services that process tests start (gateway and
 * subgraphs, test/support/processes.ts) are compiled once per run with SWC, the compiler Jest
 * itself uses, instead of through tsx in every process. A process then starts in about half the
 * CPU time (a subgraph 0.37 s instead of 0.67 s here), which the process suites pay dozens of
 * times. The layout mirrors `npm run build`'s dist/ (the SDL and JSON files beside the code) in
 * a directory of its own per run, so a concurrent `npm run build` or another Jest run cannot
 * change it under a running test; `npm start` (supervisor and runtime tests) still runs as users
 * run it, through tsx or dist/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transformFileSync } from '@swc/core';
import { COMPILED_SERVICES_ENV } from './processes';

const ROOT = path.resolve(__dirname, '../..');
/** What the services import at run time; tests excluded. */
const SOURCE_DIRS = ['gateway', 'subgraphs', 'scripts', 'examples'];

/** Compiles every service module to a fresh directory and names it in {@link COMPILED_SERVICES_ENV}. */
export function compileServices(): void {
  process.env[COMPILED_SERVICES_ENV] = compileServicesOf(
    ROOT,
    fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-services-')),
  );
}

/**
 * Compiles the service modules of the checkout at `root` into `out` (which must exist), with the
 * repository's packages linked in; returns `out`. The benchmark compiles two checkouts so (`--compiled`).
 */
export function compileServicesOf(root: string, out: string): string {
  // The compiled modules find the repository's packages as dist/ does, one level up.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  for (const file of fs.globSync(
    SOURCE_DIRS.map((dir) => `${dir}/**/*`),
    {
      cwd: root,
      exclude: (name) => name === 'node_modules',
    },
  )) {
    const source = path.join(root, file);
    if (!fs.statSync(source).isFile() || file.endsWith('.test.ts')) continue;
    const target = path.join(out, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!file.endsWith('.ts')) {
      fs.copyFileSync(source, target);
      continue;
    }
    const { code } = transformFileSync(source, {
      // The options of jest.config.js: decorator metadata for TypeORM, CommonJS as tsc emits.
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
      swcrc: false,
      configFile: false,
    });
    fs.writeFileSync(target, code);
  }
  return out;
}

/** Jest's global tear-down: removes this run's compiled services. */
export function removeCompiledServices(): void {
  const out = process.env[COMPILED_SERVICES_ENV];
  if (out?.startsWith(path.join(os.tmpdir(), 'alliance-services-'))) fs.rmSync(out, { recursive: true, force: true });
}

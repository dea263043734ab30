/**
 * A whole stack (subgraphs, gateway, databases) from another commit of this repository, for a
 * before/after of the subgraphs in one bench run (`--profile-subgraphs --baseline REF`): the two
 * stacks run side by side and are measured in interleaved rounds, so the load other processes
 * put on the machine falls on both alike.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { COMPILED_SERVICES_ENV, startService, type RunningService } from '../test/support/processes';

const ROOT = path.resolve(__dirname, '..');

/**
 * The checkout `ref` names: a directory as it is (e.g. a git worktree), else a commit of this
 * repository extracted with `git archive` into `into`, with this checkout's node_modules linked
 * in (dependencies only grow from commit to commit, and tsx resolves them from the file).
 */
export function baselineTree(ref: string, into: string): string {
  if (fs.existsSync(ref) && fs.statSync(ref).isDirectory()) return path.resolve(ref);
  fs.mkdirSync(into, { recursive: true });
  const archive = spawnSync('git', ['-C', ROOT, 'archive', '--format=tar', ref], {
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr.toString().trim()}`);
  const tar = spawnSync('tar', ['-x', '-C', into], { input: archive.stdout });
  if (tar.status !== 0) throw new Error(`extracting ${ref} failed: ${tar.stderr.toString().trim()}`);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(into, 'node_modules'), 'dir');
  return into;
}

/** The subgraphs a checkout has (those of this checkout's list with an entry point there). */
export function baselineSubgraphs(tree: string, names: readonly string[]): string[] {
  return names.filter((name) => fs.existsSync(path.join(tree, 'subgraphs', name, 'index.ts')));
}

/** tsx reads the tsconfig of the working directory (this checkout's) unless told otherwise. */
function tsxEnv(tree: string): Record<string, string> {
  return { TSX_TSCONFIG_PATH: path.join(tree, 'tsconfig.json') };
}

/**
 * Seeds the checkout's databases with its own `bench/seed-scale.ts` (its own migrations and seed),
 * in a process of its own so that its entity classes never meet this checkout's. Returns its lines.
 */
export function seedBaseline(tree: string, env: Record<string, string>, scale: number, scratch: string): string[] {
  const script = path.join(scratch, 'seed-baseline.ts');
  fs.writeFileSync(
    script,
    [
      `import { seedForBenchmark } from ${JSON.stringify(path.join(tree, 'bench/seed-scale.ts'))};`,
      'seedForBenchmark(process.env as Record<string, string>, Number(process.env.BENCH_SCALE)).then(',
      "  (lines) => process.stdout.write(`${lines.join('\\n')}\\n`),",
      '  (error: unknown) => {',
      '    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\\n`);',
      '    process.exit(1);',
      '  },',
      ');',
      '',
    ].join('\n'),
  );
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: tree,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', ...env, ...tsxEnv(tree), BENCH_SCALE: String(scale) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`seeding the baseline failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout.trim().split('\n');
}

/**
 * Starts one of the checkout's services (`subgraphs/<name>/index.ts`, `gateway/index.ts`): under tsx with its
 * tsconfig, or from `compiled` (its services compiled by `compileServicesOf`) when this run's services are compiled.
 */
export function startBaselineService(
  tree: string,
  entry: string,
  compiled: string | undefined,
  env: Record<string, string>,
): Promise<RunningService> {
  const ours = process.env[COMPILED_SERVICES_ENV];
  // startService runs `<this run's compiled directory>/<entry>`: the entry is the baseline's, relative to it.
  const relative =
    compiled && ours ? path.relative(ours, path.join(compiled, entry)) : path.relative(ROOT, path.join(tree, entry));
  return startService(relative, { ...env, ...tsxEnv(tree) });
}

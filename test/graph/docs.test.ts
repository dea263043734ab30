/**
 * The documentation runs: every `graphql` block and every shell block that calls `curl`, in
 * README.md, docs/ and subgraphs/<name>/README.md, is sent to one freshly seeded graph in
 * file order, so the guides cannot drift from the API again.
 *
 * A block says how it runs in its info string (GitHub shows only the first word):
 * - ```graphql                       anonymous; must answer data and no error
 * - ```graphql credential=admin       with the development admin (or `member`) key
 * - ```graphql accept-language=zh-CN  with that header
 * - ```graphql expect=BAD_USER_INPUT  must answer an error with that code (shows a refusal)
 * - ```graphql example=issue-api-key  must be the text of examples/issue-api-key.graphql; runs
 *                                     with that example's variables, credential and headers
 * - ```sh norun                       not run (placeholders, production only, starts services):
 *                                     the marker is the author's statement that it cannot run
 * Shell blocks run in bash with `http://localhost:4000` pointed at the test's gateway and
 * `$API_KEY` holding the development member key (`credential=admin`: the admin key); every
 * JSON value they print must hold no `errors` (or the `expect=` code).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Credential, loadExamples } from '../../examples/catalog';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { graphql } from '../support/processes';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';

const ROOT = path.resolve(__dirname, '../..');
const DEVELOPMENT_GATEWAY = 'http://localhost:4000';
const SECRETS = { member: DEV_CREDENTIALS.member.secret, admin: DEV_CREDENTIALS.admin.secret };
const SHELLS = new Set(['sh', 'bash', 'shell', 'console']);
const ATTRIBUTES = new Set(['norun', 'credential', 'accept-language', 'expect', 'example']);

/** One fenced code block of a Markdown file. */
interface Block {
  /** Repository-relative file and 1-based line of the opening fence. */
  where: string;
  lang: string;
  attributes: Record<string, string>;
  text: string;
}

/** The Markdown files whose blocks must run: README, docs/ (all levels) and the subgraphs' READMEs. */
function documentationFiles(): string[] {
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .flatMap((entry) =>
        entry.isDirectory()
          ? walk(path.join(dir, entry.name))
          : entry.name.endsWith('.md')
            ? [path.join(dir, entry.name)]
            : [],
      );
  const subgraphReadmes = fs
    .readdirSync(path.join(ROOT, 'subgraphs'))
    .map((name) => path.join('subgraphs', name, 'README.md'))
    .filter((file) => fs.existsSync(path.join(ROOT, file)));
  return ['README.md', ...walk('docs').sort(), ...subgraphReadmes.sort()];
}

/** The fenced blocks of one file, with their info-string attributes (`key=value` or a bare flag). */
function blocksOf(file: string): Block[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^\s*(`{3,}|~{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !lines[i]!.trim().startsWith(fence); i += 1) body.push(lines[i]!);
    const attributes = Object.fromEntries(
      open[3]!
        .split(/\s+/)
        .filter(Boolean)
        .map((word) => {
          const [key, ...value] = word.split('=');
          return [key!, value.join('=')];
        }),
    );
    blocks.push({ where: `${file}:${start + 1}`, lang: open[2]!.toLowerCase(), attributes, text: body.join('\n') });
  }
  return blocks;
}

/** True for the blocks this test runs or must see marked `norun`: GraphQL, and shell blocks calling curl. */
const isApiBlock = (block: Block): boolean =>
  block.lang === 'graphql' || (SHELLS.has(block.lang) && /\bcurl\b/.test(block.text));

/** Splits what a shell block printed into its top-level JSON values (curl prints them back to back). */
function jsonValues(output: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < output.length; i += 1) {
    const c = output[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) values.push(JSON.parse(output.slice(start, i + 1)));
    }
  }
  return values;
}

/** The `extensions.code` of every error in a GraphQL answer. */
const errorCodes = (answer: unknown): string[] =>
  ((answer as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? []).map(
    (e) => e.extensions?.code ?? '(no code)',
  );

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a Markdown file's headings (outside code blocks), `-1`, `-2` for repeats. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    // An explicit anchor (`<a id="...">`) keeps an old link working after its heading was renamed.
    if (!inFence) for (const match of line.matchAll(/<a id="([^"]+)">/g)) anchors.add(match[1]!);
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = anchorOf(heading[1]!);
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n += 1) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

const files = documentationFiles();
const blocks = files.flatMap(blocksOf).filter(isApiBlock);
const runnable = blocks.filter((b) => !('norun' in b.attributes));
const examples = new Map(loadExamples().map((e) => [e.name, e]));

describe('the documentation, read', () => {
  it('marks its blocks only with attributes this test knows, naming existing examples', () => {
    for (const block of blocks) {
      const unknown = Object.keys(block.attributes).filter((key) => !ATTRIBUTES.has(key));
      expect([block.where, unknown]).toEqual([block.where, []]);
      const { example, credential } = block.attributes;
      if (example !== undefined) expect([block.where, examples.has(example)]).toEqual([block.where, true]);
      if (credential !== undefined)
        expect([block.where, ['anonymous', 'member', 'admin'].includes(credential)]).toEqual([block.where, true]);
    }
  });

  it('shows named examples exactly as examples/ holds them', () => {
    for (const block of blocks.filter((b) => b.attributes.example)) {
      const example = examples.get(block.attributes.example!)!;
      expect([block.where, block.text.trim()]).toEqual([block.where, example.document.trim()]);
    }
  });

  it('points only at examples that exist', () => {
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const [, name] of text.matchAll(/examples\/([\w-]+)\.graphql/g)) {
        expect([file, name, examples.has(name!)]).toEqual([file, name, true]);
      }
    }
  });

  it('links only to files and headings that exist', () => {
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [linked, anchor] = target!.split('#');
        const resolved = linked ? path.resolve(path.dirname(path.join(ROOT, file)), linked) : path.join(ROOT, file);
        // The public contract lives beside the repository, in the shared design folder.
        if (!resolved.startsWith(ROOT)) continue;
        expect([file, target, fs.existsSync(resolved)]).toEqual([file, target, true]);
        if (anchor && resolved.endsWith('.md')) {
          expect([file, target, anchorsOf(resolved).has(anchor)]).toEqual([file, target, true]);
        }
      }
    }
  });

  it('runs the guides: every block of docs/guides that calls the API is runnable', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(10);
    for (const block of blocks.filter((b) => b.where.startsWith('docs/guides/'))) {
      // Only placeholders the reader must fill in excuse a guide's block.
      if ('norun' in block.attributes)
        expect([block.where, block.text]).toEqual([block.where, expect.stringMatching(/<[a-z-]+>/)]);
    }
  });
});

describe('the documentation, run against one seeded graph', () => {
  let graph: InProcessGraph;
  const ran = new Set<string>();
  beforeAll(async () => {
    graph = await startInProcessGraph();
  });
  afterAll(() => graph?.stop());

  const title = (b: Block) =>
    [b.where, b.lang, ...Object.entries(b.attributes).map(([k, v]) => (v ? `${k}=${v}` : k))].join(' ');
  it.each(runnable.map((b) => [title(b), b] as const))('%s', async (_title, block) => {
    const expected = block.attributes.expect;
    if (block.lang === 'graphql') {
      const example = block.attributes.example ? examples.get(block.attributes.example)! : undefined;
      // A mutation example runs once, where the documentation first shows it.
      if (example && ran.has(example.name)) return;
      if (example) ran.add(example.name);
      // The first test of this file refuses any other value of `credential=`.
      const credential = example?.credential ?? (block.attributes.credential as Credential | undefined) ?? 'anonymous';
      const headers: Record<string, string> = { ...example?.headers };
      if (block.attributes['accept-language']) headers['accept-language'] = block.attributes['accept-language'];
      if (credential !== 'anonymous') headers.authorization = `Bearer ${SECRETS[credential]}`;
      const { body } = await graphql(graph.gateway.url, block.text, example?.variables ?? {}, headers);
      if (expected) {
        expect(errorCodes(body)).toContain(expected);
      } else {
        expect(errorCodes(body)).toEqual([]);
        expect(body.data).toBeTruthy();
      }
      return;
    }
    const credential = block.attributes.credential === 'admin' ? 'admin' : 'member';
    const script = block.text.replaceAll(DEVELOPMENT_GATEWAY, graph.gateway.url);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      env: { ...process.env, API_KEY: SECRETS[credential] },
      timeout: 30_000,
    });
    const answers = jsonValues(stdout);
    expect([stdout.slice(0, 200), answers.length > 0]).toEqual([stdout.slice(0, 200), true]);
    for (const answer of answers) {
      if (expected) expect(errorCodes(answer)).toContain(expected);
      else {
        expect(errorCodes(answer)).toEqual([]);
        // A GraphQL answer must carry data; other JSON (an access token) has no `data` key.
        if (typeof answer === 'object' && answer !== null && 'data' in answer) expect(answer.data).toBeTruthy();
      }
    }
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import type { InProcessGraph } from './gateway';
import { graphql } from './processes';

const ROOT = path.resolve(__dirname, '../..');

/** The development member that writes the stories of the live examples' tests (Chengdu Evening News). */
export const AUTHOR_KEY = DEV_CREDENTIALS.member.secret;

/** Waits until `condition` holds, checking every 10 ms (the test's timeout bounds the wait). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Subscribers of the content subgraph that receive what is published now: the gateway's upstream
 * subscriptions. Subscriptions are not acknowledged (graphql-ws) or only by the stream's start
 * (SSE), and what is published before the subgraph receives for a subscriber is not delivered,
 * so a test publishes once this count has grown.
 */
export function contentReceivers(graph: InProcessGraph): number {
  return graph.subgraphs.content!.built.receiving();
}

/**
 * Creates a story as `as` (the development member by default) and publishes it through the
 * gateway; resolves with its id.
 */
export async function publishStory(
  gatewayUrl: string,
  title: string,
  attractionIds: string[] = [],
  as = AUTHOR_KEY,
): Promise<string> {
  const authorization = { authorization: `Bearer ${as}` };
  const created = await graphql<{ createContent: { id: string } }>(
    gatewayUrl,
    'mutation($input: CreateContentInput!) { createContent(input: $input) { id } }',
    { input: { kind: 'ARTICLE', title, language: 'en', attractionIds } },
    authorization,
  );
  if (!created.body.data) throw new Error(`createContent failed: ${JSON.stringify(created.body)}`);
  const id = created.body.data.createContent.id;
  const published = await graphql(
    gatewayUrl,
    'mutation($id: ID!) { publishContent(id: $id) { id } }',
    { id },
    authorization,
  );
  if (published.body.errors) throw new Error(`publishContent failed: ${JSON.stringify(published.body)}`);
  return id;
}

/** An example script running as its own process under tsx, as a reader would run it. */
export interface RunningExample {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  /** Resolves once its output matches `pattern`; rejects if it exits first. */
  printed: (pattern: RegExp) => Promise<void>;
  /** Resolves with its exit code. */
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

/** Starts `npx tsx <entry>` (`entry` relative to the repository) with `env` added to PATH alone. */
export function runExample(entry: string, env: Record<string, string>): RunningExample {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    output: () => text,
    exited,
    printed: async (pattern) => {
      await until(() => pattern.test(text) || done);
      if (!pattern.test(text)) throw new Error(`${entry} exited without printing ${pattern}:\n${text}`);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // The example lets go of its connection on SIGTERM and exits by itself; a hung one is killed.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

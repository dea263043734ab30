import fs from 'node:fs';
import path from 'node:path';

/** Which credential an example needs: none, a member's API key or an admin's. */
export type Credential = 'anonymous' | 'member' | 'admin';

/** One example operation as listed in examples/index.json. */
export interface ExampleEntry {
  /** File stem: `<name>.graphql` and `<name>.variables.json`. */
  name: string;
  credential: Credential;
  /** Subgraphs and topics it shows (`cross-subgraph`, `pagination`, `filters`, ...). */
  covers: string[];
  description: string;
  /** Extra request headers, e.g. `Accept-Language` for localisation. */
  headers?: Record<string, string>;
}

/** An example with its document and variables read from disk. */
export interface Example extends ExampleEntry {
  document: string;
  variables: Record<string, unknown>;
}

/** The examples directory. */
export const EXAMPLES_DIR = __dirname;

/** Reads every example listed in examples/index.json, in the listed order. */
export function loadExamples(dir = EXAMPLES_DIR): Example[] {
  const { examples } = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
    examples: ExampleEntry[];
  };
  return examples.map((entry) => ({
    ...entry,
    document: fs.readFileSync(path.join(dir, `${entry.name}.graphql`), 'utf8'),
    variables: JSON.parse(fs.readFileSync(path.join(dir, `${entry.name}.variables.json`), 'utf8')) as Record<
      string,
      unknown
    >,
  }));
}

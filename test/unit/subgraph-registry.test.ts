import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PORTS, SUBGRAPHS, SUBGRAPH_NAMES } from '../../subgraphs';
import { defineSubgraph } from '../../subgraphs/kit/subgraph';
import { membership } from '../../subgraphs/membership/server';

const SUBGRAPHS_DIR = path.resolve(__dirname, '../../subgraphs');

describe('the subgraph registry', () => {
  it('lists every subgraph folder once, each with its own name and port', () => {
    const folders = fs
      .readdirSync(SUBGRAPHS_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'kit')
      .map((entry) => entry.name);
    expect([...SUBGRAPH_NAMES].sort()).toEqual(folders.sort());
    for (const subgraph of SUBGRAPHS) expect(subgraph.dir).toBe(path.join(SUBGRAPHS_DIR, subgraph.name));
    const ports = Object.values(DEFAULT_PORTS);
    expect(new Set(ports).size).toBe(ports.length);
    expect(DEFAULT_PORTS).toEqual({
      gateway: 4000,
      membership: 4001,
      content: 4002,
      campaigns: 4003,
      tourism: 4004,
    });
  });

  it('fails where a subgraph is declared when its schema.graphql is missing, naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-no-schema-'));
    try {
      expect(() => defineSubgraph({ ...membership, ...typedParts(), name: 'empty', dir })).toThrow(
        `subgraph "empty" has no schema: ${path.join(dir, 'schema.graphql')} is missing`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The typed parts of a definition, which the erased descriptor does not expose. */
function typedParts() {
  return {
    resolvers: {},
    createRepositories: () => ({}),
    createLoaders: () => ({}),
  };
}

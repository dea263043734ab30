import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import codegen from '../../codegen';
import { renderDeploymentFiles } from '../../scripts/deployment';
import { healthcheckPort } from '../../scripts/healthcheck';
import { subgraphFolders } from '../../scripts/subgraphs';
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
      usage: 4005,
    });
  });

  it('derives every per-subgraph piece from the folder and its one line in the registry', () => {
    // Tools that must not load the registry find the same subgraphs by their folders.
    expect(subgraphFolders()).toEqual([...SUBGRAPH_NAMES].sort());
    const generates = codegen.generates as Record<string, { config?: { mappers?: Record<string, string> } }>;
    for (const { name, port, dir } of SUBGRAPHS) {
      // codegen: the subgraph's own mappers (a plain object in its folder) and its typed resolvers.
      const { mappers } = jest.requireActual<{ mappers: Record<string, string> }>(path.join(dir, 'codegen.ts'));
      const target = generates[`subgraphs/${name}/generated/resolvers-types.ts`];
      expect([name, target?.config?.mappers]).toEqual([name, expect.objectContaining(mappers)]);
      expect([name, fs.existsSync(path.join(dir, 'generated/resolvers-types.ts'))]).toEqual([name, true]);
      // The process `npm run start:service -- <name>` and the image run (scripts/service.ts).
      expect([name, fs.existsSync(path.join(dir, 'index.ts'))]).toEqual([name, true]);
      // The image's health check.
      expect([name, healthcheckPort({ SERVICE: name })]).toEqual([name, port]);
    }
    // docker-compose.yml and .env.example (`npm run deployment`): on failure, what each region lacks.
    expect(renderDeploymentFiles(SUBGRAPHS).flatMap((file) => file.stale)).toEqual([]);
  });

  it('fails where a subgraph is declared when it emits events without an outbox, or events of another', () => {
    expect(() => defineSubgraph({ ...membership, ...typedParts(), entities: [] })).toThrow(
      'subgraph "membership" emits events but has no outbox: add OutboxEvent (kit/events/OutboxEvent.ts) to its entities and createOutboxTables to its migrations',
    );
    expect(() => defineSubgraph({ ...membership, ...typedParts(), events: ['ContentPublished'] })).toThrow(
      'subgraph "membership" declares event ContentPublished, which subgraph "content" publishes',
    );
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

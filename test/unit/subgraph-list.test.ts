import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allSubgraphs } from '../../scripts/subgraphs';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';

describe('the list of subgraphs', () => {
  it('holds every subgraph of the fixed list in this checkout', () => {
    expect(allSubgraphs().map((s) => s.name)).toEqual([...SUBGRAPH_NAMES]);
  });

  it('fails, naming the file, when a subgraph schema is missing instead of leaving the subgraph out', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-subgraphs-'));
    try {
      for (const name of SUBGRAPH_NAMES.filter((n) => n !== 'tourism')) {
        fs.mkdirSync(path.join(root, 'subgraphs', name), { recursive: true });
        fs.writeFileSync(path.join(root, 'subgraphs', name, 'schema.graphql'), 'type Query { ok: Boolean }\n');
      }
      expect(() => allSubgraphs(root)).toThrow(
        `subgraph schema file missing: ${path.join(root, 'subgraphs', 'tourism', 'schema.graphql')}`,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadManifest, operationId } from '../../gateway/operations';
import { buildManifest } from '../../scripts/trusted-documents';

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-ops-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('the trusted-documents manifest builder', () => {
  it('lists every named operation with its fragments inlined and its SHA-256 as id', () => {
    const dir = folder({
      'a.graphql': 'query Alliance { alliance { ...Names } }\nfragment Names on Alliance { name localName }',
      'nested/b.graphql': 'mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id } }',
    });
    const manifest = buildManifest(dir);
    expect(manifest.operations.map((o) => [o.name, o.type])).toEqual([
      ['Alliance', 'query'],
      ['Revoke', 'mutation'],
    ]);
    const alliance = manifest.operations[0]!;
    expect(alliance.body).toContain('fragment Names on Alliance');
    expect(alliance.id).toBe(operationId(alliance.body));
    // What it writes, the gateway reads back.
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify(manifest));
    expect([...loadManifest(file).keys()].sort()).toEqual(manifest.operations.map((o) => o.id).sort());
  });

  it('refuses unnamed operations and names used twice', () => {
    expect(() => buildManifest(folder({ 'a.graphql': '{ alliance { name } }' }))).toThrow(/needs a name/);
    expect(() =>
      buildManifest(
        folder({ 'a.graphql': 'query A { alliance { name } }', 'b.graphql': 'query A { viewer { role } }' }),
      ),
    ).toThrow(/used twice/);
  });

  it('makes the gateway refuse a manifest whose ids do not match the operations', () => {
    const dir = folder({});
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: 'f'.repeat(64), name: 'A', type: 'query', body: 'query A { alliance { name } }' }],
      }),
    );
    expect(() => loadManifest(file)).toThrow(/not its SHA-256/);
  });
});

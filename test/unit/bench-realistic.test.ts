import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { REALISTIC_OPERATIONS, realisticRequests } from '../../bench/realistic';

const schema = buildSchema(fs.readFileSync(path.join(__dirname, '../../schema/api.graphql'), 'utf8'));

function draw(seed: number, count: number, scale = 10) {
  const next = realisticRequests(seed, scale);
  return Array.from({ length: count }, () => {
    const request = next();
    const body = JSON.parse(request.body) as { query: string; operationName: string; variables: object };
    return { ...request, ...body };
  });
}

describe('the realistic benchmark mix (scenario R)', () => {
  it('draws the same sequence from the same seed, and another from another seed', () => {
    expect(draw(7, 200).map((r) => r.body)).toEqual(draw(7, 200).map((r) => r.body));
    expect(draw(8, 200).map((r) => r.body)).not.toEqual(draw(7, 200).map((r) => r.body));
  });

  it('sends every operation of the mix, with variables that vary from request to request', () => {
    const requests = draw(1, 600);
    for (const operation of REALISTIC_OPERATIONS) {
      const ofOperation = requests.filter((r) => r.operation === operation.name);
      // Each operation's share is near its weight (out of 100).
      expect(ofOperation.length).toBeGreaterThan(600 * (operation.weight / 100) * 0.6);
      const distinct = new Set(ofOperation.map((r) => JSON.stringify(r.variables)));
      expect(distinct.size).toBeGreaterThan(ofOperation.length * 0.8);
    }
    // 16 concurrent connections almost never send the same request: few repeats among neighbours.
    const repeats = requests.filter((r, i) => requests.slice(Math.max(0, i - 16), i).some((p) => p.body === r.body));
    expect(repeats.length).toBeLessThan(requests.length * 0.02);
  });

  it('only sends operations valid against the public API, with variables of the declared names and types', () => {
    for (const request of draw(2, 300)) {
      const document = parse(request.query);
      expect(validate(schema, document)).toEqual([]);
      const operation = document.definitions[0]!;
      if (operation.kind !== 'OperationDefinition') throw new Error('not an operation');
      expect(operation.name?.value).toBe(request.operationName);
      const declared = (operation.variableDefinitions ?? []).map((v) => v.variable.name.value).sort();
      expect(Object.keys(request.variables).sort()).toEqual(declared);
      // The values coerce to the declared types (e.g. NearInput, ID!, Int!).
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { ...request.variables });
      expect(coerced.errors).toBeUndefined();
    }
  });

  it('draws ids of the benchmark-scale seed only: bigger scales reach further', () => {
    const ids = (scale: number) =>
      new Set(
        draw(3, 2000, scale)
          .filter((r) => r.operation === 'CampaignById')
          .map((r) => (r.variables as { id: string }).id),
      );
    // scale 1 seeds 10 campaigns, scale 10 seeds 100.
    expect(ids(1).size).toBeLessThanOrEqual(10);
    expect(ids(10).size).toBeGreaterThan(10);
  });
});

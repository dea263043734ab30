import { In } from 'typeorm';
import { Campaign } from '../../subgraphs/campaigns/entities';
import { campaigns } from '../../subgraphs/campaigns/server';
import { entityColumns, findEntitiesByIds, hydrate, readRows } from '../../subgraphs/kit/rows';
import { Member } from '../../subgraphs/membership/entities';
import { membership } from '../../subgraphs/membership/server';
import { Attraction, VisitorStat } from '../../subgraphs/tourism/entities';
import { tourism } from '../../subgraphs/tourism/server';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness } from '../support/subgraph';

/** Entities by id through the kit's reader and through TypeORM's findBy: the same objects, one statement. */
describe.each(ENGINES)('entities by id on %s', (engine) => {
  const cases = [
    ['tourism', tourism, Attraction],
    ['membership', membership, Member],
    ['campaigns', campaigns, Campaign],
  ] as const;

  describe.each(cases)('%s', (_name, subgraph, entity) => {
    let harness: SubgraphHarness;
    beforeAll(async () => {
      harness = await openSubgraph(subgraph, engine);
    });
    afterAll(() => harness.close());

    it('answers what findBy answers, as entities of the same class, in one statement', async () => {
      const { dataSource } = harness.database;
      const all = await dataSource.getRepository(entity as never).find({ take: 5 });
      const ids = [...all.map((row) => (row as { id: string }).id), 'no-such-id'];
      const expected = await dataSource.getRepository(entity as never).findBy({ id: In(ids) } as never);
      let rows: unknown[] = [];
      const statements = await harness.database.queries.measure(async () => {
        rows = await findEntitiesByIds(dataSource, entity as never, ids);
      });
      expect(statements).toBe(1);
      const byId = (list: unknown[]) =>
        [...list].sort((a, b) => String((a as { id: string }).id).localeCompare((b as { id: string }).id));
      expect(byId(rows)).toEqual(byId(expected));
      expect(rows.length).toBe(5);
      for (const row of rows) expect(row).toBeInstanceOf(entity);
      expect(await harness.database.queries.measure(() => findEntitiesByIds(dataSource, entity as never, []))).toBe(0);
    });
  });
});

/** Hand-written reads hydrated by the kit: what TypeORM's find() answers, entities of the same class. */
describe.each(ENGINES)('hand-written reads on %s', (engine) => {
  let harness: SubgraphHarness;
  beforeAll(async () => {
    harness = await openSubgraph(tourism, engine);
  });
  afterAll(() => harness.close());

  it.each([
    ['attraction', Attraction, 'id'],
    ['visitor_stat', VisitorStat, 'attraction_id, month'],
  ] as const)('%s rows read with entityColumns and hydrated equal find()', async (table, entity, order) => {
    const { dataSource } = harness.database;
    const expected = await dataSource.getRepository(entity as never).find({
      order: Object.fromEntries(
        order.split(', ').map((c) => [c === 'attraction_id' ? 'attractionId' : c, 'ASC']),
      ) as never,
    });
    expect(expected.length).toBeGreaterThan(0);
    let rows: Record<string, unknown>[] = [];
    const statements = await harness.database.queries.measure(async () => {
      rows = await readRows(
        dataSource,
        `SELECT ${entityColumns(dataSource, entity, 't')} FROM ${table} t ORDER BY ${order
          .split(', ')
          .map((c) => `t.${c}`)
          .join(', ')}`,
        [],
      );
    });
    expect(statements).toBe(1);
    const hydrated = hydrate(dataSource, entity as never, rows);
    expect(hydrated).toEqual(expected);
    for (const row of hydrated) expect(row).toBeInstanceOf(entity);
  });
});

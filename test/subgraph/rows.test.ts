import { In } from 'typeorm';
import { Campaign } from '../../subgraphs/campaigns/entities';
import { campaigns } from '../../subgraphs/campaigns/server';
import { findEntitiesByIds } from '../../subgraphs/kit/rows';
import { Member } from '../../subgraphs/membership/entities';
import { membership } from '../../subgraphs/membership/server';
import { Attraction } from '../../subgraphs/tourism/entities';
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

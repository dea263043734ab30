import { openDatabase, type Database } from '../../subgraphs/kit/database';
import { stableId } from '../../subgraphs/kit/ids';
import { createLogger } from '../../subgraphs/kit/logger';
import type { BuiltSubgraph } from '../../subgraphs/kit/descriptor';
import { Member, entities } from '../../subgraphs/membership/entities';
import { migrations } from '../../subgraphs/membership/migrations';
import { seed } from '../../subgraphs/membership/seed';
import { membership } from '../../subgraphs/membership/server';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { TEST_SECURITY } from '../support/subgraph';

// Read replicas are a MySQL feature (TypeORM replication); a second database on the local
// server stands in for the replica. Runs when TEST_MYSQL_URL is set.
const describeOnMysql = process.env.TEST_MYSQL_URL ? describe : describe.skip;

describeOnMysql('read replicas on mysql', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let routed: Database;
  let built: BuiltSubgraph;
  const id = stableId('member', 'leshan-daily');
  const admin = { role: 'ADMIN' as const, memberId: stableId('member', 'tianfu-daily'), keyId: 'k' };

  beforeAll(async () => {
    [primary, replica] = await Promise.all([createTestDatabase('mysql'), createTestDatabase('mysql')]);
    for (const target of [primary, replica]) {
      const db = await openDatabase({ config: target.config, entities, migrations });
      await seed(db.dataSource, { devCredentials: false });
      if (target === replica)
        await db.dataSource.getRepository(Member).update({ id }, { nameEn: 'Read from the replica' });
      await db.dataSource.destroy();
    }
    if (primary.config.kind !== 'mysql' || replica.config.kind !== 'mysql') throw new Error('mysql expected');
    routed = await openDatabase({
      config: { ...primary.config, readUrls: [replica.config.url] },
      entities,
      migrations,
    });
    built = await membership.build(routed, createLogger('test', 'silent'), TEST_SECURITY);
  });
  afterAll(async () => {
    await built?.stop();
    await routed?.dataSource.destroy();
    await Promise.all([primary?.drop(), replica?.drop()]);
  });

  async function run<T>(query: string, variables: Record<string, unknown> = {}) {
    const response = await built.executeOperation({ query, variables }, { viewer: admin });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return response.body.singleResult as { data?: T; errors?: unknown[] };
  }

  it('sends reads outside transactions to the replica', async () => {
    const { data } = await run<{ member: { name: string } }>(`{ member(id: "${id}") { name } }`);
    expect(data!.member.name).toBe('Read from the replica');
  });

  it('sends writes to the primary and answers them from the primary (read your own write)', async () => {
    const { data, errors } = await run<{ updateMember: { name: string } }>(
      'mutation($id: ID!) { updateMember(id: $id, input: { name: "Leshan Daily (renamed)" }) { name } }',
      { id },
    );
    expect(errors).toBeUndefined();
    expect(data!.updateMember.name).toBe('Leshan Daily (renamed)');
    const onPrimary = await openDatabase({ config: primary.config, entities, migrations });
    try {
      expect((await onPrimary.dataSource.getRepository(Member).findOneByOrFail({ id })).nameEn).toBe(
        'Leshan Daily (renamed)',
      );
    } finally {
      await onPrimary.dataSource.destroy();
    }
    // The replica (which nothing replicates to here) still has its own value.
    const again = await run<{ member: { name: string } }>(`{ member(id: "${id}") { name } }`);
    expect(again.data!.member.name).toBe('Read from the replica');
  });
});

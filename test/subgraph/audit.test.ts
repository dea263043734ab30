import { AuditRecord } from '../../subgraphs/kit/audit/AuditRecord';
import { createMutationRunner } from '../../subgraphs/kit/audit/mutations';
import { badUserInput, forbidden } from '../../subgraphs/kit/errors';
import { stableId } from '../../subgraphs/kit/ids';
import { Member } from '../../subgraphs/membership/entities';
import { membership as membershipSubgraph } from '../../subgraphs/membership/server';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness } from '../support/subgraph';

const ADMIN = { role: 'ADMIN' as const, memberId: stableId('member', 'tianfu-daily'), keyId: 'key-1' };

describe.each(ENGINES)('audited mutations on %s', (engine) => {
  let subgraph: SubgraphHarness;
  const target = stableId('member', 'aba-herald');

  beforeAll(async () => {
    subgraph = await openSubgraph(membershipSubgraph, engine);
  });
  afterAll(() => subgraph.close());

  const records = (requestId: string) => subgraph.database.dataSource.getRepository(AuditRecord).findBy({ requestId });
  const nameOf = async () =>
    (await subgraph.database.dataSource.getRepository(Member).findOneByOrFail({ id: target })).nameEn;

  it('commits the change and its SUCCESS record together', async () => {
    const mutate = createMutationRunner(subgraph.database.dataSource, ADMIN, 'req-success');
    await mutate({ operation: 'renameForTest', targetType: 'Member', targetId: target }, (manager) =>
      manager.getRepository(Member).update({ id: target }, { nameEn: 'Aba Herald (renamed)' }),
    );
    expect(await nameOf()).toBe('Aba Herald (renamed)');
    expect(await records('req-success')).toEqual([
      expect.objectContaining({ outcome: 'SUCCESS', operation: 'renameForTest', actorRole: 'ADMIN', targetId: target }),
    ]);
  });

  it('rolls back a change that fails half-way and keeps only a FAILED record', async () => {
    const mutate = createMutationRunner(subgraph.database.dataSource, ADMIN, 'req-failed');
    await expect(
      mutate({ operation: 'halfWay', targetType: 'Member', targetId: target }, async (manager) => {
        await manager.getRepository(Member).update({ id: target }, { nameEn: 'half-written' });
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await nameOf()).toBe('Aba Herald (renamed)');
    expect(await records('req-failed')).toEqual([
      expect.objectContaining({ outcome: 'FAILED', errorCode: 'INTERNAL_SERVER_ERROR' }),
    ]);
  });

  it('records refusals as DENIED and bad input as REJECTED, with the error code', async () => {
    const deny = createMutationRunner(subgraph.database.dataSource, ADMIN, 'req-denied');
    await expect(
      deny({ operation: 'x', targetType: 'Member' }, async () => {
        throw forbidden('no');
      }),
    ).rejects.toThrow('no');
    const reject = createMutationRunner(subgraph.database.dataSource, ADMIN, 'req-rejected');
    await expect(
      reject({ operation: 'x', targetType: 'Member' }, async () => {
        throw badUserInput('bad');
      }),
    ).rejects.toThrow('bad');
    expect(await records('req-denied')).toEqual([
      expect.objectContaining({ outcome: 'DENIED', errorCode: 'FORBIDDEN' }),
    ]);
    expect(await records('req-rejected')).toEqual([
      expect.objectContaining({ outcome: 'REJECTED', errorCode: 'BAD_USER_INPUT' }),
    ]);
  });
});

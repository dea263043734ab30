import { encodeCursor } from '../../subgraphs/kit/pagination';
import { stableId } from '../../subgraphs/kit/ids';
import { campaigns as campaignsSubgraph } from '../../subgraphs/campaigns/server';
import { Campaign } from '../../subgraphs/campaigns/entities';
import { content as contentSubgraph } from '../../subgraphs/content/server';
import { Member } from '../../subgraphs/membership/entities';
import { membership as membershipSubgraph } from '../../subgraphs/membership/server';
import { tourism as tourismSubgraph } from '../../subgraphs/tourism/server';
import type { Subgraph } from '../../subgraphs/kit/descriptor';
import { ENGINES } from '../support/databases';
import { openSubgraph, type Result, type SubgraphHarness } from '../support/subgraph';

const ADMIN = { role: 'ADMIN' as const, memberId: stableId('member', 'tianfu-daily'), keyId: 'key-1' };
type Harness = SubgraphHarness;

/**
 * User errors come from each subgraph's validation and resolvers, never from its repositories
 * (subgraphs/README.md). Bad list filters are refused before any SQL statement runs; a taken
 * slug is a CONFLICT that writes nothing. The messages and codes are part of what clients read.
 */
describe.each(ENGINES)('user errors on %s', (engine) => {
  const harnesses: Record<string, Harness> = {};
  const open = async (name: string, subgraph: Subgraph) => {
    harnesses[name] = await openSubgraph(subgraph, engine);
  };
  beforeAll(async () => {
    await open('membership', membershipSubgraph);
    await open('content', contentSubgraph);
    await open('tourism', tourismSubgraph);
    await open('campaigns', campaignsSubgraph);
  });
  afterAll(async () => {
    for (const harness of Object.values(harnesses)) await harness.close();
  });

  const long = 'x'.repeat(101);
  // Three values like a `near` cursor, but without its tag.
  const untaggedCursor = encodeCursor(['leshan-giant-buddha', 1, stableId('attraction', 'leshan-giant-buddha')]);
  it.each([
    [
      'membership',
      '{ members(filter: { search: "  " }) { totalCount } }',
      'filter.search must be 1 to 100 characters',
      'filter.search',
    ],
    [
      'membership',
      '{ members(filter: { region: "Tibet" }) { totalCount } }',
      'filter.region must be one of Sichuan, Chongqing, National, International',
      'filter.region',
    ],
    [
      'content',
      `{ contents(filter: { search: "${long}" }) { totalCount } }`,
      'filter.search must be 1 to 100 characters, got 101',
      'filter.search',
    ],
    [
      'content',
      '{ contents(filter: { publishedAfter: "2025-02-01T00:00:00Z", publishedBefore: "2025-01-01T00:00:00Z" }) { totalCount } }',
      'filter.publishedAfter must not be after filter.publishedBefore',
      'filter.publishedAfter',
    ],
    [
      'tourism',
      `{ attractions(filter: { search: "${long}" }) { totalCount } }`,
      'filter.search must be 1 to 100 characters',
      'filter.search',
    ],
    [
      'tourism',
      `{ attractions(filter: { near: { latitude: 30.6, longitude: 104.1, radiusKm: 50 } }, after: "${untaggedCursor}") { totalCount } }`,
      '`after` is not a cursor from a `near` search: pass an endCursor or edge cursor of the same query',
      'after',
    ],
    [
      'membership',
      '{ audit { membership(filter: { from: "2025-02-01T00:00:00Z", to: "2025-01-01T00:00:00Z" }) { totalCount } } }',
      'filter.from must not be after filter.to',
      'filter.from',
    ],
    ['membership', '{ member(id: "x", slug: "y") { id } }', 'member needs exactly one of `id` or `slug`', undefined],
    ['tourism', '{ destination { id } }', 'destination needs exactly one of `id` or `slug`', undefined],
  ])('%s: %s', async (name, query, message, field) => {
    const harness = harnesses[name]!;
    let result: Result = {};
    const statements = await harness.database.queries.measure(async () => {
      result = await harness.execute(query, {}, { viewer: ADMIN });
    });
    expect(
      result.errors?.map((e) => ({ message: e.message, code: e.extensions?.code, field: e.extensions?.field })),
    ).toEqual([{ message, code: 'BAD_USER_INPUT', field }]);
    expect(statements).toBe(0);
  });

  it.each([
    [
      'dailyMetrics(from: "2025-08-01", to: "2025-07-01") { date }',
      'from (2025-08-01) must not be after to (2025-07-01)',
      'from',
    ],
    ['topParticipants(first: 101) { role }', '`first` must be between 0 and 100, got 101', 'first'],
    ['participants(first: -1) { totalCount }', '`first` must be between 0 and 100, got -1', 'first'],
  ])('campaigns: Campaign.%s is refused before its loader runs', async (field, message, argument) => {
    const harness = harnesses.campaigns!;
    const query = `{ campaign(slug: "panda-summer-2025") { name ${field} } }`;
    let result: Result<{ campaign: { name: string } | null }> = {};
    const statements = await harness.database.queries.measure(async () => {
      result = await harness.execute(query, {}, { viewer: ADMIN });
    });
    expect(
      result.errors?.map((e) => ({ message: e.message, code: e.extensions?.code, field: e.extensions?.field })),
    ).toEqual([{ message, code: 'BAD_USER_INPUT', field: argument }]);
    expect(statements).toBe(1); // the campaign itself
  });

  it.each([
    [
      'membership',
      `mutation { admitMember(input: { slug: "tianfu-daily", name: "Again", localName: "再", kind: NEWSPAPER, region: "Sichuan" }) { id } }`,
      'a member with slug "tianfu-daily" already exists: choose another slug',
    ],
    [
      'campaigns',
      `mutation { launchCampaign(input: { slug: "panda-summer-2025", name: "Again", localName: "再", startsOn: "2025-07-01", endsOn: "2025-07-31", organizerId: "${ADMIN.memberId}" }) { id } }`,
      'a campaign with slug "panda-summer-2025" already exists: choose another slug',
    ],
  ])('%s: a taken slug is a CONFLICT and writes nothing', async (name, mutation, message) => {
    const harness = harnesses[name]!;
    const rows = () =>
      harness.database.dataSource.getRepository<object>(name === 'campaigns' ? Campaign : Member).count();
    const before = await rows();
    const result = await harness.execute(mutation, {}, { viewer: ADMIN });
    expect(result.errors?.map((e) => ({ message: e.message, code: e.extensions?.code }))).toEqual([
      { message, code: 'CONFLICT' },
    ]);
    expect(await rows()).toBe(before);
  });
});

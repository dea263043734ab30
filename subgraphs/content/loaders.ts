import DataLoader from 'dataloader';
import { groupLoader, rowLoader } from '../kit/loaders';
import { type Connection, type PageArgs, readPageArgs, toConnection } from '../kit/pagination';
import type { Content, ContentAttraction, ContentStatus, ContentTag } from './entities';
import type { ContentRepositories } from './repositories';
import { type Audience, CONTENT_ORDER, type ParentKind } from './repositories/contents';

/** One parent's list request: the parent, its page, and who asks. */
export interface PerParentRequest {
  parentId: string;
  page: PageArgs;
  audience: Audience;
  status?: ContentStatus | null;
  publishedOnly: boolean;
}

/** Requests that can share one statement: everything but the parent id. */
function groupKey(request: PerParentRequest, withPage: boolean): string {
  return JSON.stringify([
    withPage ? (request.page.first ?? null) : null,
    withPage ? (request.page.after ?? null) : null,
    request.audience.admin,
    request.audience.memberId,
    request.status ?? null,
    request.publishedOnly,
  ]);
}

/** Groups a batch by everything but the parent and runs `fetch` once per group (normally one). */
async function byGroup<V>(
  requests: readonly PerParentRequest[],
  withPage: boolean,
  fetch: (parentIds: string[], sample: PerParentRequest) => Promise<Map<string, V>>,
): Promise<V[]> {
  const groups = new Map<string, PerParentRequest[]>();
  for (const request of requests) {
    const key = groupKey(request, withPage);
    groups.set(key, [...(groups.get(key) ?? []), request]);
  }
  const answers = new Map<PerParentRequest, V>();
  for (const members of groups.values()) {
    const found = await fetch([...new Set(members.map((m) => m.parentId))], members[0]!);
    for (const member of members) answers.set(member, found.get(member.parentId)!);
  }
  return requests.map((request) => answers.get(request)!);
}

/**
 * Per-parent connections for a page of parents: one windowed statement for the nodes and
 * one grouped statement for `totalCount` (only when selected), whatever the page size.
 */
function perParentLoader(repos: ContentRepositories, parent: ParentKind) {
  const counts = new DataLoader<PerParentRequest, number, string>(
    (requests) => byGroup(requests, false, (ids, sample) => repos.contents.countsPerParent(parent, ids, { ...sample })),
    { cacheKeyFn: (r) => `${r.parentId}:${groupKey(r, false)}` },
  );
  return new DataLoader<PerParentRequest, Connection<Content>, string>(
    async (requests) => {
      // Validated before batching so that a bad `first` or cursor is the caller's error.
      for (const request of requests) readPageArgs(request.page, CONTENT_ORDER.length);
      return byGroup(requests, true, async (ids, sample) => {
        const pages = await repos.contents.pagesPerParent(parent, ids, { ...sample });
        const first = readPageArgs(sample.page, CONTENT_ORDER.length).first;
        return new Map(
          ids.map((id) => [
            id,
            toConnection(pages.get(id) ?? [], first, CONTENT_ORDER, () => counts.load({ ...sample, parentId: id })),
          ]),
        );
      });
    },
    { cacheKeyFn: (r) => `${r.parentId}:${groupKey(r, true)}` },
  );
}

/** Per-request loaders of the content subgraph: one SQL statement per batch. */
export function createContentLoaders(repos: ContentRepositories) {
  return {
    contentById: rowLoader<string, Content>(
      (ids) => repos.contents.findByIds(ids),
      (c) => c.id,
    ),
    tagsByContent: groupLoader<string, ContentTag>(
      (ids) => repos.contents.tagsOf(ids),
      (t) => t.contentId,
    ),
    attractionsByContent: groupLoader<string, ContentAttraction>(
      (ids) => repos.contents.attractionsOf(ids),
      (a) => a.contentId,
    ),
    contentsByAuthor: perParentLoader(repos, 'author'),
    storiesByAttraction: perParentLoader(repos, 'attraction'),
    contentsByCampaign: perParentLoader(repos, 'campaign'),
  };
}

export type ContentLoaders = ReturnType<typeof createContentLoaders>;

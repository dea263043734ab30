import { argumentsLoader, groupLoader, rowLoader } from '../kit/loaders';
import { type Connection, readPageArgs, toConnection } from '../kit/pagination';
import type { Content, ContentAttraction, ContentTag } from './entities';
import type { ContentRepositories } from './repositories';
import { CONTENT_ORDER, type ParentKind, type PerParentFilter, type PerParentOptions } from './repositories/contents';

/**
 * Per-parent connections for a page of parents: one windowed statement for the nodes and
 * one grouped statement for `totalCount` (only when selected), whatever the page size. The
 * page comes checked by the resolver (`valid.contentPage`).
 */
function perParentLoader(repos: ContentRepositories, parent: ParentKind) {
  const counts = argumentsLoader<PerParentFilter, number>(
    (ids, filter) => repos.contents.countsPerParent(parent, ids, filter),
    () => 0,
  );
  return argumentsLoader<PerParentOptions, Connection<Content>>(async (ids, options) => {
    const pages = await repos.contents.pagesPerParent(parent, ids, options);
    const { page, ...filter } = options;
    const first = readPageArgs(page, CONTENT_ORDER.length).first;
    return new Map(
      ids.map((id) => [
        id,
        toConnection(pages.get(id) ?? [], first, CONTENT_ORDER, () => counts.load({ parentId: id, args: filter })),
      ]),
    );
  });
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

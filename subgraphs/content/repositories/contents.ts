import { likePattern } from '../../kit/sql';
import { findEntitiesByIds } from '../../kit/rows';
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In, type SelectQueryBuilder } from 'typeorm';
import {
  type Connection,
  type PageArgs,
  type SortKey,
  keysetCondition,
  paginate,
  readPageArgs,
} from '../../kit/pagination';
import { Content, ContentAttraction, ContentTag, type ContentKind, type ContentStatus } from '../entities';

/** Whose drafts and archived pieces a read may include. */
export interface Audience {
  /** Admins see everything. */
  admin: boolean;
  /** A member sees its own drafts and archived pieces too; null for anonymous callers. */
  memberId: string | null;
}

/** Filter of the `contents` query, as validated input (`contentFilter` of ../validation.ts). */
export interface ContentFilter {
  kind?: ContentKind | null;
  tag?: string | null;
  language?: string | null;
  authorId?: string | null;
  attractionId?: string | null;
  campaignId?: string | null;
  status?: ContentStatus | null;
  search?: string | null;
  publishedAfter?: Date | null;
  publishedBefore?: Date | null;
}

/** The fields of a new piece of content, validated. */
export interface NewContent {
  authorId: string;
  kind: ContentKind;
  title: string;
  summary: string | null;
  body: string | null;
  language: string;
  campaignId: string | null;
  tags: string[];
  attractionIds: string[];
}

/** Validated changes; absent keys stay as they are. */
export interface ContentChanges {
  kind?: ContentKind;
  title?: string;
  summary?: string | null;
  body?: string | null;
  language?: string;
  campaignId?: string | null;
  tags?: string[];
  attractionIds?: string[];
}

/** The parents whose per-parent lists are loaded in one windowed statement. */
export type ParentKind = 'author' | 'attraction' | 'campaign';

/** Which pieces of each parent a per-parent list shows: who may see what. */
export interface PerParentFilter {
  audience: Audience;
  /** Only this status; published only when `publishedOnly`. */
  status?: ContentStatus | null;
  /** Lists of attractions and campaigns show published content only. */
  publishedOnly: boolean;
}

/** Options of a per-parent list: the page (same for every parent) and who may see what. */
export interface PerParentOptions extends PerParentFilter {
  page: PageArgs;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const SCORE_SCALE = 1_000_000;

const sortedAtKey: SortKey<Content> = {
  column: 'c.sorted_at',
  direction: 'DESC',
  // Cursor values must survive JSON: the instant travels as ISO text and returns as a Date.
  value: (c) => c.sortedAt.toISOString(),
  param: (v) => new Date(String(v)),
};
const idKey: SortKey<Content> = { column: 'c.id', direction: 'DESC', value: (c) => c.id };

/**
 * Most parents in one per-parent page statement: a union of this many queries stays far
 * below SQLite's limit of 500 terms in a compound SELECT. DataLoader batches are at most
 * one page of parents (`first` ≤ 100), so one statement serves a batch.
 */
const PARENTS_PER_STATEMENT = 200;

/** Reads and writes content. Every read method is one SQL statement. */
export class ContentRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get sqlite(): boolean {
    return this.dataSource.driver.options.type === 'better-sqlite3';
  }

  /** Content by id, in any order; missing ids are absent. */
  findByIds(ids: readonly string[]): Promise<Content[]> {
    return findEntitiesByIds(this.dataSource, Content, ids);
  }

  findById(manager: EntityManager, id: string): Promise<Content | null> {
    return manager.getRepository(Content).findOneBy({ id });
  }

  /** Tags of many pieces, in each piece's order. */
  tagsOf(contentIds: readonly string[]): Promise<ContentTag[]> {
    return this.dataSource
      .getRepository(ContentTag)
      .find({ where: { contentId: In([...contentIds]) }, order: { contentId: 'ASC', position: 'ASC' } });
  }

  /** Attraction links of many pieces, in each piece's order. */
  attractionsOf(contentIds: readonly string[]): Promise<ContentAttraction[]> {
    return this.dataSource
      .getRepository(ContentAttraction)
      .find({ where: { contentId: In([...contentIds]) }, order: { contentId: 'ASC', position: 'ASC' } });
  }

  /**
   * The tags and attraction ids of one piece, each in its order, read in `manager`'s transaction:
   * one statement (what a ContentPublished event carries for subscribers' filters).
   */
  async linksOf(manager: EntityManager, contentId: string): Promise<{ tags: string[]; attractionIds: string[] }> {
    const rows: Array<{ kind: string; value: string }> = await manager.query(
      `SELECT 'tag' AS kind, tag AS value, position FROM content_tag WHERE content_id = ?
       UNION ALL
       SELECT 'attraction' AS kind, attraction_id AS value, position FROM content_attraction WHERE content_id = ?
       ORDER BY kind, position`,
      [contentId, contentId],
    );
    return {
      tags: rows.filter((row) => row.kind === 'tag').map((row) => row.value),
      attractionIds: rows.filter((row) => row.kind === 'attraction').map((row) => row.value),
    };
  }

  /** Restricts `query` (alias `c`) to what `audience` may see. */
  private restrictTo(query: SelectQueryBuilder<Content>, audience: Audience): void {
    if (audience.admin) return;
    if (audience.memberId) {
      query.andWhere('(c.status = :visibleStatus OR c.author_id = :viewerId)', {
        visibleStatus: 'PUBLISHED',
        viewerId: audience.memberId,
      });
    } else {
      query.andWhere('c.status = :visibleStatus', { visibleStatus: 'PUBLISHED' });
    }
  }

  /**
   * A page of content the audience may see. Newest first (`sortedAt`, then id); with
   * `search`, by relevance first. Relevance is an integer (scaled score) so that cursors
   * compare exactly on both engines.
   */
  list(filter: ContentFilter, page: PageArgs, audience: Audience): Promise<Connection<Content>> {
    const query = this.dataSource.getRepository(Content).createQueryBuilder('c');
    this.restrictTo(query, audience);
    if (filter.kind) query.andWhere('c.kind = :kind', { kind: filter.kind });
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.language != null) query.andWhere('c.language = :language', { language: filter.language });
    if (filter.authorId != null) query.andWhere('c.author_id = :authorId', { authorId: filter.authorId });
    if (filter.campaignId != null) query.andWhere('c.campaign_id = :campaignId', { campaignId: filter.campaignId });
    if (filter.tag != null) {
      query.andWhere('c.id IN (SELECT ft.content_id FROM content_tag ft WHERE ft.tag = :tag)', {
        tag: filter.tag.trim().toLowerCase(),
      });
    }
    if (filter.attractionId != null) {
      query.andWhere(
        'c.id IN (SELECT fa.content_id FROM content_attraction fa WHERE fa.attraction_id = :attractionId)',
        { attractionId: filter.attractionId },
      );
    }
    if (filter.publishedAfter) query.andWhere('c.published_at >= :after', { after: filter.publishedAfter });
    if (filter.publishedBefore) query.andWhere('c.published_at <= :before', { before: filter.publishedBefore });
    if (filter.search == null) return paginate(query, page, [sortedAtKey, idKey]);

    const score = this.applySearch(query, filter.search);
    const scoreKey: SortKey<Content> = {
      column: score,
      orderBy: 'search_score',
      direction: 'DESC',
      // The score is not an entity field: recomputed from the row would need the query.
      value: (c) => (c as Content & { searchScore?: number }).searchScore ?? 0,
    };
    query.addSelect(score, 'search_score');
    // Keyset pagination over (score, sortedAt, id), reading the score off the raw rows.
    return paginate(query, page, [scoreKey, sortedAtKey, idKey], async (paged, limit) => {
      const { entities, raw } = await paged.limit(limit).getRawAndEntities();
      const scores = new Map(raw.map((r: Record<string, unknown>) => [String(r.c_id), Number(r.search_score)]));
      return entities.map((e) => Object.assign(e, { searchScore: scores.get(e.id) ?? 0 }));
    });
  }

  /**
   * Adds the search condition and returns the relevance expression (an integer, larger is
   * better). Full-text index where it tokenises well; a LIKE scan over title, summary and
   * body otherwise (Chinese on MySQL, whose FULLTEXT parser splits on spaces only, and
   * words under 3 characters, below both engines' token size).
   */
  private applySearch(query: SelectQueryBuilder<Content>, text: string): string {
    const words = text.split(/\s+/);
    const short = words.some((w) => [...w].length < 3);
    if (this.sqlite && !short) {
      // Each word as a quoted FTS5 string (quotes doubled): input is never FTS syntax.
      const fts = words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
      query.setParameter('fts', fts);
      query.andWhere('c.rowid IN (SELECT rowid FROM content_fts WHERE content_fts MATCH :fts)');
      return `(SELECT CAST(ROUND(-bm25(content_fts, 4.0, 2.0, 1.0) * ${SCORE_SCALE}) AS INTEGER) FROM content_fts WHERE content_fts MATCH :fts AND content_fts.rowid = c.rowid)`;
    }
    if (!this.sqlite && !short && !CJK.test(text)) {
      query.setParameter('ftq', text);
      const match = 'MATCH(c.title, c.summary, c.body) AGAINST (:ftq IN NATURAL LANGUAGE MODE)';
      query.andWhere(`${match} > 0`);
      return `CAST(ROUND(${match} * ${SCORE_SCALE}) AS SIGNED)`;
    }
    query.setParameter('pattern', likePattern(text));
    const like = (column: string) =>
      `CASE WHEN LOWER(COALESCE(${column}, '')) LIKE :pattern ESCAPE '!' THEN 1 ELSE 0 END`;
    const score = `(4 * ${like('c.title')} + 2 * ${like('c.summary')} + ${like('c.body')})`;
    query.andWhere(`${score} > 0`);
    return score;
  }

  /** The query of per-parent lists, before paging: parent id as `parent_id`. */
  private perParentQuery(
    parent: ParentKind,
    parentIds: readonly string[],
    options: PerParentFilter,
    idsParameter = 'parentIds',
  ) {
    const query = this.dataSource.getRepository(Content).createQueryBuilder('c');
    let parentColumn: string;
    if (parent === 'attraction') {
      query.innerJoin(ContentAttraction, 'ca', 'ca.content_id = c.id');
      parentColumn = 'ca.attraction_id';
    } else {
      parentColumn = parent === 'author' ? 'c.author_id' : 'c.campaign_id';
    }
    query.where(`${parentColumn} IN (:...${idsParameter})`, { [idsParameter]: [...parentIds] });
    if (options.publishedOnly) query.andWhere('c.status = :visibleStatus', { visibleStatus: 'PUBLISHED' });
    else this.restrictTo(query, options.audience);
    if (options.status) query.andWhere('c.status = :status', { status: options.status });
    return { query, parentColumn };
  }

  /**
   * The first page of content of each parent, in ONE statement (up to
   * {@link PARENTS_PER_STATEMENT} parents): a `UNION ALL` of one small query per parent,
   * each reading the keys of `first + 1` rows down the parent's (parent, sorted_at, id)
   * index (the extra row tells whether a next page exists), joined to the rows themselves.
   * Every parent gets the same `first`/`after`.
   *
   * Why not ROW_NUMBER() over all the parents' rows: at benchmark scale (300 pieces an
   * author) MariaDB then scanned and numbered every row of every parent, 20 to 480 ms a
   * statement; the union reads only the rows it returns.
   */
  async pagesPerParent(
    parent: ParentKind,
    parentIds: readonly string[],
    options: PerParentOptions,
  ): Promise<Map<string, Content[]>> {
    const page = readPageArgs(options.page, 2);
    const result = new Map<string, Content[]>(parentIds.map((id) => [id, []]));
    if (page.first === 0 || parentIds.length === 0) return result;
    const metadata = this.dataSource.getMetadata(Content);
    const after = page.after && keysetCondition(CONTENT_ORDER, page.after);
    for (let start = 0; start < parentIds.length; start += PARENTS_PER_STATEMENT) {
      const chunk = parentIds.slice(start, start + PARENTS_PER_STATEMENT);
      const branches: string[] = [];
      const parameters: Record<string, unknown> = {};
      chunk.forEach((parentId, i) => {
        const { query, parentColumn } = this.perParentQuery(parent, [parentId], options, `parent${i}`);
        // The redundant leading bound (implied by the keyset condition) lets SQLite walk the
        // parent's (parent, sorted_at, id) index from the cursor in order; without it, it read
        // every older row of the parent through a MULTI-INDEX OR and sorted them.
        if (after) query.andWhere(`c.sorted_at <= :after0 AND ${after.where}`, after.params);
        // Keys only: MariaDB keeps derived tables with TEXT columns (bodies) on disk, 2 ms each.
        query.select(parentColumn, 'parent_id').addSelect('c.id', 'content_id');
        query
          .orderBy('c.sorted_at', 'DESC')
          .addOrderBy('c.id', 'DESC')
          .limit(page.first + 1);
        branches.push(`SELECT * FROM (${query.getQuery()}) b${i}`);
        Object.assign(parameters, query.getParameters());
      });
      const rows = this.dataSource
        .createQueryBuilder()
        .select('u.parent_id', 'parent_id')
        .from(`(${branches.join(' UNION ALL ')})`, 'u')
        .innerJoin(Content, 'page', 'page.id = u.content_id');
      for (const column of metadata.columns)
        rows.addSelect(`page.${column.databaseName}`, `col_${column.databaseName}`);
      const raws: Array<Record<string, unknown>> = await rows
        .setParameters(parameters)
        .orderBy('u.parent_id', 'ASC')
        .addOrderBy('page.sorted_at', 'DESC')
        .addOrderBy('page.id', 'DESC')
        .getRawMany();
      for (const raw of raws) {
        const content = new Content();
        for (const column of metadata.columns) {
          column.setEntityValue(
            content,
            this.dataSource.driver.prepareHydratedValue(raw[`col_${column.databaseName}`], column),
          );
        }
        result.get(String(raw.parent_id))?.push(content);
      }
    }
    return result;
  }

  /** How many pieces each parent has (same visibility as its list), in ONE grouped statement. */
  async countsPerParent(
    parent: ParentKind,
    parentIds: readonly string[],
    options: PerParentFilter,
  ): Promise<Map<string, number>> {
    const result = new Map<string, number>(parentIds.map((id) => [id, 0]));
    if (parentIds.length === 0) return result;
    const { query, parentColumn } = this.perParentQuery(parent, parentIds, options);
    const rows: Array<{ parent_id: unknown; n: unknown }> = await query
      .select(parentColumn, 'parent_id')
      .addSelect('COUNT(*)', 'n')
      .groupBy(parentColumn)
      .getRawMany();
    for (const row of rows) result.set(String(row.parent_id), Number(row.n));
    return result;
  }

  /** Writes a new DRAFT with its tags and attractions. */
  async create(manager: EntityManager, input: NewContent, now = new Date()): Promise<Content> {
    const content = Object.assign(new Content(), {
      id: randomUUID(),
      authorId: input.authorId,
      kind: input.kind,
      title: input.title,
      summary: input.summary,
      body: input.body,
      language: input.language,
      status: 'DRAFT' as const,
      campaignId: input.campaignId,
      publishedAt: null,
      sortedAt: now,
      createdAt: now,
      updatedAt: now,
      sampleData: false,
    });
    await manager.getRepository(Content).insert(content);
    await this.replaceLinks(manager, content.id, input.tags, input.attractionIds);
    return (await this.findById(manager, content.id))!;
  }

  /** Applies validated changes; tags and attractions are replaced when given. */
  async update(manager: EntityManager, content: Content, changes: ContentChanges): Promise<Content> {
    const { tags, attractionIds, ...columns } = changes;
    await manager.getRepository(Content).update({ id: content.id }, { ...columns, updatedAt: new Date() });
    await this.replaceLinks(manager, content.id, tags, attractionIds);
    return (await this.findById(manager, content.id))!;
  }

  /** Moves content to `status`; the first publication sets `publishedAt` (and the list order). */
  async setStatus(manager: EntityManager, content: Content, status: ContentStatus): Promise<Content> {
    const now = new Date();
    const publishedAt = status === 'PUBLISHED' && !content.publishedAt ? now : content.publishedAt;
    await manager
      .getRepository(Content)
      .update({ id: content.id }, { status, publishedAt, sortedAt: publishedAt ?? content.createdAt, updatedAt: now });
    return (await this.findById(manager, content.id))!;
  }

  private async replaceLinks(
    manager: EntityManager,
    contentId: string,
    tags: string[] | undefined,
    attractionIds: string[] | undefined,
  ): Promise<void> {
    if (tags) {
      await manager.getRepository(ContentTag).delete({ contentId });
      if (tags.length > 0) {
        await manager.getRepository(ContentTag).insert(tags.map((tag, position) => ({ contentId, tag, position })));
      }
    }
    if (attractionIds) {
      await manager.getRepository(ContentAttraction).delete({ contentId });
      if (attractionIds.length > 0) {
        await manager
          .getRepository(ContentAttraction)
          .insert(attractionIds.map((attractionId, position) => ({ contentId, attractionId, position })));
      }
    }
  }
}

/** The order of every content list without search: newest first, then id. */
export const CONTENT_ORDER: readonly SortKey<Content>[] = [sortedAtKey, idKey];

import type { DataSource } from 'typeorm';
import type { SeedOptions } from '../kit/run';
import { Content, ContentAttraction, ContentTag } from './entities';
import { seedContents } from './seed-data';

/** True before the first seed: no content yet. */
export async function isEmpty(dataSource: DataSource): Promise<boolean> {
  return (await dataSource.getRepository(Content).count()) === 0;
}

const CHUNK = 100;
function chunks<T>(rows: T[]): T[][] {
  return Array.from({ length: Math.ceil(rows.length / CHUNK) }, (_, i) => rows.slice(i * CHUNK, (i + 1) * CHUNK));
}

/**
 * Writes the sample content with its tags and attractions in one transaction. Idempotent:
 * rows are upserted by primary key, so a second run changes and duplicates nothing.
 */
export async function seed(dataSource: DataSource, _options: SeedOptions): Promise<string> {
  const pieces = seedContents();
  await dataSource.transaction(async (manager) => {
    for (const chunk of chunks(pieces)) {
      await manager.getRepository(Content).upsert(
        chunk.map(({ tags: _tags, attractionIds: _attractions, ...piece }) => ({
          ...piece,
          sortedAt: piece.publishedAt ?? piece.createdAt,
          updatedAt: piece.publishedAt ?? piece.createdAt,
          sampleData: true,
        })),
        ['id'],
      );
    }
    const tags = pieces.flatMap((p) => p.tags.map((tag, position) => ({ contentId: p.id, tag, position })));
    for (const chunk of chunks(tags)) await manager.getRepository(ContentTag).upsert(chunk, ['contentId', 'tag']);
    const links = pieces.flatMap((p) =>
      p.attractionIds.map((attractionId, position) => ({ contentId: p.id, attractionId, position })),
    );
    for (const chunk of chunks(links)) {
      await manager.getRepository(ContentAttraction).upsert(chunk, ['contentId', 'attractionId']);
    }
  });
  const published = pieces.filter((p) => p.status === 'PUBLISHED').length;
  return `${pieces.length} content pieces (${published} published), sample data`;
}

import type { DataSource } from 'typeorm';
import { stableId } from '../kit/ids';
import type { SeedOptions } from '../kit/run';
import { DEV_CREDENTIALS } from './credentials';
import { ApiKeyRepository } from './repositories/apiKeys';
import { Alliance, ConventionArticle, Member } from './entities';
import { ALLIANCE, CONVENTION_ARTICLES, FOUNDING_MEMBERS } from './seed-data';

/** True before the first seed: no members yet. */
export async function isEmpty(dataSource: DataSource): Promise<boolean> {
  return (await dataSource.getRepository(Member).count()) === 0;
}

/**
 * Writes the alliance, its convention and the 35 founding members (sample data) in one
 * transaction. Idempotent: rows are upserted by primary key, so a second run changes
 * nothing and duplicates nothing.
 */
export async function seed(dataSource: DataSource, options: SeedOptions): Promise<string> {
  await dataSource.transaction(async (manager) => {
    await manager.getRepository(Alliance).upsert({ id: 1, ...ALLIANCE }, ['id']);
    await manager.getRepository(ConventionArticle).upsert(
      CONVENTION_ARTICLES.map((article, i) => ({ number: i + 1, ...article })),
      ['number'],
    );
    await manager.getRepository(Member).upsert(
      FOUNDING_MEMBERS.map((m) => ({
        id: stableId('member', m.slug),
        ...m,
        website: `https://${m.slug}.example`,
        status: 'ACTIVE' as const,
        joinedOn: ALLIANCE.foundedOn,
        contactEmail: `alliance-desk@${m.slug}.example`,
        sampleData: true,
      })),
      ['id'],
    );
    if (options.devCredentials) {
      const keys = new ApiKeyRepository(dataSource);
      for (const [name, key] of Object.entries(DEV_CREDENTIALS)) {
        await keys.upsertKnown(manager, stableId('api-key', `dev-${name}`), key.secret, {
          memberId: stableId('member', key.memberSlug),
          label: key.label,
          role: key.role,
        });
      }
    }
  });
  const summary = `alliance, ${CONVENTION_ARTICLES.length} convention articles, ${FOUNDING_MEMBERS.length} members`;
  return options.devCredentials ? `${summary}, development admin and member keys` : summary;
}

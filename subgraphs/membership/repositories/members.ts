import { likePattern } from '../../kit/sql';
import { findEntitiesByIds } from '../../kit/rows';
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { isUniqueViolation } from '../../kit/database';
import { type Connection, type PageArgs, paginate } from '../../kit/pagination';
import { Member, type MemberKind, type MemberStatus } from '../entities';

/** Filter of the `members` query, as validated input (`memberFilter` of ../validation.ts). */
export interface MemberFilter {
  kind?: MemberKind | null;
  status?: MemberStatus | null;
  region?: string | null;
  search?: string | null;
}

/** A validated new member. */
export interface NewMember {
  slug: string;
  nameEn: string;
  nameZh: string;
  kind: MemberKind;
  region: string;
  website: string | null;
  contactEmail: string | null;
  joinedOn: string;
}

/** Validated profile changes; absent keys stay as they are. */
export type MemberChanges = Partial<
  Pick<Member, 'nameEn' | 'nameZh' | 'kind' | 'region' | 'website' | 'contactEmail' | 'status'>
>;

/** Reads members. Every method is one SQL statement. */
export class MemberRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Members by id, in any order; missing ids are simply absent. */
  findByIds(ids: readonly string[]): Promise<Member[]> {
    return findEntitiesByIds(this.dataSource, Member, ids);
  }

  /** Members by slug, in any order. */
  findBySlugs(slugs: readonly string[]): Promise<Member[]> {
    return this.dataSource.getRepository(Member).findBy({ slug: In([...slugs]) });
  }

  /** A page of members ordered by slug (unique, so the order is total). */
  list(filter: MemberFilter, page: PageArgs): Promise<Connection<Member>> {
    const query = this.dataSource.getRepository(Member).createQueryBuilder('m');
    if (filter.kind) query.andWhere('m.kind = :kind', { kind: filter.kind });
    if (filter.status) query.andWhere('m.status = :status', { status: filter.status });
    if (filter.region != null) query.andWhere('m.region = :region', { region: filter.region });
    if (filter.search != null) {
      query.andWhere(
        "(LOWER(m.name_en) LIKE :pattern ESCAPE '!' OR m.name_zh LIKE :pattern ESCAPE '!' OR m.slug LIKE :pattern ESCAPE '!')",
        { pattern: likePattern(filter.search) },
      );
    }
    return paginate(query, page, [
      { column: 'm.slug', direction: 'ASC', value: (m) => m.slug },
      { column: 'm.id', direction: 'ASC', value: (m) => m.id },
    ]);
  }

  findById(manager: EntityManager, id: string): Promise<Member | null> {
    return manager.getRepository(Member).findOneBy({ id });
  }

  /** Admits a member; null when the slug is taken (checked, and enforced by the unique index). */
  async admit(manager: EntityManager, input: NewMember): Promise<Member | null> {
    const repository = manager.getRepository(Member);
    if (await repository.existsBy({ slug: input.slug })) return null;
    const member = Object.assign(new Member(), {
      id: randomUUID(),
      ...input,
      status: 'ACTIVE' as const,
      sampleData: false,
    });
    try {
      await repository.insert(member);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return (await repository.findOneBy({ id: member.id }))!;
  }

  async update(manager: EntityManager, member: Member, changes: MemberChanges): Promise<Member> {
    if (Object.keys(changes).length > 0) await manager.getRepository(Member).update({ id: member.id }, changes);
    return (await manager.getRepository(Member).findOneBy({ id: member.id }))!;
  }

  /** How many members the alliance has, whatever their status. */
  count(): Promise<number> {
    return this.dataSource.getRepository(Member).count();
  }
}

import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import type { Role } from '../../kit/identity';
import { ApiKey, Member } from '../entities';
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from '../credentials';

/** What the gateway learns when it checks a credential. */
export type CredentialCheck =
  | { valid: true; keyId: string; memberId: string; role: Role }
  | { valid: false; reason: 'unknown' | 'revoked' | 'member-inactive' };

/** lastUsedAt is bookkeeping: writing it more than once a minute per key buys nothing. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Reads and writes API keys. */
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Keys of many members at once (for a page of members), newest first. */
  async findByMembers(memberIds: readonly string[]): Promise<ApiKey[]> {
    return this.dataSource
      .getRepository(ApiKey)
      .find({ where: { memberId: In([...memberIds]) }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  findById(manager: EntityManager, id: string): Promise<ApiKey | null> {
    return manager.getRepository(ApiKey).findOneBy({ id });
  }

  /** Issues a key; returns the record and the secret, which exists only in this answer. */
  async issue(
    manager: EntityManager,
    input: { memberId: string; label: string; role: Role },
  ): Promise<{ apiKey: ApiKey; secret: string }> {
    const { secret, prefix, hash } = generateApiKey();
    const apiKey = Object.assign(new ApiKey(), {
      id: randomUUID(),
      ...input,
      prefix,
      secretHash: hash,
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await manager.getRepository(ApiKey).insert(apiKey);
    return { apiKey, secret };
  }

  /** Stores a key whose secret is already known (development credentials); idempotent. */
  async upsertKnown(
    manager: EntityManager,
    id: string,
    secret: string,
    input: { memberId: string; label: string; role: Role },
  ) {
    const prefix = apiKeyPrefix(secret);
    if (!prefix) throw new Error('development key is malformed');
    await manager.getRepository(ApiKey).upsert(
      {
        id,
        ...input,
        prefix,
        secretHash: hashApiKey(secret),
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      },
      ['id'],
    );
  }

  async revoke(manager: EntityManager, apiKey: ApiKey): Promise<ApiKey> {
    if (!apiKey.revokedAt) {
      apiKey.revokedAt = new Date();
      await manager.getRepository(ApiKey).update({ id: apiKey.id }, { revokedAt: apiKey.revokedAt });
    }
    return apiKey;
  }

  /**
   * Checks a presented key (or, for access tokens, the key id behind it): it must exist,
   * not be revoked, and belong to an ACTIVE member.
   */
  async check(credential: { apiKey: string } | { keyId: string }): Promise<CredentialCheck> {
    const keys = this.dataSource.getRepository(ApiKey);
    let key: ApiKey | null;
    if ('apiKey' in credential) {
      const prefix = apiKeyPrefix(credential.apiKey);
      key = prefix ? await keys.findOneBy({ prefix }) : null;
      if (key && !apiKeyMatches(credential.apiKey, key.secretHash)) key = null;
    } else {
      key = await keys.findOneBy({ id: credential.keyId });
    }
    if (!key) return { valid: false, reason: 'unknown' };
    if (key.revokedAt) return { valid: false, reason: 'revoked' };
    const member = await this.dataSource.getRepository(Member).findOneBy({ id: key.memberId });
    if (!member || member.status !== 'ACTIVE') return { valid: false, reason: 'member-inactive' };
    const now = Date.now();
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await keys.update({ id: key.id }, { lastUsedAt: new Date(now) });
    }
    return { valid: true, keyId: key.id, memberId: key.memberId, role: key.role };
  }
}

import { type AssertionKey, type Identity, signAssertion } from '../subgraphs/kit/identity';

/** Assertions live 60 s; one is reused for at most half of that, so it is never near expiry in flight. */
const REUSE_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Signed identity assertions, reused per identity for up to 30 s instead of signing one
 * per request (an HMAC-signed JWT per request showed in the gateway's CPU profile). The
 * same identity then also sends the same header, which lets identical concurrent queries
 * of that identity share one subgraph request.
 */
export class AssertionCache {
  private readonly entries = new Map<string, { token: string; signedAt: number }>();

  constructor(private readonly key: AssertionKey) {}

  async get(identity: Identity): Promise<string> {
    const key = `${identity.role ?? ''}|${identity.memberId ?? ''}|${identity.keyId ?? ''}`;
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.signedAt < REUSE_MS) return cached.token;
    const token = await signAssertion(identity, this.key);
    // A plain map bounded crudely: identities active in one 30 s window are few.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { token, signedAt: now });
    return token;
  }
}

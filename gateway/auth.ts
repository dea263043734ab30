import { hash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { SignJWT, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
// undici's fetch, not the global one: the same client the subgraph fetches load, rather than Node's
// bundled second copy of undici (some 5 MiB of heap and code) for a few internal calls.
import { type Response, fetch } from 'undici';
import { ANONYMOUS, IDENTITY_AUDIENCE, type Identity, type Role, signAssertion } from '../subgraphs/kit/identity';
import type { ErrorBody } from '../subgraphs/kit/errors';
import type { Logger } from '../subgraphs/kit/logger';
import type { GatewayConfig } from './config';

const TOKEN_ISSUER = 'alliance-gateway';
const TOKEN_AUDIENCE = 'alliance-graph';
const API_KEY = /^alk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/;

/** The credential check's answer, as the membership subgraph sends it. */
type CredentialCheck = { valid: true; keyId: string; memberId: string; role: Role } | { valid: false; reason: string };

/** A refused credential: HTTP 401 with code UNAUTHENTICATED. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** The identity service could not be asked: fail closed with 503, never as anonymous. */
function identityUnavailable(): GraphQLError {
  return new GraphQLError('authentication is temporarily unavailable, try again shortly', {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
  });
}

/**
 * What a refused credential check says, for the log: its status and the coded error the
 * identity endpoint answers (the kit's error shape), e.g. `400 BAD_USER_INPUT: send exactly
 * one of apiKey or keyId`; the status alone when the body is not that shape.
 */
async function refusalOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  let error: { message?: unknown; extensions?: { code?: unknown } } | undefined;
  try {
    error = (JSON.parse(text) as ErrorBody).errors[0];
  } catch {
    error = undefined;
  }
  const code = typeof error?.extensions?.code === 'string' ? error.extensions.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : undefined;
  return `identity endpoint answered ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
}

/**
 * Authenticates clients once per request at the gateway.
 *
 * - `Authorization: Bearer alk_...` is an API key, checked by the identity subgraph.
 * - Any other bearer value must be an access token this gateway signed (HS256 only,
 *   our issuer and audience, not expired); the key it was made from is checked too.
 * - No header at all is anonymous.
 *
 * Checks are cached for `credentialCacheTtlSeconds` (keyed by a hash, never the key),
 * so steady-state requests cost no round trip and revocation or suspension bites within
 * that time on every replica.
 */
export class Authenticator {
  private readonly cache: LRUCache<string, CredentialCheck>;

  constructor(
    private readonly config: GatewayConfig,
    private readonly identityUrl: () => string | undefined,
    private readonly logger: Logger,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: config.credentialCacheTtlSeconds * 1000 });
  }

  /**
   * The caller's identity from an `Authorization` header value. Throws 401 for bad credentials.
   * `fresh` asks the identity subgraph even when a check is cached (and caches its answer): live
   * subscriptions are checked so, to be closed within the cache's bound after a revocation.
   */
  async authenticate(authorization: string | undefined, { fresh = false } = {}): Promise<Identity> {
    if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthenticated('Authorization must be "Bearer <api key or access token>"');
    const credential = match[1]!;
    if (credential.startsWith('alk_')) {
      if (!API_KEY.test(credential)) throw unauthenticated('the API key is malformed');
      return this.identityFrom(await this.check({ apiKey: credential }, fresh), 'the API key');
    }
    return this.verifyAccessToken(credential, fresh);
  }

  /** Exchanges an API key for a short-lived signed access token (for browser apps). */
  async issueAccessToken(authorization: string | undefined): Promise<{ accessToken: string; expiresIn: number }> {
    const credential = /^Bearer\s+(alk_\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!credential || !API_KEY.test(credential)) {
      throw unauthenticated('send the API key as "Authorization: Bearer alk_..." to get an access token');
    }
    const identity = this.identityFrom(await this.check({ apiKey: credential }), 'the API key');
    const accessToken = await new SignJWT({ role: identity.role, kid: identity.keyId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(identity.memberId!)
      .setIssuedAt()
      .setExpirationTime(`${this.config.accessTokenTtlSeconds}s`)
      .sign(this.config.accessTokenSecret);
    return { accessToken, expiresIn: this.config.accessTokenTtlSeconds };
  }

  private async verifyAccessToken(token: string, fresh: boolean): Promise<Identity> {
    let keyId: string;
    try {
      const { payload } = await jwtVerify(token, this.config.accessTokenSecret, {
        algorithms: ['HS256'],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ['exp', 'sub', 'kid'],
      });
      keyId = String(payload.kid);
    } catch {
      throw unauthenticated('the access token is invalid or expired: get a new one from POST /auth/token');
    }
    // The token's key may have been revoked, or its member suspended, since it was issued.
    return this.identityFrom(await this.check({ keyId }, fresh), 'the key behind this access token');
  }

  private identityFrom(check: CredentialCheck, what: string): Identity {
    if (!check.valid) {
      const why = check.reason === 'member-inactive' ? 'its member is not active' : `it is ${check.reason}`;
      throw unauthenticated(`${what} does not work: ${why}`);
    }
    return { role: check.role, memberId: check.memberId, keyId: check.keyId };
  }

  private async check(credential: { apiKey: string } | { keyId: string }, fresh = false): Promise<CredentialCheck> {
    const cacheKey =
      'apiKey' in credential ? `k:${hash('sha256', credential.apiKey, 'base64url')}` : `i:${credential.keyId}`;
    const cached = fresh ? undefined : this.cache.get(cacheKey);
    if (cached) return cached;
    const base = this.identityUrl();
    if (!base) throw identityUnavailable();
    const ask = async (): Promise<CredentialCheck> => {
      const response = await fetch(new URL('/internal/credentials/verify', base), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-gateway-assertion': await signAssertion(ANONYMOUS, this.config.assertionKey, IDENTITY_AUDIENCE),
        },
        body: JSON.stringify(credential),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(await refusalOf(response));
      return (await response.json()) as CredentialCheck;
    };
    let answer: CredentialCheck;
    try {
      // A check is a read: one retry covers a dropped keep-alive connection.
      answer = await ask().catch(ask);
    } catch (error) {
      this.logger.error({ err: error }, 'credential check failed');
      throw identityUnavailable();
    }
    this.cache.set(cacheKey, answer);
    return answer;
  }
}

import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { type Env, type NodeEnv, StartupError, envString } from './env';
import { DEV_ASSERTION_SECRET, SECRET_ADVICE, weakSecretReason } from './secrets';

/** The roles of the contract's role table; anonymous callers have none. */
export type Role = 'MEMBER' | 'ADMIN';

/** Who is calling, as established by the gateway. */
export interface Identity {
  /** Null for anonymous callers. */
  role: Role | null;
  /** The member platform the credential is bound to; null for anonymous callers. */
  memberId: string | null;
  /** The API key behind the credential (also for access tokens made from a key). */
  keyId: string | null;
}

export const ANONYMOUS: Identity = Object.freeze({ role: null, memberId: null, keyId: null });

/** Header carrying the gateway's signed identity assertion to subgraphs. */
export const ASSERTION_HEADER = 'x-gateway-assertion';

/** Issuer of every assertion; the deployment id is appended (`alliance-gateway/<DEPLOYMENT_ID>`). */
const ISSUER = 'alliance-gateway';
/** Audience of assertions on graph requests (`alliance-subgraph/<DEPLOYMENT_ID>`). */
export const GRAPH_AUDIENCE = 'alliance-subgraph';
/**
 * Audience of service-to-service calls outside the graph: the gateway's credential checks
 * at the membership subgraph, and reads of a subgraph's `/internal/stats`.
 */
export const IDENTITY_AUDIENCE = 'alliance-internal';
export type AssertionAudience = typeof GRAPH_AUDIENCE | typeof IDENTITY_AUDIENCE;
/** Assertions are minted per request; a minute covers clock skew and slow plans. */
const ASSERTION_TTL_SECONDS = 60;

/** `DEPLOYMENT_ID` outside production, where one machine runs one development graph. */
export const DEV_DEPLOYMENT_ID = 'development';

/**
 * What signs and checks the gateway's assertions in one deployment: the shared secret, and
 * the deployment id that goes into every assertion's issuer and audience. An assertion of
 * another deployment (staging, a developer's laptop) is refused even when the secret leaked
 * or was shared between them.
 */
export interface AssertionKey {
  secret: Uint8Array;
  deploymentId: string;
}

/** How a subgraph decides whom to trust. */
export interface SubgraphSecurity {
  /** Verifies the gateway's identity assertions (`GATEWAY_ASSERTION_SECRET`, `DEPLOYMENT_ID`). */
  assertionKey: AssertionKey;
  /**
   * Local development only (`ALLOW_UNSIGNED_REQUESTS=true`): requests without an
   * assertion are served as anonymous instead of refused. Never in production.
   */
  allowUnsigned: boolean;
}

/**
 * Reads a signing secret (at least 32 characters). In development a fixed development value
 * is used when unset; production must set it, and refuses a value published in this
 * repository or one too easy to guess ({@link weakSecretReason}).
 */
export function readSecret(env: Env, name: string, nodeEnv: NodeEnv, devDefault = DEV_ASSERTION_SECRET): Uint8Array {
  const value = envString(env, name);
  if (value === undefined) {
    if (nodeEnv === 'production')
      throw new StartupError(`${name} must be set in production (at least 32 characters); ${SECRET_ADVICE}`);
    return new TextEncoder().encode(devDefault);
  }
  if (value.length < 32) throw new StartupError(`${name} must be at least 32 characters long; ${SECRET_ADVICE}`);
  const weakness = nodeEnv === 'production' ? weakSecretReason(value) : undefined;
  if (weakness) throw new StartupError(`${name} ${weakness}; ${SECRET_ADVICE}`);
  return new TextEncoder().encode(value);
}

/** Signs the identity the gateway established, for one subgraph request. */
export async function signAssertion(
  identity: Identity,
  key: AssertionKey,
  audience: AssertionAudience = GRAPH_AUDIENCE,
): Promise<string> {
  return new SignJWT({ role: identity.role, kid: identity.keyId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(`${ISSUER}/${key.deploymentId}`)
    .setAudience(`${audience}/${key.deploymentId}`)
    .setSubject(identity.memberId ?? 'anonymous')
    .setIssuedAt()
    .setExpirationTime(`${ASSERTION_TTL_SECONDS}s`)
    .sign(key.secret);
}

/** Raised for an assertion that is missing, malformed, expired or not signed by the gateway. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/**
 * Verifies a gateway assertion: HS256 only (so `alg: none` and key-confusion tricks
 * fail), the issuer and the expected audience of this deployment, not expired.
 */
export async function verifyAssertion(
  token: string,
  key: AssertionKey,
  audience: AssertionAudience = GRAPH_AUDIENCE,
): Promise<Identity> {
  return (await verifyAssertionClaims(token, key, audience)).identity;
}

/** A verified assertion's identity, and until when (epoch ms) it may be trusted; undefined when it may not be reused. */
async function verifyAssertionClaims(
  token: string,
  key: AssertionKey,
  audience: AssertionAudience,
  now?: number,
): Promise<{ identity: Identity; trustedUntil?: number }> {
  try {
    const { payload } = await jwtVerify(token, key.secret, {
      ...(now === undefined ? {} : { currentDate: new Date(now) }),
      algorithms: ['HS256'],
      issuer: `${ISSUER}/${key.deploymentId}`,
      audience: `${audience}/${key.deploymentId}`,
    });
    const role = payload.role === 'MEMBER' || payload.role === 'ADMIN' ? payload.role : null;
    const memberId = role && typeof payload.sub === 'string' && payload.sub !== 'anonymous' ? payload.sub : null;
    const keyId = role && typeof payload.kid === 'string' ? payload.kid : null;
    if (role && !memberId) throw new AssertionError('assertion names a role but no member');
    // jose accepts a token while the current second is before `exp`; a token without `exp`,
    // or one that is not valid yet (`nbf`), is checked afresh every time.
    const reusable = typeof payload.exp === 'number' && payload.nbf === undefined;
    return {
      identity: Object.freeze({ role, memberId, keyId }),
      ...(reusable ? { trustedUntil: payload.exp! * 1000 } : {}),
    };
  } catch (error) {
    if (error instanceof AssertionError) throw error;
    const reason = error instanceof joseErrors.JOSEError ? error.code : 'malformed';
    throw new AssertionError(`invalid gateway assertion (${reason})`);
  }
}

/** How many verified assertions a subgraph remembers (the gateway signs one per identity per 30 s). */
const VERIFIED_ASSERTIONS = 1000;

/**
 * Verifies gateway assertions for one key and audience, remembering each one that verified
 * until it expires: the gateway reuses an assertion for every request of an identity for
 * 30 s, and checking its HMAC again (WebCrypto, off the main thread and back) was a tenth to
 * a sixth of each subgraph's CPU. Only successful verifications are remembered, keyed by the
 * whole token (so by its signature too); a remembered one is refused from its `exp` on, like
 * a fresh check would. Bounded: the least recently used beyond {@link VERIFIED_ASSERTIONS} go.
 */
export class AssertionVerifier {
  private readonly verified: LRUCache<string, { identity: Identity; trustedUntil: number }>;

  constructor(
    private readonly key: AssertionKey,
    private readonly audience: AssertionAudience = GRAPH_AUDIENCE,
    max = VERIFIED_ASSERTIONS,
  ) {
    this.verified = new LRUCache({ max });
  }

  /**
   * The identity a valid assertion carries; throws {@link AssertionError} otherwise. `now`
   * (epoch ms) is the clock both the memory and a fresh check read.
   */
  async verify(token: string, now = Date.now()): Promise<Identity> {
    const known = this.verified.get(token);
    if (known) {
      if (now < known.trustedUntil) return known.identity;
      this.verified.delete(token);
    }
    const { identity, trustedUntil } = await verifyAssertionClaims(token, this.key, this.audience, now);
    if (trustedUntil !== undefined && now < trustedUntil) this.verified.set(token, { identity, trustedUntil });
    return identity;
  }
}

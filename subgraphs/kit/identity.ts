import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { type Env, type NodeEnv, StartupError, envString } from './env';

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

const ISSUER = 'alliance-gateway';
/** Audience of assertions on graph requests. */
export const GRAPH_AUDIENCE = 'alliance-subgraph';
/**
 * Audience of service-to-service calls outside the graph: the gateway's credential checks
 * at the membership subgraph, and reads of a subgraph's `/internal/stats`.
 */
export const IDENTITY_AUDIENCE = 'alliance-internal';
/** Assertions are minted per request; a minute covers clock skew and slow plans. */
const ASSERTION_TTL_SECONDS = 60;

/**
 * Development-only secret. Production refuses to start without a real one, so this
 * value can never sign anything that matters.
 */
export const DEV_ASSERTION_SECRET = 'dev-only-gateway-assertion-secret-change-me-in-production';

/**
 * Reads a signing secret (at least 32 characters). In development a fixed
 * development value is used when unset; production must set it.
 */
export function readSecret(env: Env, name: string, nodeEnv: NodeEnv, devDefault = DEV_ASSERTION_SECRET): Uint8Array {
  const value = envString(env, name);
  if (value === undefined) {
    if (nodeEnv === 'production') throw new StartupError(`${name} must be set in production (at least 32 characters)`);
    return new TextEncoder().encode(devDefault);
  }
  if (value.length < 32) throw new StartupError(`${name} must be at least 32 characters long`);
  return new TextEncoder().encode(value);
}

/** Signs the identity the gateway established, for one subgraph request. */
export async function signAssertion(
  identity: Identity,
  secret: Uint8Array,
  audience = GRAPH_AUDIENCE,
): Promise<string> {
  return new SignJWT({ role: identity.role, kid: identity.keyId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setSubject(identity.memberId ?? 'anonymous')
    .setIssuedAt()
    .setExpirationTime(`${ASSERTION_TTL_SECONDS}s`)
    .sign(secret);
}

/** Raised for an assertion that is missing, malformed, expired or not signed by the gateway. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/**
 * Verifies a gateway assertion: HS256 only (so `alg: none` and key-confusion tricks
 * fail), our issuer and the expected audience, not expired.
 */
export async function verifyAssertion(token: string, secret: Uint8Array, audience = GRAPH_AUDIENCE): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], issuer: ISSUER, audience });
    const role = payload.role === 'MEMBER' || payload.role === 'ADMIN' ? payload.role : null;
    const memberId = role && typeof payload.sub === 'string' && payload.sub !== 'anonymous' ? payload.sub : null;
    const keyId = role && typeof payload.kid === 'string' ? payload.kid : null;
    if (role && !memberId) throw new AssertionError('assertion names a role but no member');
    return { role, memberId, keyId };
  } catch (error) {
    if (error instanceof AssertionError) throw error;
    const reason = error instanceof joseErrors.JOSEError ? error.code : 'malformed';
    throw new AssertionError(`invalid gateway assertion (${reason})`);
  }
}

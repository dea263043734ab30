/**
 * Typed readers for environment variables. Every reader names the variable in its
 * error so that a misconfigured service stops with one line that says what to fix.
 */

/** Raised for configuration that is missing, malformed or unreachable at start-up. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** The environment as a plain record, so tests can pass their own. */
export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A string variable, or the default when unset or blank. */
export function envString(env: Env, name: string, fallback: string): string;
export function envString(env: Env, name: string): string | undefined;
export function envString(env: Env, name: string, fallback?: string): string | undefined {
  return raw(env, name) ?? fallback;
}

/** An integer variable within [min, max]. */
export function envInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) {
    throw new StartupError(`${name}="${value}" is not a whole number (expected ${min}..${max})`);
  }
  const parsed = Number(value);
  if (parsed < min || parsed > max) {
    throw new StartupError(`${name}=${value} is out of range (expected ${min}..${max})`);
  }
  return parsed;
}

/** A TCP port number. */
export function envPort(env: Env, name: string, fallback: number): number {
  return envInt(env, name, fallback, 0, 65535);
}

/** One of a fixed set of values. */
export function envEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new StartupError(`${name}="${value}" is not one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A boolean written as true/false, 1/0, yes/no or on/off. */
export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new StartupError(`${name}="${value}" is not a boolean (use true or false)`);
}

/** An absolute http(s) URL. */
export function envHttpUrl(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StartupError(`${name}="${value}" is not a URL (expected http://host:port/graphql)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StartupError(`${name} must be an http:// or https:// URL, got "${url.protocol}"`);
  }
  return url.toString();
}

/** A `redis://` or `rediss://` URL, or undefined when unset. */
export function envRedisUrl(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  if (!/^rediss?:\/\/[^/]/.test(value)) throw new StartupError(`${name} must look like redis://host:6379`);
  return value;
}

/** The deployment mode; production turns off development conveniences. */
export type NodeEnv = 'development' | 'production' | 'test';

/** Reads NODE_ENV, defaulting to development. */
export function envNodeEnv(env: Env): NodeEnv {
  return envEnum(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
}

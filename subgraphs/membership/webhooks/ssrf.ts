import { promises as dns } from 'node:dns';
import net from 'node:net';

/**
 * What webhook URLs may point at, so that a webhook cannot make the dispatcher reach into the
 * alliance's own network (SSRF). Checked when a webhook is registered (the URL, its literal
 * address or what its name resolves to) and again at every attempt, after resolving the name,
 * and the connection then goes to the address that was checked (`pinnedLookup`): a DNS answer
 * that changes between the check and the connection (rebinding) is never used.
 */
export interface UrlPolicy {
  /** `http:` URLs too (development and tests); production allows `https:` only. */
  allowHttp: boolean;
  /**
   * Private, loopback and other non-public addresses too (`WEBHOOK_ALLOW_PRIVATE_NETWORKS`,
   * refused in production): local receivers in development and tests.
   */
  allowPrivate: boolean;
}

/** One address a name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the dispatcher's DNS; tests pass their own). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (`getaddrinfo`, as a connection would use), every address. */
export const systemResolver: Resolver = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

/** A URL or address the policy refuses; its message says what to fix and is safe to show the owner. */
export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
}

/**
 * Ranges that are not the public internet: unspecified, loopback, private (RFC 1918), CGNAT,
 * link-local, IETF protocol assignments, documentation, benchmarking, multicast, reserved and
 * broadcast; IPv6 unspecified, loopback, unique-local, link-local, site-local, multicast,
 * documentation, discard, and the translation prefixes whose IPv4 part is checked separately.
 * Node's BlockList also matches an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) against the
 * IPv4 ranges.
 */
const NON_PUBLIC = (() => {
  const list = new net.BlockList();
  const v4: Array<[string, number]> = [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ];
  for (const [prefix, bits] of v4) list.addSubnet(prefix, bits, 'ipv4');
  const v6: Array<[string, number]> = [
    ['::', 128],
    ['::1', 128],
    ['::', 96], // IPv4-compatible (deprecated)
    ['100::', 64],
    ['2001:db8::', 32],
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ];
  for (const [prefix, bits] of v6) list.addSubnet(prefix, bits, 'ipv6');
  return list;
})();

/** The IPv4 address inside an IPv6 one that carries it (mapped, NAT64, 6to4), else null. */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  // ::ffff:a.b.c.d (mapped) and 64:ff9b::a.b.c.d (NAT64)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    return v4(groups[6]!, groups[7]!);
  }
  // 2002:AABB:CCDD::/48 (6to4)
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return null;
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function expandIpv6(address: string): number[] | null {
  if (net.isIPv6(address) === false) return null;
  let text = address.toLowerCase().split('%')[0]!;
  // A dotted IPv4 tail becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const groups = [...left, ...fill, ...right];
  return groups.length === 8 ? groups : null;
}

/** True for an address on the public internet; false for anything in the ranges above. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  const bare = address.split('%')[0]!;
  if (NON_PUBLIC.check(bare, 'ipv6')) return false;
  const inner = embeddedIpv4(bare);
  return inner === null || !NON_PUBLIC.check(inner, 'ipv4');
}

/** A URL's host as an address literal (IPv6 without brackets), or null for a name. */
function literalAddress(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return net.isIP(host) ? host : null;
}

/**
 * Checks a webhook URL's form: absolute, `https:` (or `http:` where allowed), no user name or
 * password, and a host that is not a non-public address literal. Names are resolved later
 * ({@link resolveTarget}). Throws {@link UnsafeUrlError}.
 */
export function checkUrlForm(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('url must be an absolute URL, e.g. https://cms.example.com/hooks/alliance');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw new UnsafeUrlError(
      policy.allowHttp ? 'url must be an http:// or https:// URL' : 'url must be an https:// URL',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeUrlError('url must not carry a user name or password: authenticate by checking the signature');
  }
  const literal = literalAddress(url);
  if (literal !== null && !policy.allowPrivate && !isPublicAddress(literal)) {
    throw new UnsafeUrlError(`url points at ${literal}, which is not a public internet address`);
  }
  return url;
}

/**
 * The address to connect to for `url`: the literal, or what its name resolves to, after checking
 * that every address is public (one non-public answer refuses the whole name: a connection could
 * otherwise land on it). Throws {@link UnsafeUrlError}, or the resolver's error for a name that
 * does not resolve.
 */
export async function resolveTarget(url: URL, policy: UrlPolicy, resolver: Resolver): Promise<ResolvedAddress> {
  const literal = literalAddress(url);
  const addresses: ResolvedAddress[] =
    literal !== null ? [{ address: literal, family: net.isIP(literal) === 6 ? 6 : 4 }] : await resolver(url.hostname);
  if (addresses.length === 0) throw new UnsafeUrlError(`${url.hostname} does not resolve to any address`);
  if (!policy.allowPrivate) {
    const refused = addresses.find(({ address }) => !isPublicAddress(address));
    if (refused) {
      throw new UnsafeUrlError(
        `${url.hostname} resolves to ${refused.address}, which is not a public internet address`,
      );
    }
  }
  return addresses[0]!;
}

/** A `net.connect` lookup callback, in both of its shapes (one address, or all). */
type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | Array<{ address: string; family: number }>,
  family?: number,
) => void;

/**
 * A `lookup` for `net`/`tls.connect` that answers every name with the vetted address, so the
 * socket connects where the check looked (TLS still verifies the certificate for the URL's name).
 */
export function pinnedLookup(target: ResolvedAddress) {
  return (_hostname: string, options: { all?: boolean } | number | undefined, callback: LookupCallback): void => {
    if (typeof options === 'object' && options?.all)
      callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/** The policy and the resolver, applied together: at registration and before every attempt. */
export class UrlGuard {
  constructor(
    readonly policy: UrlPolicy,
    private readonly resolver: Resolver = systemResolver,
  ) {}

  /**
   * Checks `raw` and resolves its host: the parsed URL and the vetted address to connect to.
   * Throws {@link UnsafeUrlError} (also for a name that does not resolve).
   */
  async vet(raw: string): Promise<{ url: URL; target: ResolvedAddress }> {
    const url = checkUrlForm(raw, this.policy);
    let target: ResolvedAddress;
    try {
      target = await resolveTarget(url, this.policy, this.resolver);
    } catch (error) {
      if (error instanceof UnsafeUrlError) throw error;
      throw new UnsafeUrlError(`${url.hostname} does not resolve: check the host name`);
    }
    return { url, target };
  }
}

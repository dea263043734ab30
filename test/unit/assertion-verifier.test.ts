import { SignJWT } from 'jose';
import {
  ANONYMOUS,
  AssertionError,
  AssertionVerifier,
  type AssertionKey,
  signAssertion,
} from '../../subgraphs/kit/identity';

const key: AssertionKey = { secret: new TextEncoder().encode('k'.repeat(32)), deploymentId: 'test' };
const member = { role: 'MEMBER' as const, memberId: 'm-1', keyId: 'k-1' };

describe('the verifier of gateway assertions', () => {
  it('answers a valid assertion with its identity, again and again', async () => {
    const verifier = new AssertionVerifier(key);
    const token = await signAssertion(member, key);
    expect(await verifier.verify(token)).toEqual(member);
    expect(await verifier.verify(token)).toEqual(member);
  });

  it('refuses a remembered assertion once it has expired, as a fresh check would', async () => {
    const verifier = new AssertionVerifier(key);
    const token = await signAssertion(member, key);
    const now = Date.now();
    expect(await verifier.verify(token, now)).toEqual(member);
    // Assertions live 60 s.
    await expect(verifier.verify(token, now + 61_000)).rejects.toBeInstanceOf(AssertionError);
  });

  it('never remembers a refusal: a wrong key, another audience or a tampered token stays refused', async () => {
    const verifier = new AssertionVerifier(key);
    const other: AssertionKey = { secret: new TextEncoder().encode('o'.repeat(32)), deploymentId: 'test' };
    const forged = await signAssertion({ ...member, role: 'MEMBER' }, other);
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(AssertionError);
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(AssertionError);
    const internal = await signAssertion(ANONYMOUS, key, 'alliance-internal');
    await expect(verifier.verify(internal)).rejects.toBeInstanceOf(AssertionError);
    const good = await signAssertion(member, key);
    await verifier.verify(good);
    const [header, payload, signature] = good.split('.');
    const admin = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'ADMIN' }),
    ).toString('base64url');
    await expect(verifier.verify(`${header}.${admin}.${signature}`)).rejects.toBeInstanceOf(AssertionError);
  });

  it('checks an assertion without an expiry afresh every time (and accepts it, as before)', async () => {
    const verifier = new AssertionVerifier(key);
    const token = await new SignJWT({ role: null, kid: null })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('alliance-gateway/test')
      .setAudience('alliance-subgraph/test')
      .setSubject('anonymous')
      .sign(key.secret);
    expect(await verifier.verify(token)).toEqual(ANONYMOUS);
    // Far in the future: had it been remembered with some expiry, this would say so.
    expect(await verifier.verify(token, Date.now() + 10 * 365 * 86_400_000)).toEqual(ANONYMOUS);
  });

  it('keeps at most its bound of assertions, and still verifies those it forgot', async () => {
    const verifier = new AssertionVerifier(key, undefined, 2);
    const tokens = await Promise.all(['a', 'b', 'c'].map((id) => signAssertion({ ...member, memberId: id }, key)));
    for (const token of tokens) await verifier.verify(token);
    expect((await verifier.verify(tokens[0]!)).memberId).toBe('a');
  });
});

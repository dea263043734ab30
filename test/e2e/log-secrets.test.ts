/**
 * No credential leaves through the logs: the whole graph runs at its most verbose log level
 * (`LOG_LEVEL=trace`) while requests carry API keys, access tokens, bad keys and admin
 * mutations; then every line every process wrote is searched for them.
 */
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { stableId } from '../../subgraphs/kit/ids';
import { graphql } from '../support/processes';
import { productionSecrets } from '../support/secrets';
import { startStack, type Stack } from '../support/stack';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const MEMBER = DEV_CREDENTIALS.member.secret;
const BAD_KEY = `alk_0badc0de_${'Zq9'.repeat(14)}x`;

describe('the logs of every service at LOG_LEVEL=trace', () => {
  const { ACCESS_TOKEN_SECRET, ...shared } = productionSecrets('log-secrets');
  const credentials: Record<string, string> = {
    'admin key': ADMIN,
    'member key': MEMBER,
    'unknown key': BAD_KEY,
    'assertion secret': shared.GATEWAY_ASSERTION_SECRET,
    'access token secret': ACCESS_TOKEN_SECRET,
    'webhook secret key': shared.WEBHOOK_SECRET_KEY,
  };
  let stack: Stack;
  let output: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack('sqlite', { ACCESS_TOKEN_SECRET }, { ...shared, LOG_LEVEL: 'trace' });
    const url = stack.gateway.url;
    const as = (credential: string) => ({ authorization: `Bearer ${credential}` });
    const expectStatus = async (reply: Promise<{ status: number }>, status: number) =>
      expect((await reply).status).toBe(status);

    // An API key, and an access token made from one.
    await expectStatus(graphql(url, '{ viewer { role member { slug contactEmail } } }', {}, as(MEMBER)), 200);
    const exchanged = await fetch(`${url}/auth/token`, { method: 'POST', headers: as(ADMIN) });
    const { access_token: token } = (await exchanged.json()) as { access_token: string };
    credentials['access token'] = token;
    await expectStatus(graphql(url, '{ viewer { role } }', {}, as(token)), 200);

    // Failed authentication: an unknown key, a token that is not ours, another scheme, a bad exchange.
    await expectStatus(graphql(url, '{ viewer { role } }', {}, as(BAD_KEY)), 401);
    await expectStatus(graphql(url, '{ viewer { role } }', {}, as(`${token.slice(0, -4)}AAAA`)), 401);
    await expectStatus(
      graphql(url, '{ viewer { role } }', {}, { authorization: `Basic ${btoa(`admin:${MEMBER}`)}` }),
      401,
    );
    await expectStatus(fetch(`${url}/auth/token`, { method: 'POST', headers: as(BAD_KEY) }), 401);

    // Admin mutations: a new key (its secret is in the answer), used, revoked, refused.
    const issued = await graphql<{ issueApiKey: { secret: string; apiKey: { id: string } } }>(
      url,
      'mutation($m: ID!) { issueApiKey(memberId: $m, label: "log test") { secret apiKey { id } } }',
      { m: stableId('member', 'bayu-video') },
      as(ADMIN),
    );
    const { secret, apiKey } = issued.body.data!.issueApiKey;
    credentials['issued key'] = secret;
    await expectStatus(graphql(url, '{ viewer { role } }', {}, as(secret)), 200);
    const revoked = await graphql(
      url,
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: apiKey.id },
      as(ADMIN),
    );
    expect(revoked.body.errors).toBeUndefined();
    // A webhook: its signing secret is in the answer only (no event follows, so nothing is sent).
    const webhook = await graphql<{ registerWebhook: { secret: string } }>(
      url,
      'mutation { registerWebhook(input: { url: "https://93.184.216.34/hooks", events: [CONTENT_PUBLISHED] }) { secret } }',
      {},
      as(MEMBER),
    );
    expect(webhook.body.errors).toBeUndefined();
    credentials['webhook signing secret'] = webhook.body.data!.registerWebhook.secret;
    // Its base64 part alone, as a library might print it.
    credentials['webhook signing secret bytes'] = webhook.body.data!.registerWebhook.secret.slice('whsec_'.length);
    // A refused admin mutation (a member may not issue keys) and one with bad input.
    await graphql(
      url,
      'mutation($m: ID!) { issueApiKey(memberId: $m, label: "x") { secret } }',
      { m: stableId('member', 'bayu-video') },
      as(MEMBER),
    );
    await graphql(url, 'mutation { issueApiKey(memberId: "not-an-id", label: "") { secret } }', {}, as(ADMIN));

    // Failures that log errors: a subgraph down during a query, the identity subgraph down during a check.
    await stack.subgraphs.tourism!.stop();
    const partial = await graphql(url, '{ attractions(first: 1) { totalCount } }', {}, as(MEMBER));
    expect(partial.body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    await stack.membership.stop();
    await expectStatus(
      graphql(url, '{ viewer { role } }', {}, as(DEV_CREDENTIALS.member.secret.replace(/.$/, 'Q'))),
      503,
    );

    await stack.stop();
    output = Object.fromEntries([
      ['gateway', stack.gateway.output()],
      ...Object.entries(stack.subgraphs).map(([name, service]) => [name, service.output()]),
    ]);
  });
  afterAll(() => stack?.stop());

  it('were written by every service, verbose ones included (the search has something to search)', () => {
    // Debug lines (level 20) appear only below the default level: LOG_LEVEL=trace took effect.
    expect(output.gateway).toMatch(/"level":20,/);
    expect(output.gateway).toMatch(/"msg":"graphql request"/);
    expect(output.gateway).toMatch(/"msg":"subgraph fetch failed"/);
    expect(output.gateway).toMatch(/"msg":"credential check failed"/);
    for (const [name, text] of Object.entries(output))
      expect([name, text]).toEqual([name, expect.stringMatching(/"msg":"stopped"/)]);
  });

  it('hold no API key, token, assertion, signing secret or Authorization header', () => {
    const leaks: string[] = [];
    for (const [service, text] of Object.entries(output)) {
      for (const [what, value] of Object.entries(credentials))
        if (text.includes(value)) leaks.push(`${service}: ${what}`);
      // Any JWT (access tokens and gateway assertions alike start with a base64url `{"`).
      if (/eyJ[A-Za-z0-9_-]{10,}/.test(text)) leaks.push(`${service}: a JWT`);
      if (/authorization"?\s*[:=]/i.test(text)) leaks.push(`${service}: an Authorization header`);
      if (/x-gateway-assertion"?\s*[:=]/i.test(text)) leaks.push(`${service}: an assertion header`);
      if (/\b(bearer|basic)\s+[A-Za-z0-9+/=_.-]{8,}/i.test(text))
        leaks.push(`${service}: a credential after its scheme`);
    }
    expect(leaks).toEqual([]);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import {
  ANONYMOUS,
  ASSERTION_HEADER,
  type AssertionKey,
  IDENTITY_AUDIENCE,
  signAssertion,
} from '../../subgraphs/kit/identity';
import { DEV_ASSERTION_SECRET } from '../../subgraphs/kit/secrets';
import { freePort, graphql, runToExit, startService, type RunningService } from '../support/processes';
import { productionSecrets } from '../support/secrets';

const ROOT = path.resolve(__dirname, '../..');
const ADVICE = 'generate one with `openssl rand -base64 48`';
const envExample = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const placeholder = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(envExample)![1]!.trim();

describe('production refuses to start with a secret published in the repository', () => {
  it('the gateway with the ACCESS_TOKEN_SECRET of .env.example exits 1 with one line naming it', async () => {
    const secret = placeholder('ACCESS_TOKEN_SECRET');
    const { code, output } = await runToExit('gateway/index.ts', {
      ...productionSecrets(),
      NODE_ENV: 'production',
      ACCESS_TOKEN_SECRET: secret,
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expect(output).toBe(`gateway: ACCESS_TOKEN_SECRET is a value published in the repository; ${ADVICE}\n`);
    expect(output).not.toContain(secret);
  });

  it('a subgraph with the development GATEWAY_ASSERTION_SECRET exits 1 with one line naming it', async () => {
    const { code, output } = await runToExit('subgraphs/membership/index.ts', {
      ...productionSecrets(),
      NODE_ENV: 'production',
      GATEWAY_ASSERTION_SECRET: DEV_ASSERTION_SECRET,
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expect(output).toBe(`membership: GATEWAY_ASSERTION_SECRET is a value published in the repository; ${ADVICE}\n`);
  });
});

describe('the membership subgraph in production needs the key of webhook secrets', () => {
  it('exits 1 with one line naming WEBHOOK_SECRET_KEY when it is unset', async () => {
    const { WEBHOOK_SECRET_KEY: _unset, ...secrets } = productionSecrets();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-webhook-key-'));
    try {
      const { code, output } = await runToExit('subgraphs/membership/index.ts', {
        ...secrets,
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
      });
      expect(code).toBe(1);
      expect(output).toBe(
        `membership: WEBHOOK_SECRET_KEY must be set in production (at least 32 characters); ${ADVICE}\n`,
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a subgraph accepts only assertions of its own deployment', () => {
  const secrets = productionSecrets('alliance-e2e');
  const key: AssertionKey = {
    secret: new TextEncoder().encode(secrets.GATEWAY_ASSERTION_SECRET),
    deploymentId: 'alliance-e2e',
  };
  const QUERY = '{ members(first: 1) { totalCount } }';
  const REFUSED = {
    status: 401,
    body: {
      errors: [
        {
          message: 'this service accepts requests from the alliance gateway only',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    },
  };
  let dataDir: string;
  let membership: RunningService;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-assertions-'));
    membership = await startService('subgraphs/membership/index.ts', {
      ...secrets,
      NODE_ENV: 'production',
      SEED: 'if-empty',
      DATA_DIR: dataDir,
    });
  });
  afterAll(async () => {
    await membership?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const ask = (assertion: string) => graphql(membership.url, QUERY, {}, { [ASSERTION_HEADER]: assertion });

  it("serves assertions with this deployment's issuer and audience", async () => {
    const { status, body } = await ask(await signAssertion({ role: 'ADMIN', memberId: 'm', keyId: 'k' }, key));
    expect([status, body]).toEqual([200, { data: { members: { totalCount: 35 } } }]);
  });

  it('refuses, with the right secret, an assertion of another deployment', async () => {
    const admin = { role: 'ADMIN', memberId: 'm', keyId: 'k' } as const;
    const otherDeployment = await signAssertion(admin, { ...key, deploymentId: 'development' });
    expect(await ask(otherDeployment)).toEqual(REFUSED);
  });

  it('refuses, with the right secret, an assertion that names no deployment (as signed before DEPLOYMENT_ID)', async () => {
    const unbound = await new SignJWT({ role: 'ADMIN', kid: 'k' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('alliance-gateway')
      .setAudience('alliance-subgraph')
      .setSubject('m')
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key.secret);
    expect(await ask(unbound)).toEqual(REFUSED);
  });

  it('keeps the graph and internal audiences apart', async () => {
    expect(await ask(await signAssertion(ANONYMOUS, key, IDENTITY_AUDIENCE))).toEqual(REFUSED);
    const stats = (assertion: string) =>
      fetch(`${membership.url}/internal/stats`, { headers: { [ASSERTION_HEADER]: assertion } });
    expect((await stats(await signAssertion(ANONYMOUS, key))).status).toBe(401);
    expect((await stats(await signAssertion(ANONYMOUS, key, IDENTITY_AUDIENCE))).status).toBe(200);
  });
});

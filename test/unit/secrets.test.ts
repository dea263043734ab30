import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadGatewayConfig } from '../../gateway/config';
import { loadSubgraphConfig } from '../../subgraphs/kit/config';
import { readProvisionConfig } from '../../subgraphs/kit/provision';
import { SUBGRAPH_NAMES } from '../../subgraphs';
import { content } from '../../subgraphs/content/server';
import { membership } from '../../subgraphs/membership/server';
import { tourism } from '../../subgraphs/tourism/server';
import {
  DEV_ACCESS_TOKEN_SECRET,
  DEV_ASSERTION_SECRET,
  PUBLISHED_SECRETS,
  databasePasswordPlaceholder,
  isPublishedSecret,
  weakSecretReason,
} from '../../subgraphs/kit/secrets';
import { productionSecrets, strongSecret } from '../support/secrets';

const ROOT = path.resolve(__dirname, '../..');
const ADVICE = 'generate one with `openssl rand -base64 48`';

/** The value of `NAME=value` in .env.example, as an operator who copied it would deploy it. */
function envExampleValue(name: string): string {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8'));
  if (!match) throw new Error(`.env.example sets no ${name}`);
  return match[1]!.trim();
}

/** Every text file of the repository a secret could be written in (not dependencies or build output). */
function repositoryFiles(): string[] {
  const skip = new Set(['node_modules', 'dist', 'data', '.git', 'coverage']);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      // Lock files list dependencies' names (some read like secrets); npm writes them, not us.
      if (skip.has(entry.name) || entry.name === 'package-lock.json') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|cjs|mjs|js|md|ya?ml|json|graphql|example)$|^Dockerfile$|^\.env/.test(entry.name)) {
        files.push(full);
      }
    }
  };
  walk(ROOT);
  return files;
}

/**
 * Secret-looking values written in the repository: anything of signing-secret length (32+
 * characters; shorter ones are refused anyway) assigned to a variable named like a secret or
 * password (`NAME=value`, `NAME: value`, `NAME: 'value'`), and any quoted literal of that length
 * that reads like one (`…secret…`, `change-me…`, `dev-only…`).
 */
function secretLookingValues(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (value: string, where: string) => found.set(value, [...(found.get(value) ?? []), where]);
  const assignment = /[A-Z][A-Z0-9_]*(?:SECRET|PASSWORD)[A-Z0-9_]*['"]?\s*[=:]\s*(['"`]?)([A-Za-z0-9][^\s'"`]*)\1/g;
  const literal = /(['"`])([^'"`\s]{32,})\1/g;
  for (const file of repositoryFiles()) {
    const text = fs.readFileSync(file, 'utf8');
    const where = path.relative(ROOT, file);
    const isCode = /\.(ts|cjs|mjs|js)$/.test(file);
    for (const match of text.matchAll(assignment)) {
      // In code an unquoted value is an identifier or expression, not the secret itself.
      if (isCode && match[1] === '') continue;
      if (match[2]!.length >= 32) add(match[2]!, where);
    }
    for (const match of text.matchAll(literal)) {
      // Templates (`${name}`, `<password>`) name where a secret goes; they are not one.
      if (/\$\{|<[a-z]+>/.test(match[2]!)) continue;
      if (/secret|change-?me|dev-only|password/i.test(match[2]!)) add(match[2]!, where);
    }
  }
  return found;
}

describe('the list of secrets published in the repository', () => {
  const found = secretLookingValues();

  it('finds the development defaults and the .env.example placeholders (the search itself works)', () => {
    expect(found.get(DEV_ASSERTION_SECRET)).toContain('subgraphs/kit/secrets.ts');
    expect(found.get(DEV_ACCESS_TOKEN_SECRET)).toContain('subgraphs/kit/secrets.ts');
    for (const name of ['GATEWAY_ASSERTION_SECRET', 'ACCESS_TOKEN_SECRET']) {
      expect(found.get(envExampleValue(name))).toContain('.env.example');
    }
    expect(found.get('not-the-gateway-secret-but-32-characters-long')).toContain('test/graph/identity.test.ts');
  });

  it('holds every secret-looking value of .env.example, docker-compose.yml, the docs, the code and the tests', () => {
    const missing = [...found]
      .filter(([value]) => !isPublishedSecret(value))
      .map(([value, files]) => `${files.join(', ')}: ${value}`);
    expect(missing).toEqual([]);
  });
});

describe('weakSecretReason', () => {
  it('refuses every published value, and values built on one', () => {
    for (const value of [...PUBLISHED_SECRETS, ...SUBGRAPH_NAMES.map(databasePasswordPlaceholder)]) {
      expect([value, weakSecretReason(value)]).toEqual([value, 'is a value published in the repository']);
    }
    expect(weakSecretReason(`${envExampleValue('ACCESS_TOKEN_SECRET')}2`)).toBe(
      'is a value published in the repository',
    );
  });

  it.each([
    ['one character repeated', 'a'.repeat(48)],
    ['a short pattern repeated', 'abc123'.repeat(8)],
    ['digits only', '31415926535897932384626433832795'],
    ['lower-case letters only', 'thequickbrownfoxjumpsoverthelazydog'],
  ])('refuses %s', (_what, value) => {
    expect(weakSecretReason(value)).toMatch(/^is too easy to guess/);
  });

  it('accepts random secrets, whether base64 or hex', () => {
    for (let i = 0; i < 500; i += 1) {
      for (const value of [strongSecret(), randomBytes(32).toString('hex'), randomBytes(24).toString('base64url')]) {
        expect([value, weakSecretReason(value)]).toEqual([value, undefined]);
      }
    }
  });
});

describe('production refuses published, guessable and shared signing secrets at start-up', () => {
  const production = (overrides: Record<string, string>) => ({
    NODE_ENV: 'production',
    ...productionSecrets(),
    ...overrides,
  });

  it('starts with random secrets', () => {
    expect(() => loadGatewayConfig(production({}))).not.toThrow();
    expect(() => loadSubgraphConfig(membership, production({}))).not.toThrow();
  });

  it.each([
    ['ACCESS_TOKEN_SECRET', () => envExampleValue('ACCESS_TOKEN_SECRET')],
    ['ACCESS_TOKEN_SECRET', () => DEV_ACCESS_TOKEN_SECRET],
    ['GATEWAY_ASSERTION_SECRET', () => envExampleValue('GATEWAY_ASSERTION_SECRET')],
    ['GATEWAY_ASSERTION_SECRET', () => DEV_ASSERTION_SECRET],
  ])('refuses a published %s, naming it, without printing it', (name, value) => {
    const env = production({ [name]: value() });
    const expected = `${name} is a value published in the repository; ${ADVICE}`;
    expect(() => loadGatewayConfig(env)).toThrow(expected);
    if (name === 'GATEWAY_ASSERTION_SECRET') expect(() => loadSubgraphConfig(content, env)).toThrow(expected);
  });

  it('refuses a guessable secret, without printing it', () => {
    const env = production({ GATEWAY_ASSERTION_SECRET: 'x'.repeat(40) });
    expect(() => loadSubgraphConfig(tourism, env)).toThrow(
      `GATEWAY_ASSERTION_SECRET is too easy to guess (fewer than 10 different characters); ${ADVICE}`,
    );
  });

  it('refuses the same value for both secrets', () => {
    const shared = strongSecret();
    expect(() =>
      loadGatewayConfig(production({ GATEWAY_ASSERTION_SECRET: shared, ACCESS_TOKEN_SECRET: shared })),
    ).toThrow(`ACCESS_TOKEN_SECRET must differ from GATEWAY_ASSERTION_SECRET; ${ADVICE}`);
  });

  it('keeps development conveniences outside production', () => {
    expect(() => loadGatewayConfig({ GATEWAY_ASSERTION_SECRET: DEV_ASSERTION_SECRET })).not.toThrow();
    expect(() => loadSubgraphConfig(membership, { GATEWAY_ASSERTION_SECRET: 'a'.repeat(32) })).not.toThrow();
  });
});

describe('DEPLOYMENT_ID', () => {
  it('is development outside production, and must be set in production', () => {
    expect(loadSubgraphConfig(membership, {}).security.assertionKey.deploymentId).toBe('development');
    const { DEPLOYMENT_ID: _unset, ...secrets } = productionSecrets();
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', ...secrets })).toThrow(
      /^DEPLOYMENT_ID must be set in production: a name for this deployment/,
    );
    expect(loadGatewayConfig({ NODE_ENV: 'production', ...secrets, DEPLOYMENT_ID: 'sichuan-prod' })).toMatchObject({
      assertionKey: { deploymentId: 'sichuan-prod' },
    });
  });

  it('refuses characters that do not belong in a name', () => {
    expect(() => loadSubgraphConfig(membership, { DEPLOYMENT_ID: 'prod/eu' })).toThrow(
      'DEPLOYMENT_ID="prod/eu" must be 1-63 letters, digits, ".", "_" or "-"',
    );
  });
});

describe('database provisioning', () => {
  const passwords = () => ({
    MYSQL_ADMIN_URL: 'mysql://root@127.0.0.1:3306',
    MYSQL_MEMBERSHIP_PASSWORD: randomBytes(24).toString('hex'),
    MYSQL_CONTENT_PASSWORD: randomBytes(24).toString('hex'),
    MYSQL_CAMPAIGNS_PASSWORD: randomBytes(24).toString('hex'),
    MYSQL_TOURISM_PASSWORD: randomBytes(24).toString('hex'),
    MYSQL_USAGE_PASSWORD: randomBytes(24).toString('hex'),
  });

  it('accepts random passwords', () => {
    expect(readProvisionConfig(passwords(), SUBGRAPH_NAMES).accounts.map((a) => a.user)).toEqual([
      'alliance_membership',
      'alliance_content',
      'alliance_campaigns',
      'alliance_tourism',
      'alliance_usage',
    ]);
  });

  it('refuses a password copied from .env.example, naming the variable and not the value', () => {
    const published = envExampleValue('MYSQL_CONTENT_PASSWORD');
    expect(() => readProvisionConfig({ ...passwords(), MYSQL_CONTENT_PASSWORD: published }, SUBGRAPH_NAMES)).toThrow(
      'MYSQL_CONTENT_PASSWORD is a value published in the repository; generate one with `openssl rand -hex 24`',
    );
  });

  it("refuses a new subgraph's generated placeholder too, with no list to extend", () => {
    expect(() =>
      readProvisionConfig({ ...passwords(), MYSQL_REVIEWS_PASSWORD: databasePasswordPlaceholder('reviews') }, [
        ...SUBGRAPH_NAMES,
        'reviews',
      ]),
    ).toThrow('MYSQL_REVIEWS_PASSWORD is a value published in the repository');
  });
});

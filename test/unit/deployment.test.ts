import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_PORTS, SUBGRAPH_NAMES } from '../../subgraphs';

// Checks that the container files agree with the code, without a container engine.

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  networks?: string[];
  env_file?: string;
  restart?: string;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  networks: Record<string, { internal?: boolean }>;
};
const services = compose.services;
const envExample = read('.env.example');
const dockerfile = read('Dockerfile');

/** Every environment variable the services read, found in the code that reads them. */
function variablesReadByCode(): Set<string> {
  const sources = [
    'gateway/config.ts',
    'subgraphs/kit/config.ts',
    'subgraphs/kit/env.ts',
    'subgraphs/kit/provision.ts',
    'scripts/service.ts',
  ];
  const names = new Set<string>();
  for (const file of sources) {
    for (const match of read(file).matchAll(/(?:env[A-Z][A-Za-z]*|readSecret)\(\s*env,\s*'([A-Z0-9_]+)'/g))
      names.add(match[1]!);
  }
  names.add('NODE_ENV').add('SERVICE');
  // Variables named after a subgraph, read by pattern.
  for (const name of SUBGRAPH_NAMES) {
    const upper = name.toUpperCase();
    for (const v of [
      `${upper}_DATABASE_URL`,
      `${upper}_DATABASE_READ_URLS`,
      `SUBGRAPH_${upper}_URL`,
      `MYSQL_${upper}_PASSWORD`,
    ])
      names.add(v);
  }
  return names;
}

describe('deployment files', () => {
  const known = variablesReadByCode();

  it('finds the variables the code reads (the extraction itself works)', () => {
    for (const v of ['DATABASE_URL', 'GATEWAY_ASSERTION_SECRET', 'REDIS_URL', 'LIMIT_MAX_DEPTH', 'PORT', 'SEED']) {
      expect(known).toContain(v);
    }
  });

  it('documents every variable the code reads in .env.example', () => {
    const missing = [...known].filter((v) => !new RegExp(`\\b${v}=`).test(envExample));
    expect(missing).toEqual([]);
  });

  it('sets only variables the code reads (no typos) in docker-compose.yml', () => {
    const unknown = Object.entries(services).flatMap(([name, service]) =>
      Object.keys(service.environment ?? {})
        .filter((v) => !known.has(v) && !(name === 'mysql' && v === 'MYSQL_ROOT_PASSWORD'))
        .map((v) => `${name}.${v}`),
    );
    expect(unknown).toEqual([]);
  });

  it('runs all five services from the one image, each on its default port', () => {
    for (const name of ['gateway', ...SUBGRAPH_NAMES] as const) {
      const service = services[name]!;
      expect([name, service.image, service.environment?.SERVICE]).toEqual([
        name,
        'sichuan-alliance-graph:latest',
        name,
      ]);
      expect(Number(service.environment?.PORT)).toBe(DEFAULT_PORTS[name]);
      expect(service.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${DEFAULT_PORTS[name]}/`);
    }
  });

  it("keeps the image's health-check port table equal to the registry's default ports", () => {
    // The HEALTHCHECK runs a one-line script with no access to the code, so the table is a
    // literal there; this keeps it derived from the subgraphs' descriptors in effect.
    const table = /\{((?:\s*[a-z-]+\s*:\s*\d+\s*,?)+)\}\[process\.env\.SERVICE\]/.exec(dockerfile);
    expect(table).not.toBeNull();
    const ports = Object.fromEntries(
      table![1]!.split(',').map((entry) => {
        const [name, port] = entry.split(':').map((part) => part.trim());
        return [name, Number(port)];
      }),
    );
    expect(ports).toEqual(DEFAULT_PORTS);
    expect(dockerfile).toContain(`SERVICE=${['gateway', ...SUBGRAPH_NAMES].join('|')}.`);
  });

  it('gives every subgraph of the registry an `npm run start:<name>` script', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of SUBGRAPH_NAMES)
      expect([name, scripts[`start:${name}`]]).toEqual([name, `node scripts/launch.cjs subgraphs/${name}/index`]);
  });

  it('routes the gateway to each subgraph at its service name and port', () => {
    const env = services.gateway!.environment!;
    for (const name of SUBGRAPH_NAMES) {
      expect(env[`SUBGRAPH_${name.toUpperCase()}_URL`]).toBe(`http://${name}:${DEFAULT_PORTS[name]}/graphql`);
    }
  });

  it('gives every service a health check and starts services only after their dependencies are healthy', () => {
    // One-shot jobs (restart: 'no') exit when done: nothing to check the health of.
    for (const [name, service] of Object.entries(services))
      if (service.restart !== 'no') expect([name, Boolean(service.healthcheck)]).toEqual([name, true]);
    for (const name of SUBGRAPH_NAMES)
      expect(services[name]!.depends_on).toEqual({
        mysql: { condition: 'service_healthy' },
        'provision-databases': { condition: 'service_completed_successfully' },
      });
    expect(Object.keys(services.gateway!.depends_on!).sort()).toEqual(['redis', ...SUBGRAPH_NAMES].sort());
    expect(Object.values(services.gateway!.depends_on!).every((d) => d.condition === 'service_healthy')).toBe(true);
  });

  it('publishes the gateway alone; everything else lives on an internal network', () => {
    const published = Object.entries(services)
      .filter(([, service]) => service.ports?.length)
      .map(([name]) => name);
    expect(published).toEqual(['gateway']);
    expect(compose.networks.internal).toEqual({ internal: true });
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'gateway') expect([name, service.networks]).toEqual([name, ['internal']]);
    }
  });

  it("keeps the gateway's metrics listener inside the compose networks, on a port other than the public one", () => {
    const gateway = services.gateway!;
    expect(gateway.environment).toMatchObject({ METRICS_HOST: '0.0.0.0', METRICS_PORT: 9464 });
    expect(gateway.ports).toEqual(['${GATEWAY_PORT:-4000}:4000']);
  });

  it('keeps MySQL data in a named volume and pins MySQL 8.4', () => {
    expect(services.mysql!.image).toBe('mysql:8.4');
    expect(compose.volumes).toHaveProperty('mysql-data');
  });

  it('connects each subgraph to its own database as its own MySQL user, never as root', () => {
    for (const name of SUBGRAPH_NAMES) {
      const env = services[name]!.environment!;
      expect([name, env.DATABASE_URL]).toEqual([name, undefined]);
      const upper = name.toUpperCase();
      expect(env[`${upper}_DATABASE_URL`]).toBe(
        `mysql://alliance_${name}:\${MYSQL_${upper}_PASSWORD:?set MYSQL_${upper}_PASSWORD in .env}@mysql:3306/alliance_${name}`,
      );
      expect(envExample).toMatch(new RegExp(`^MYSQL_${upper}_PASSWORD=`, 'm'));
    }
    // Only the one-shot provisioning job holds the admin account, and only it.
    const holdingRoot = Object.entries(services)
      .filter(([, service]) => JSON.stringify(service.environment ?? {}).includes('mysql://root:'))
      .map(([name]) => name);
    expect(holdingRoot).toEqual(['provision-databases']);
    const provision = services['provision-databases']!;
    expect(provision.image).toBe('sichuan-alliance-graph:latest');
    expect(provision.environment!.SERVICE).toBe('provision-databases');
    expect(provision.restart).toBe('no');
    expect(provision.env_file).toBeUndefined(); // the passwords it needs, not every secret of .env
  });

  it('takes secrets from the env file, never inline', () => {
    const text = read('docker-compose.yml');
    for (const secret of ['GATEWAY_ASSERTION_SECRET', 'ACCESS_TOKEN_SECRET'])
      expect(text).not.toMatch(new RegExp(`${secret}:`));
    for (const name of ['gateway', ...SUBGRAPH_NAMES]) expect(services[name]!.env_file).toBe('.env');
  });

  it('builds a multi-stage, production-only, non-root image with a health check and no secrets', () => {
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).not.toMatch(/^(ENV|ARG)\b[^\n]*(SECRET|PASSWORD)/m);
    expect(read('.dockerignore')).toMatch(/^\.env$/m);
  });

  it('runs Node.js 24 and the compiled JavaScript, not TypeScript through tsx', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?/gm)].map((m) => ({ base: m[1], name: m[2] }));
    const names = new Set(stages.map((stage) => stage.name));
    // Every image pulled from outside is Node.js 24; the other stages build on those.
    const images = stages.map((stage) => stage.base).filter((base) => !names.has(base));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^node:24-/);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/scripts\/service\.js"\]$/m);
    expect(runtime).not.toMatch(/tsx|COPY (gateway|subgraphs|scripts) /);
    expect(JSON.parse(read('package.json')).engines.node).toBe('>=24');
    for (const file of ['.nvmrc', '.node-version']) expect(read(file).trim()).toBe('24');
  });

  const dockerCompose = (() => {
    try {
      execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (dockerCompose ? it : it.skip)('passes `docker compose config` where Docker Compose is installed', () => {
    execFileSync('docker', ['compose', '--env-file', '.env.example', 'config', '--quiet'], { cwd: ROOT });
  });
});

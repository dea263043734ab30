import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { renderDeploymentFiles } from '../../scripts/deployment';
import { healthcheckPort } from '../../scripts/healthcheck';
import { DEFAULT_PORTS, SUBGRAPHS, SUBGRAPH_NAMES } from '../../subgraphs';

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
const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
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
    // A variable named after a subgraph may be documented once for all, as its <NAME> pattern;
    // the passwords compose requires are set one by one (a generated region).
    const asPattern = (v: string) =>
      SUBGRAPH_NAMES.reduce((text, name) => text.replace(name.toUpperCase(), '<NAME>'), v);
    const missing = [...known].filter(
      (v) =>
        !new RegExp(`\\b${v}=`).test(envExample) &&
        (v.startsWith('MYSQL_') || !envExample.includes(`${asPattern(v)}=`)),
    );
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
      // The image's health-check script, on the service's PORT: readiness for subgraphs (database up).
      expect(service.healthcheck!.test).toEqual([
        'CMD',
        'node',
        'dist/scripts/healthcheck.js',
        ...(name === 'gateway' ? [] : ['/readyz']),
      ]);
    }
  });

  it("runs the image's health check from the code: no port table in the Dockerfile", () => {
    const healthcheck = /^HEALTHCHECK [^\n]*\\\n\s*CMD (.+)$/m.exec(dockerfile);
    expect(healthcheck?.[1]).toBe('["node", "dist/scripts/healthcheck.js"]');
    expect(dockerfile).not.toMatch(/\b40\d\d\b/);
    // Each service's default port comes from the registry; PORT wins when set.
    for (const name of ['gateway', ...SUBGRAPH_NAMES] as const)
      expect([name, healthcheckPort({ SERVICE: name })]).toEqual([name, DEFAULT_PORTS[name]]);
    expect(healthcheckPort({ SERVICE: 'tourism', PORT: '5004' })).toBe(5004);
    expect(() => healthcheckPort({ SERVICE: 'provision-databases' })).toThrow(
      'SERVICE "provision-databases" is not a service with a port',
    );
  });

  it('the health-check script exits 0 when the service answers 2xx, 1 otherwise', async () => {
    let status = 200;
    const server = http.createServer((req, res) => res.writeHead(req.url === '/readyz' ? status : 404).end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const check = (env: Record<string, string>) =>
      new Promise<number | null>((resolve) => {
        const child = // Run as the image runs it: the script itself is the main module.
          spawn(process.execPath, ['--require', 'tsx/cjs', 'scripts/healthcheck.ts', '/readyz'], {
            cwd: ROOT,
            env: { ...process.env, NODE_ENV: 'test', ...env },
            stdio: 'ignore',
          });
        child.on('exit', (code) => resolve(code));
      });
    try {
      expect(await check({ PORT: String(port) })).toBe(0);
      status = 503;
      expect(await check({ PORT: String(port) })).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await check({ PORT: String(port) })).toBe(1); // nothing listens any more
  });

  it('starts any service with `npm run start:service -- <name>`, no script per subgraph', async () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:service']).toBe('node scripts/launch.cjs scripts/service');
    expect(SUBGRAPH_NAMES.filter((name) => scripts[`start:${name}`] !== undefined)).toEqual([]);
    // The entry knows every service of the registry by name.
    const refusal = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/launch.cjs', 'scripts/service', 'no-such-service'], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'test', SERVICE: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(refusal).toEqual({
      code: 2,
      stderr: `SERVICE must be one of: ${['gateway', ...SUBGRAPH_NAMES, 'provision-databases'].join(', ')} (got no-such-service)\n`,
    });
  });

  it('keeps the generated parts of docker-compose.yml and .env.example equal to the registry (`npm run deployment`)', () => {
    // On failure: each stale region, with the lines it misses.
    const stale = renderDeploymentFiles(SUBGRAPHS).flatMap((file) => file.stale);
    expect(stale).toEqual([]);
  });

  it('gives a subgraph added to the registry its service, password, route and dependency, with no hand edit', () => {
    const added = [...SUBGRAPHS.map(({ name, port }) => ({ name, port })), { name: 'reviews', port: 4005 }];
    const files = Object.fromEntries(renderDeploymentFiles(added).map((file) => [file.file, file]));
    // The committed files lack exactly the new subgraph's lines, named.
    expect(files['docker-compose.yml']!.stale.map(({ region, missing }) => [region, missing.join('\n')])).toEqual([
      ['subgraph passwords', expect.stringContaining('MYSQL_REVIEWS_PASSWORD')],
      ['subgraph services', expect.stringContaining('SERVICE: reviews')],
      ['gateway routes', 'SUBGRAPH_REVIEWS_URL: http://reviews:4005/graphql'],
      ['gateway dependencies', 'reviews:'],
    ]);
    const rendered = parseYaml(files['docker-compose.yml']!.text, { merge: true }) as typeof compose;
    expect(rendered.services.reviews).toMatchObject({
      image: 'sichuan-alliance-graph:latest',
      env_file: '.env',
      environment: {
        SERVICE: 'reviews',
        PORT: 4005,
        REVIEWS_DATABASE_URL:
          'mysql://alliance_reviews:${MYSQL_REVIEWS_PASSWORD:?set MYSQL_REVIEWS_PASSWORD in .env}@mysql:3306/alliance_reviews',
      },
      depends_on: services.membership!.depends_on,
      healthcheck: { test: ['CMD', 'node', 'dist/scripts/healthcheck.js', '/readyz'] },
    });
    expect(rendered.services.gateway!.environment!.SUBGRAPH_REVIEWS_URL).toBe('http://reviews:4005/graphql');
    expect(rendered.services.gateway!.depends_on!.reviews).toEqual({ condition: 'service_healthy' });
    expect(rendered.services['provision-databases']!.environment!.MYSQL_REVIEWS_PASSWORD).toBeDefined();
    expect(files['.env.example']!.text).toMatch(/^MYSQL_REVIEWS_PASSWORD=change-me-reviews-db-password$/m);
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

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CONSOLE_PATH, consoleOperations } from '../../gateway/console';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { buildManifest } from '../../scripts/trusted-documents';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { graphql } from '../support/processes';
import { productionSecrets } from '../support/secrets';
import { type TestBrowser, describeWithBrowser, launchBrowser } from '../support/browser';

// The admin console (gateway/console) in headless Chromium, over a gateway with recorded traffic.

/** Where the screenshot is saved (gitignored): `ARTIFACTS_DIR`, else test-artifacts/. */
const ARTIFACTS = path.resolve(process.env.ARTIFACTS_DIR ?? path.join(__dirname, '../../test-artifacts'));

const ADMIN = DEV_CREDENTIALS.admin.secret;
const MEMBER = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const MEMBER_ID = stableId('member', 'chengdu-evening-news');

const MEMBER_FEED = 'query MemberFeed { viewer { role } contents(first: 2) { nodes { id title } } }';
const ADMIN_MEMBERS = 'query AdminMembers { members(first: 3) { nodes { id slug } } }';
const PUBLIC_ATTRACTIONS = 'query PublicAttractions { attractions(first: 2) { nodes { id name } } }';
const TOO_MANY = 'query TooManyAttractions { attractions(first: 500) { nodes { id } } }';

/**
 * Counts, in the browser, the pixels of a chart's canvas near a colour: all of them, and those in
 * the upper half of the canvas (a line of zeros stays at the bottom). Text, as this project's
 * TypeScript has no DOM types.
 */
const COUNT_STROKE_PIXELS = `(function (chartId, rgb) {
  var canvas = document.querySelector('#' + chartId + ' canvas');
  var image = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  var all = 0, upper = 0;
  for (var i = 0; i < image.data.length; i += 4) {
    var d = image.data;
    if (d[i + 3] <= 128 || Math.abs(d[i] - rgb[0]) >= 40 || Math.abs(d[i + 1] - rgb[1]) >= 40 || Math.abs(d[i + 2] - rgb[2]) >= 40) continue;
    all += 1;
    if (Math.floor(i / 4 / image.width) < image.height / 2) upper += 1;
  }
  return { all: all, upper: upper, points: Number(document.getElementById(chartId).dataset.points) };
})`;

/** Pixels of the chart's canvas near `rgb`: all of them, those in the upper half, and the chart's buckets. */
async function strokePixels(
  page: Page,
  chartId: string,
  rgb: [number, number, number],
): Promise<{ all: number; upper: number; points: number }> {
  return page.evaluate(`${COUNT_STROKE_PIXELS}(${JSON.stringify(chartId)}, ${JSON.stringify(rgb)})`);
}

describeWithBrowser('the admin console in headless Chromium', () => {
  let graph: InProcessGraph;
  let browser: BrowserContext;
  let chrome: TestBrowser | undefined;

  beforeAll(async () => {
    // A flush interval longer than the test: the test flushes when its traffic is done.
    graph = await startInProcessGraph({ USAGE_FLUSH_MS: '600000' });
    const url = graph.gateway.url;
    const member = { authorization: `Bearer ${MEMBER}`, 'apollographql-client-name': 'newsroom' };
    const admin = { authorization: `Bearer ${ADMIN}` };
    const script: Array<[string, Record<string, string>, number]> = [
      [MEMBER_FEED, member, 40],
      [ADMIN_MEMBERS, admin, 15],
      [PUBLIC_ATTRACTIONS, {}, 10],
      [TOO_MANY, {}, 5],
    ];
    for (const [query, headers, times] of script)
      await Promise.all(Array.from({ length: times }, () => graphql(url, query, {}, headers)));
    await graph.gateway.built.usage!.flush();

    chrome = await launchBrowser('console', { width: 1400, height: 1000 });
    browser = chrome.context;
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await graph?.stop();
  });

  /** A fresh tab (its own session storage) on the console, recording what it requests and what fails. */
  async function openConsole() {
    const page = await browser.newPage();
    const requested: string[] = [];
    const failures: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => failures.push(error.message));
    // A CSP violation is reported on the console as an error.
    page.on('console', (message) => {
      if (message.type() === 'error') failures.push(message.text());
    });
    await page.goto(`${graph.gateway.url}${CONSOLE_PATH}`);
    return { page, requested, failures };
  }

  async function signIn(page: Page, credential: string) {
    await page.fill('#credential', credential);
    await page.click('#sign-in-button');
  }

  it('shows an admin the usage charts per member, the top and slowest operations, error rates and field usage', async () => {
    const { page, requested, failures } = await openConsole();
    await signIn(page, ADMIN);
    const top = page.locator('#top-operations');
    await top.locator('td', { hasText: 'MemberFeed' }).waitFor({ timeout: 15_000 });
    await expect(page.locator('#sign-in').isHidden()).resolves.toBe(true);
    await expect(page.locator('#signed-in').innerText()).resolves.toBe('Signed in: Tianfu Daily (ADMIN)');
    // Everyone's traffic: the scripted operations, most used first.
    const names = await top.locator('tbody tr td:first-child').allInnerTexts();
    expect(names.slice(0, 4)).toEqual(['MemberFeed', 'AdminMembers', 'PublicAttractions', 'TooManyAttractions']);
    await expect(page.locator('#errors-by-code').innerText()).resolves.toMatch(/BAD_USER_INPUT\s+5/);
    await expect(page.locator('#totals').innerText()).resolves.toMatch(/^70 operations, 5 with errors \(7\.1 %\)/);
    await expect(page.locator('#slowest-operations tbody tr').count()).resolves.toBeGreaterThanOrEqual(4);
    // The API key itself is not kept: only the access token it was exchanged for, for this tab.
    const kept = await page.evaluate(() => ({
      session: sessionStorage.getItem('alliance-console-token'),
      local: localStorage.length,
    }));
    expect(kept.session).toMatch(/^ey/);
    expect(kept.local).toBe(0);

    // One member: the picker lists it with its operations, most used first.
    const picker = page.locator('#member');
    await expect(picker.locator('option').nth(1).innerText()).resolves.toBe('Chengdu Evening News — 40 operations');
    await picker.selectOption(MEMBER_ID);
    await page.locator('#totals', { hasText: /^40 operations, 0 with errors/ }).waitFor({ timeout: 15_000 });
    expect(await top.locator('tbody tr td:first-child').allInnerTexts()).toEqual(['MemberFeed']);
    await expect(top.locator('tbody tr td').last().innerText()).resolves.toBe('newsroom');
    // The chart drew the member's operations: its line rises into the upper half of the plot.
    const operations = await strokePixels(page, 'chart-operations', [31, 119, 180]);
    expect(operations.points).toBeGreaterThanOrEqual(24);
    expect(operations.all).toBeGreaterThan(50);
    expect(operations.upper).toBeGreaterThan(10);
    const latency = await strokePixels(page, 'chart-latency', [148, 103, 189]);
    expect(latency.all).toBeGreaterThan(10);

    // Who selected a field.
    await page.fill('#coordinate', 'Content.title');
    await page.click('#field-form button');
    const field = page.locator('#field-usage');
    await field.locator('dd', { hasText: 'MemberFeed' }).waitFor({ timeout: 15_000 });
    await expect(field.innerText()).resolves.toMatch(
      /Operations\s+40\s+Members\s+Chengdu Evening News\s+Clients\s+newsroom\s+Operation names\s+MemberFeed/,
    );

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = path.join(ARTIFACTS, 'admin-console.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(fs.statSync(screenshot).size).toBeGreaterThan(30_000);

    expect(failures).toEqual([]);
    // Offline: every request of the page went to the gateway.
    expect(requested.filter((url) => !url.startsWith(graph.gateway.url))).toEqual([]);
    expect(requested).toContain(`${graph.gateway.url}${CONSOLE_PATH}/uplot.js`);
    await page.close();
  }, 90_000);

  it("refuses a member's key and a wrong key with the API's message, and shows no data", async () => {
    const { page } = await openConsole();
    await signIn(page, MEMBER);
    const message = page.locator('#message');
    await message.locator('text=FORBIDDEN').waitFor({ timeout: 15_000 });
    await expect(message.innerText()).resolves.toBe(
      'FORBIDDEN: Member.usage is allowed only for the member itself or an admin',
    );
    await expect(page.locator('#console').isHidden()).resolves.toBe(true);
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);

    await signIn(page, 'alk_nosuchkey_0000000000000000000000000000000000000000');
    await message.locator('text=UNAUTHENTICATED').waitFor({ timeout: 15_000 });
    await expect(page.locator('#console').isHidden()).resolves.toBe(true);
    await page.close();
  }, 60_000);
});

describe('the admin console shell', () => {
  let graph: InProcessGraph;
  // Production refuses the development secret: the whole graph shares a strong one.
  const { ACCESS_TOKEN_SECRET: secret, ...shared } = productionSecrets();

  beforeAll(async () => {
    graph = await startInProcessGraph({ ACCESS_TOKEN_SECRET: secret }, shared);
  }, 60_000);
  afterAll(async () => {
    await graph?.stop();
  });

  it('is served under a strict CSP with no data, and only when enabled in production', async () => {
    const page = await fetch(`${graph.gateway.url}${CONSOLE_PATH}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('Chengdu');

    const production = await graph.startGateway({ NODE_ENV: 'production', ACCESS_TOKEN_SECRET: secret });
    expect((await fetch(`${production.url}${CONSOLE_PATH}`)).status).toBe(404);
    const enabled = await graph.startGateway({
      NODE_ENV: 'production',
      ACCESS_TOKEN_SECRET: secret,
      ADMIN_CONSOLE: 'true',
    });
    expect((await fetch(`${enabled.url}${CONSOLE_PATH}`)).status).toBe(200);
  });

  it('runs on a gateway with trusted documents built from gateway/console', async () => {
    const manifest = buildManifest(path.resolve(__dirname, '../../gateway/console'));
    expect(manifest.operations.map((o) => [o.name, o.body])).toEqual(consoleOperations().map((o) => [o.name, o.body]));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'console-manifest-')), 'manifest.json');
    fs.writeFileSync(file, JSON.stringify(manifest));
    const trusted = await graph.startGateway({ TRUSTED_DOCUMENTS: file });
    const usage = consoleOperations().find((o) => o.name === 'ConsoleUsage')!;
    const response = await fetch(`${trusted.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({
        query: usage.body,
        operationName: usage.name,
        variables: {
          from: new Date(Date.now() - 3_600_000).toISOString(),
          to: new Date().toISOString(),
          granularity: 'HOUR',
        },
      }),
    });
    const body = (await response.json()) as { errors?: unknown; data?: { top: unknown[] } };
    expect(body.errors).toBeUndefined();
    expect(Array.isArray(body.data?.top)).toBe(true);
  });
});

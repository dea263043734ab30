import type { BrowserContext } from 'playwright-core';
import { type TestBrowser, describeWithBrowser, launchBrowser } from '../support/browser';
import { productionSecrets } from '../support/secrets';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';

describeWithBrowser('the development explorer in headless Chromium', () => {
  let graph: InProcessGraph;
  let production: InProcessGateway;
  let browser: BrowserContext;
  let chrome: TestBrowser | undefined;

  beforeAll(async () => {
    // Production refuses the development secret: the whole graph shares a strong one.
    const { ACCESS_TOKEN_SECRET, ...shared } = productionSecrets();
    graph = await startInProcessGraph({}, shared);
    production = await graph.startGateway({ NODE_ENV: 'production', ACCESS_TOKEN_SECRET });
    chrome = await launchBrowser('explorer');
    browser = chrome.context;
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await graph?.stop();
  });

  it('runs the preloaded example query and shows its result, with no request leaving localhost', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));

    await page.goto(`${graph.gateway.url}/graphql`);
    const editor = page.locator('.graphiql-query-editor');
    await editor.waitFor({ timeout: 30_000 });
    // The first tab is the first example; further examples are tabs of their own.
    await expect(page.locator('.graphiql-query-editor .CodeMirror').first().innerText()).resolves.toContain(
      'query MembersFirstPage',
    );
    expect(await page.locator('.graphiql-tab').count()).toBeGreaterThanOrEqual(15);

    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await expect(response.getByText('"totalCount": 35').waitFor({ timeout: 30_000 })).resolves.toBeUndefined();
    await expect(response.innerText()).resolves.toContain('"hasNextPage": true');

    // The Authorization header is editable, prefilled with a placeholder.
    await page.getByRole('button', { name: 'Headers' }).first().click();
    await expect(page.locator('.graphiql-editor-tool').innerText()).resolves.toContain('Authorization');

    expect(failures).toEqual([]);
    const offHost = requested.filter(
      (url) => !/^(https?|wss?):\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(url),
    );
    expect(offHost).toEqual([]);
    expect(requested.some((url) => url.endsWith('/explorer/graphiql.js'))).toBe(true);
    await page.close();
  }, 120_000);

  it('leaves /graphql to API clients: a GET with a query runs it, a JSON GET never gets the page', async () => {
    const query = encodeURIComponent('{ alliance { memberCount } }');
    const withQuery = await fetch(`${graph.gateway.url}/graphql?query=${query}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await withQuery.json()).toEqual({ data: { alliance: { memberCount: 35 } } });
    const json = await fetch(`${graph.gateway.url}/graphql`, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toContain('application/json');
  });

  it('is not served in production', async () => {
    const response = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toContain('explorer-config');
    const asset = await fetch(`${production.url}/explorer/graphiql.js`);
    expect(asset.status).toBe(404);
  });
});

import type http from 'node:http';
import type { BrowserContext } from 'playwright-core';
import { HAVE_CHROMIUM, type TestBrowser, launchBrowser } from './browser';
import { createLiveFeedServer } from '../../examples/live-feed/server';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGraph, startInProcessGraph } from './gateway';
import { contentReceivers, publishStory, until } from './live';
import { freePort } from './processes';

const PANDA_BASE = stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding');
const LESHAN = stableId('attraction', 'leshan-giant-buddha');

/**
 * The live feed page (examples/live-feed) in headless Chromium, served from an origin of its own
 * that the gateway's CORS_ORIGINS allows: subscribed over `transport`, it shows a story published
 * through the gateway with its author and attractions.
 */
export function describeLiveFeed(transport: 'ws' | 'sse', label: string): void {
  (HAVE_CHROMIUM ? describe : describe.skip)(`the live feed page over ${label} in headless Chromium`, () => {
    let graph: InProcessGraph;
    let site: http.Server;
    let pageUrl: string;
    let browser: BrowserContext;
    let chrome: TestBrowser | undefined;

    beforeAll(async () => {
      const port = await freePort();
      pageUrl = `http://127.0.0.1:${port}`;
      graph = await startInProcessGraph({ CORS_ORIGINS: pageUrl });
      site = createLiveFeedServer(`${graph.gateway.url}/graphql`);
      await new Promise<void>((resolve) => site.listen(port, '127.0.0.1', resolve));
      chrome = await launchBrowser('live-feed');
      browser = chrome.context;
    }, 120_000);
    afterAll(async () => {
      await chrome?.close();
      await new Promise((resolve) => (site?.listening ? site.close(resolve) : resolve(undefined)));
      await graph?.stop();
    });

    it('shows a story published through the gateway, with its author and attractions, within seconds', async () => {
      // A browser holds a short-lived access token, not the member's API key.
      const exchanged = await fetch(`${graph.gateway.url}/auth/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` },
      });
      const { access_token: token } = (await exchanged.json()) as { access_token: string };

      const page = await browser.newPage();
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(error.message));
      await page.goto(pageUrl);
      // The page's default gateway comes from its server.
      await page.waitForFunction('document.getElementById("gateway").value !== ""', undefined, { timeout: 10_000 });
      expect(await page.inputValue('#gateway')).toBe(`${graph.gateway.url}/graphql`);

      const before = contentReceivers(graph);
      await page.fill('#token', token);
      await page.selectOption('#transport', transport);
      await page.click('#subscribe');
      await page.locator('#status', { hasText: /Connected|ended/ }).waitFor({ timeout: 10_000 });
      // A refusal is shown in the status, with the gateway's message.
      expect(await page.textContent('#status')).toContain(`Connected over ${label}`);
      // Only what is published once the subgraph receives for this subscriber is delivered.
      await until(() => contentReceivers(graph) > before);

      await publishStory(graph.gateway.url, 'Pandas at dawn', [PANDA_BASE, LESHAN]);
      const story = page.locator('#stories .story', { hasText: 'Pandas at dawn' });
      await story.waitFor({ timeout: 5_000 });
      await expect(story.locator('.author').innerText()).resolves.toBe('by Chengdu Evening News');
      await expect(story.locator('.attractions').innerText()).resolves.toMatch(/^About: .*Panda.*, Leshan/);

      // Stop ends the subscription: the gateway completes it on the subgraph.
      await page.click('#stop');
      await until(() => contentReceivers(graph) === before);
      expect(failures).toEqual([]);
      await page.close();
    }, 60_000);
  });
}

import fs from 'node:fs';
import path from 'node:path';
import type { Express, Request, Response } from 'express';
import { Kind, parse, print } from 'graphql';
import type { Logger } from '../../subgraphs/kit/logger';
import { CONSOLE_SCRIPT, CONSOLE_STYLES } from './client';

/** Where the console's page and files are served. */
export const CONSOLE_PATH = '/console';

/** The console's operations, one file beside this one (copied to dist/ by `npm run build`). */
const OPERATIONS_FILE = path.join(__dirname, 'operations.graphql');

/**
 * Only the gateway itself: scripts and styles are files of this origin (uPlot sets its element
 * styles through the CSSOM, which `style-src` does not govern), and the page reaches nothing
 * off this origin. No inline script or style at all.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every console response: nothing cached by shared caches, nothing sniffed, never framed. */
const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** One operation of the console: its name and its text as sent. */
export interface ConsoleOperation {
  name: string;
  body: string;
}

/**
 * The console's operations, each printed alone as `npm run trusted-documents` prints it (the
 * file has no fragments), so that a trusted-documents manifest built from this folder lists
 * exactly the texts the console sends.
 */
export function consoleOperations(source = fs.readFileSync(OPERATIONS_FILE, 'utf8')): ConsoleOperation[] {
  return parse(source).definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION && definition.name
      ? [{ name: definition.name.value, body: print(definition) }]
      : [],
  );
}

/** uPlot's browser bundle and stylesheet, or null when the package is not installed. */
function uplotFiles(): { script: string; styles: string } | null {
  try {
    const script = require.resolve('uplot/dist/uPlot.iife.min.js');
    const styles = path.join(path.dirname(script), 'uPlot.min.css');
    return fs.existsSync(styles) ? { script, styles } : null;
  } catch {
    return null;
  }
}

/** The page shell: no data, no credential; the script asks for the credential and fetches the data. */
function page(config: unknown): string {
  // `<` escaped so that nothing in the block can close the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>Sichuan Alliance Graph — admin console</title>
<link rel="stylesheet" href="${CONSOLE_PATH}/uplot.css">
<link rel="stylesheet" href="${CONSOLE_PATH}/console.css">
</head>
<body>
<header>
  <h1>Alliance graph — admin console</h1>
  <span id="signed-in"></span>
  <button id="sign-out" type="button" hidden>Sign out</button>
</header>
<p id="message" role="alert"></p>
<form id="sign-in" autocomplete="off">
  <label for="credential">Admin API key or access token</label>
  <input id="credential" type="password" spellcheck="false" autocomplete="off" required>
  <button id="sign-in-button" type="submit">Sign in</button>
  <p class="note">An API key is exchanged at <code>POST /auth/token</code> for a short-lived access token;
  only the token is kept, in this tab's session storage, until you sign out or close the tab.</p>
</form>
<main id="console" hidden>
  <section class="controls">
    <label>Member <select id="member"><option value="">All traffic (anonymous included)</option></select></label>
    <label>Window <select id="range">
      <option value="hour">Last hour (per minute)</option>
      <option value="day" selected>Last 24 hours (per hour)</option>
      <option value="week">Last 7 days (per hour)</option>
      <option value="month">Last 30 days (per day)</option>
    </select></label>
    <button id="refresh" type="button">Refresh</button>
    <span id="totals"></span>
  </section>
  <section class="charts">
    <figure><figcaption>Operations and errors per bucket</figcaption><div id="chart-operations" class="chart"></div></figure>
    <figure><figcaption>Latency (ms): median and 95th percentile</figcaption><div id="chart-latency" class="chart"></div></figure>
  </section>
  <section class="tables">
    <div><h2>Top operations</h2><table id="top-operations"></table></div>
    <div><h2>Slowest operations (p95)</h2><table id="slowest-operations"></table></div>
    <div><h2>Errors by code</h2><table id="errors-by-code"></table></div>
    <div><h2>Refusals by gateway stage</h2><table id="refusals"></table></div>
  </section>
  <section class="field-usage">
    <h2>Field usage</h2>
    <form id="field-form">
      <input id="coordinate" placeholder="Type.field, e.g. Content.summary" spellcheck="false" required>
      <button type="submit">Look up</button>
    </form>
    <dl id="field-usage"></dl>
  </section>
</main>
<script id="console-config" type="application/json">${json}</script>
<script src="${CONSOLE_PATH}/uplot.js"></script>
<script src="${CONSOLE_PATH}/console.js"></script>
</body>
</html>
`;
}

/**
 * Mounts the admin console at `GET /console`: a page shell (HTML, script, styles, uPlot from
 * node_modules) with no data in it. The data comes from `/graphql` with the admin credential
 * the page asks for, so the shell needs none; every usage query it sends is refused to anyone
 * but admins by the usage subgraph, and the page shows that refusal. Mount it before the
 * catch-all 404. Returns false (and logs why) when uPlot is not installed.
 */
export function mountConsole(app: Express, logger: Logger, endpoint = '/graphql'): boolean {
  const uplot = uplotFiles();
  if (!uplot) {
    logger.warn('admin console disabled: uplot is not installed (npm install)');
    return false;
  }
  const html = page({ endpoint, tokenEndpoint: '/auth/token', operations: consoleOperations() });
  const send = (res: Response, type: string, body: string) => {
    res.type(type).set('cache-control', 'no-cache').set(SECURITY_HEADERS).send(body);
  };
  app.get(CONSOLE_PATH, (_req: Request, res: Response) => send(res, 'html', html));
  app.get(`${CONSOLE_PATH}/console.js`, (_req, res) => send(res, 'text/javascript', CONSOLE_SCRIPT));
  app.get(`${CONSOLE_PATH}/console.css`, (_req, res) => send(res, 'text/css', CONSOLE_STYLES));
  app.get(`${CONSOLE_PATH}/uplot.js`, (_req, res) => {
    res
      .type('text/javascript')
      .set('cache-control', 'public, max-age=3600')
      .set(SECURITY_HEADERS)
      .sendFile(uplot.script);
  });
  app.get(`${CONSOLE_PATH}/uplot.css`, (_req, res) => {
    res.type('text/css').set('cache-control', 'public, max-age=3600').set(SECURITY_HEADERS).sendFile(uplot.styles);
  });
  return true;
}

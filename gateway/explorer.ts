import fs from 'node:fs';
import path from 'node:path';
import { type Express, type NextFunction, type Request, type Response } from 'express';
import { type Example, loadExamples } from '../examples/catalog';
import type { Logger } from '../subgraphs/kit/logger';

/** Where the explorer's static files are served from. */
const ASSET_PREFIX = '/explorer';

/** Browser bundles served from node_modules: nothing is fetched from a CDN. */
const ASSETS: Record<string, { module: string; file: string; type: string }> = {
  'react.js': { module: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { module: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { module: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { module: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

/**
 * Only the gateway itself, inline styles (GraphiQL's editors set them) and data: fonts and
 * images bundled in GraphiQL's stylesheet: the page cannot reach anything off this origin.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PLACEHOLDER: Record<Example['credential'], string> = {
  anonymous: '',
  member: 'Bearer <a member API key or access token>',
  admin: 'Bearer <an admin API key>',
};

/** One GraphiQL tab per example: its document with a comment on what it needs, its variables and headers. */
export function explorerTabs(
  examples: readonly Example[],
): Array<{ query: string; variables: string; headers: string }> {
  return examples.map((example) => {
    const needs =
      example.credential === 'anonymous'
        ? 'no credential'
        : `a ${example.credential} credential: put it in Authorization under Headers`;
    return {
      query: `# ${example.description}\n# Needs ${needs}.\n${example.document}`,
      variables: JSON.stringify(example.variables, null, 2),
      headers: JSON.stringify({ Authorization: PLACEHOLDER[example.credential], ...example.headers }, null, 2),
    };
  });
}

/** The page: GraphiQL from local assets, configured by a JSON block (not executed, so CSP allows it). */
function page(config: unknown): string {
  // `<` escaped so that no example text can close the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sichuan Alliance Graph — explorer</title>
<link rel="stylesheet" href="${ASSET_PREFIX}/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the explorer…</div>
<script id="explorer-config" type="application/json">${json}</script>
<script src="${ASSET_PREFIX}/react.js"></script>
<script src="${ASSET_PREFIX}/react-dom.js"></script>
<script src="${ASSET_PREFIX}/graphiql.js"></script>
<script src="${ASSET_PREFIX}/explorer.js"></script>
</body>
</html>
`;
}

/** Starts GraphiQL with the configuration block; runs in the browser. */
const BOOTSTRAP = `(function () {
  var config = JSON.parse(document.getElementById('explorer-config').textContent);
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: config.tabs,
      defaultHeaders: config.defaultHeaders,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
`;

/** Absolute paths of the browser bundles, or null when the packages are not installed. */
function resolveAssets(): Record<string, string> | null {
  try {
    return Object.fromEntries(
      Object.entries(ASSETS).map(([name, { module, file }]) => {
        const location = path.join(path.dirname(require.resolve(`${module}/package.json`)), file);
        if (!fs.existsSync(location)) throw new Error(`${module} has no ${file}`);
        return [name, location];
      }),
    );
  } catch {
    return null;
  }
}

/**
 * Whether a request of the endpoint asks for the explorer's page: a GET (or HEAD) without a
 * `query` parameter from a client that prefers HTML (a browser), not a GraphQL query.
 */
export function isExplorerPageRequest(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.query.query === undefined &&
    req.accepts(['application/json', 'text/html']) === 'text/html'
  );
}

/**
 * Mounts the development explorer: GraphiQL at `GET /graphql` for browsers (a request that
 * accepts HTML and carries no `query` parameter; anything else passes on to the GraphQL
 * endpoint), with every operation of examples/ preloaded as a tab and a headers editor
 * for `Authorization`. Its assets come from node_modules (`graphiql`, `react`,
 * `react-dom`) under `/explorer/`. Mount it before the GraphQL middleware, and only outside
 * production. Returns false (and logs why) when the browser packages are not installed.
 */
export function mountExplorer(app: Express, logger: Logger, endpoint = '/graphql'): boolean {
  const assets = resolveAssets();
  if (!assets) {
    logger.warn('explorer disabled: graphiql, react and react-dom are not installed (npm install)');
    return false;
  }
  const html = page({
    endpoint,
    tabs: explorerTabs(loadExamples()),
    defaultHeaders: JSON.stringify({ Authorization: '' }, null, 2),
  });

  for (const [name, file] of Object.entries(assets)) {
    app.get(`${ASSET_PREFIX}/${name}`, (_req, res) => {
      res.type(ASSETS[name]!.type).set('cache-control', 'public, max-age=3600').sendFile(file);
    });
  }
  app.get(`${ASSET_PREFIX}/explorer.js`, (_req, res) => {
    res.type('text/javascript').set('cache-control', 'no-cache').send(BOOTSTRAP);
  });
  app.get(endpoint, (req: Request, res: Response, next: NextFunction) => {
    if (!isExplorerPageRequest(req)) return next();
    res
      .type('html')
      .set('cache-control', 'no-cache')
      .set('content-security-policy', CONTENT_SECURITY_POLICY)
      .set('x-content-type-options', 'nosniff')
      .send(html);
  });
  return true;
}

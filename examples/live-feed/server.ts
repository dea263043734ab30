/**
 * Serves the live feed page (index.html, feed.js) and the browser builds of graphql-ws and
 * graphql-sse from node_modules: `npx tsx examples/live-feed/server.ts`, then open
 * http://localhost:8081/. Environment: `PORT` (8081), `GATEWAY_URL` (the page's default gateway,
 * `http://localhost:4000/graphql`). For Server-Sent Events the gateway must allow the page's
 * origin: start it with `CORS_ORIGINS=http://localhost:8081`.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** Where a package's file is, from the package's entry point (neither package exports its package.json). */
function packageFile(name: string, file: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, file);
}

const JS = 'text/javascript; charset=utf-8';

/** The page's files, by path: nothing else is served. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(__dirname, 'index.html'), type: 'text/html; charset=utf-8' },
  '/feed.js': { file: path.join(__dirname, 'feed.js'), type: JS },
  '/vendor/graphql-ws.js': { file: packageFile('graphql-ws', 'umd/graphql-ws.min.js'), type: JS },
  '/vendor/graphql-sse.js': { file: packageFile('graphql-sse', 'umd/graphql-sse.min.js'), type: JS },
};

/** An HTTP server (not listening yet) for the live feed page, whose default gateway is `gatewayUrl`. */
export function createLiveFeedServer(gatewayUrl: string): http.Server {
  return http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const headers = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    if (pathname === '/config.json') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify({ gatewayUrl }));
      return;
    }
    const served = FILES[pathname];
    if (!served) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': served.type });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(served.file).pipe(res);
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8081);
  const gatewayUrl = process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
  createLiveFeedServer(gatewayUrl).listen(port, () =>
    console.log(
      `live feed on http://localhost:${port}/ (gateway ${gatewayUrl}; for Server-Sent Events start the gateway with CORS_ORIGINS=http://localhost:${port})`,
    ),
  );
}

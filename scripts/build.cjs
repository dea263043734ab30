'use strict';
/**
 * `npm run build`: compiles the services (gateway, subgraphs, scripts) to dist/ with tsc and
 * copies the SDL and operation files they read at run time beside the compiled code. Production runs dist/
 * (`node dist/scripts/service.js`, or `npm run start:service -- <name>` with NODE_ENV=production).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist');

fs.rmSync(OUT, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
// The gateway's too: the admin console's operations (gateway/console/operations.graphql).
for (const file of fs.globSync('{subgraphs,gateway}/**/*.graphql', { cwd: ROOT })) {
  fs.mkdirSync(path.dirname(path.join(OUT, file)), { recursive: true });
  fs.copyFileSync(path.join(ROOT, file), path.join(OUT, file));
}
process.stdout.write(`built ${path.relative(ROOT, OUT)}/\n`);

'use strict';
/**
 * The entry of every `npm start*` script: `node scripts/launch.cjs <entry> [args...]`, where
 * <entry> is a path from the repository root without extension (`gateway/index`, `scripts/start`).
 *
 * It checks the Node.js version before anything else loads, so an older Node gets one line and
 * exit 1 instead of a native-module crash later. Then it runs the entry: in production
 * (NODE_ENV=production) the compiled JavaScript that `npm run build` wrote to dist/, so no
 * TypeScript compiler sits on the request path; elsewhere the TypeScript source through tsx.
 * Plain CommonJS on purpose: it must run on any Node to say which one is needed.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { engines } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const needed = Number(/\d+/.exec(engines.node)[0]);
if (Number(process.versions.node.split('.')[0]) < needed) {
  process.stderr.write(`Node.js ${needed} LTS is needed (this is Node.js ${process.version}); see .nvmrc\n`);
  process.exit(1);
}

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node scripts/launch.cjs <entry, e.g. gateway/index> [args...]\n');
  process.exit(2);
}
// The entry reads its own arguments from process.argv[2] on, as if started directly.
process.argv.splice(2, 1);

if (process.env.NODE_ENV === 'production') {
  const compiled = path.join(ROOT, 'dist', `${entry}.js`);
  if (!fs.existsSync(compiled)) {
    process.stderr.write(`${path.relative(ROOT, compiled)} is missing: run \`npm run build\` first\n`);
    process.exit(1);
  }
  require(compiled);
} else {
  require('tsx/cjs');
  require(path.join(ROOT, `${entry}.ts`));
}

// Reports the plugin's production bundle size and fails past the budget, so growth is noticed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

// 100 KiB until the supervisors' insights view (figures, charts, handoff table) added about 8 KiB;
// its charts are drawn without a library. The issue allows up to 120 KiB for the insights charts.
const BUDGET_GZIP_BYTES = 110 * 1024;
const bundle = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '..',
  'plugin-opencx',
  'build',
  'plugin-opencx.js',
);
const raw = readFileSync(bundle);
const gzip = gzipSync(raw, { level: 9 }).length;
console.log(
  `plugin-opencx.js: ${(raw.length / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip ` +
    `(budget ${BUDGET_GZIP_BYTES / 1024} KiB)`,
);
if (gzip > BUDGET_GZIP_BYTES) {
  console.error('The plugin bundle is over its gzip budget: check what a new import pulled in.');
  process.exit(1);
}

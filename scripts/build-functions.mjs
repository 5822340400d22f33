// Bundles each Function into one self-contained file under dist/functions, so shared code in
// functions/common and functions/bridge works the same in twilio-run and in the deployed
// runtime without Runtime.getFunctions() path lookups. Copies assets/ to dist/assets.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const source = path.join(root, 'functions');
const out = path.join(root, 'dist');
/** Folders of shared code: bundled into the Functions that import them, never deployed alone. */
const SHARED = new Set(['common', 'bridge', 'admin-lib']);

function endpoints(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return dir === source && SHARED.has(name) ? [] : endpoints(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

rmSync(out, { recursive: true, force: true });
const entryPoints = endpoints(source);
await build({
  entryPoints,
  outbase: source,
  outdir: path.join(out, 'functions'),
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  // Linked, not inline: Node reads a map only with --enable-source-maps (the sandbox, the tests), and
  // serverless:deploy uploads only the .js files, so a deployed Function no longer parses 300-400 KiB
  // of map it never uses on each cold start.
  sourcemap: 'linked',
  // Provided by the Twilio runtime from package.json dependencies.
  external: ['twilio', '@twilio/runtime-handler'],
  logLevel: 'warning',
});
mkdirSync(path.join(out, 'assets'), { recursive: true });
if (existsSync(path.join(root, 'assets')))
  cpSync(path.join(root, 'assets'), path.join(out, 'assets'), { recursive: true });
console.log(`built ${entryPoints.length} Functions into dist/functions`);

#!/usr/bin/env node
// @ts-check
// Fails when a tracked line is longer than its folder allows, listing each as `file:line: N characters`.
// Biome breaks code at its line width but never a string or a comment; this check catches those.
// `npm run lint` runs it after Biome. Plain Node with no dependencies.
//
//   node scripts/check-line-width.cjs [root]   checks the git checkout at root (default: this repository)
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** The longest line each folder allows, in characters. */
const LIMITS = {
  'functions/': 120,
  'scripts/': 120,
  'test/': 120,
  // Until the plugin's long strings are split too; then 120, as above.
  'plugin-opencx/src/': 400,
};
/** Vendored or generated files: not ours to wrap. */
const EXCLUDED = ['test/simulators/twilio/twilio-openapi/'];

/**
 * The limit for a file path relative to the root (with `/`); undefined when the file is not checked.
 * @param {string} file
 * @returns {number | undefined}
 */
function limitOf(file) {
  if (EXCLUDED.some((folder) => file.startsWith(folder))) return undefined;
  const folder = Object.keys(LIMITS).find((prefix) => file.startsWith(prefix));
  return folder === undefined ? undefined : LIMITS[/** @type {keyof typeof LIMITS} */ (folder)];
}

/**
 * The lines of `text` longer than `limit`, counted in characters (a `→` is one, not three bytes).
 * @param {string} text
 * @param {number} limit
 * @returns {{ line: number; length: number }[]}
 */
function longLines(text, limit) {
  return text.split(/\r?\n/).flatMap((line, index) => {
    const length = [...line].length;
    return length > limit ? [{ line: index + 1, length }] : [];
  });
}

/**
 * Every tracked line over its folder's limit in the git checkout at `root`.
 * @param {string} root
 * @returns {{ file: string; line: number; length: number; limit: number }[]}
 */
function check(root) {
  const tracked = execFileSync('git', ['ls-files', '-z', '--', ...Object.keys(LIMITS)], {
    cwd: root,
    encoding: 'utf8',
  });
  return tracked
    .split('\0')
    .filter(Boolean)
    .flatMap((file) => {
      const limit = limitOf(file);
      if (limit === undefined) return [];
      const text = readFileSync(path.join(root, file), 'utf8');
      if (text.includes('\0')) return [];
      return longLines(text, limit).map((long) => ({ file, ...long, limit }));
    });
}

if (require.main === module) {
  const found = check(path.resolve(process.argv[2] ?? path.join(__dirname, '..')));
  for (const { file, line, length } of found) console.error(`${file}:${line}: ${length} characters`);
  if (found.length > 0) {
    const limits = Object.entries(LIMITS).map(([folder, limit]) => `${limit} in ${folder}`);
    console.error(`${found.length} lines over the limit (${limits.join(', ')}): split the string or wrap the comment`);
    process.exit(1);
  }
}

module.exports = { LIMITS, EXCLUDED, limitOf, longLines, check };

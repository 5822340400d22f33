#!/usr/bin/env node
// @ts-check
// Fails when a tracked line in the checked folders is longer than 120 characters, listing each as
// `file:line: N characters`. Biome breaks code at that width but never a string or a comment; this check
// catches those. `npm run lint` runs it after Biome. Plain Node with no dependencies.
//
//   node scripts/check-line-width.cjs [root]   checks the git checkout at root (default: this repository)
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** The longest line allowed, in characters: Biome's lineWidth in biome.json. */
const LIMIT = 120;
/** The folders whose tracked files are checked. */
const FOLDERS = ['functions/', 'plugin-opencx/src/', 'scripts/', 'test/'];
/** Vendored or generated files: not ours to wrap. */
const EXCLUDED = ['test/simulators/twilio/twilio-openapi/'];

/**
 * Whether a file path relative to the root (with `/`) is checked.
 * @param {string} file
 * @returns {boolean}
 */
function isChecked(file) {
  return FOLDERS.some((folder) => file.startsWith(folder)) && !EXCLUDED.some((folder) => file.startsWith(folder));
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
 * Every tracked line over the limit in the checked folders of the git checkout at `root`.
 * @param {string} root
 * @returns {{ file: string; line: number; length: number }[]}
 */
function check(root) {
  const tracked = execFileSync('git', ['ls-files', '-z', '--', ...FOLDERS], { cwd: root, encoding: 'utf8' });
  return tracked
    .split('\0')
    .filter((file) => file && isChecked(file))
    .flatMap((file) => {
      const text = readFileSync(path.join(root, file), 'utf8');
      if (text.includes('\0')) return [];
      return longLines(text, LIMIT).map((long) => ({ file, ...long }));
    });
}

if (require.main === module) {
  const found = check(path.resolve(process.argv[2] ?? path.join(__dirname, '..')));
  for (const { file, line, length } of found) console.error(`${file}:${line}: ${length} characters`);
  if (found.length > 0) {
    console.error(
      `${found.length} lines over ${LIMIT} characters in ${FOLDERS.join(', ')}: split the string or wrap the comment`,
    );
    process.exit(1);
  }
}

module.exports = { LIMIT, FOLDERS, EXCLUDED, isChecked, longLines, check };

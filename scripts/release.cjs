#!/usr/bin/env node
// @ts-check
// Releases are cut from a tag `vX.Y.Z` that must equal the root and plugin package.json versions,
// with a CHANGELOG.md section for that version. The same section is the plugin version's changelog
// and its release's description. Plain Node with no dependencies, so it runs from plugin-opencx too.
//
//   node scripts/release.cjs check-tag v1.2.3   refuses a tag that does not match (exit 1)
//   node scripts/release.cjs changelog [X.Y.Z]  prints the version's CHANGELOG.md section
//   node scripts/release.cjs plugin-deploy      twilio flex:plugins:deploy --version X.Y.Z --changelog …
//   node scripts/release.cjs plugin-release     twilio flex:plugins:release --plugin plugin-opencx@X.Y.Z …
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/** Semantic Versioning 2.0.0's version grammar: major.minor.patch, then an optional pre-release and build. */
const SEMVER = new RegExp(
  [
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)/,
    /(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?/,
    /(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/,
  ]
    .map((part) => part.source)
    .join(''),
);
/** flex:plugins:release's limits on a release's name and description. */
const RELEASE_NAME_MAX = 100;
const RELEASE_DESCRIPTION_MAX = 500;
/**
 * A plugin version's changelog, as flex:plugins:deploy takes it: one argument, which Linux refuses
 * at 128 KiB (E2BIG), and what Flex's plugin list shows. A longer section is cut, pointing to the file.
 */
const PLUGIN_CHANGELOG_MAX = 4000;
const CHANGELOG_CUT = ' … (the rest is in CHANGELOG.md)';

/**
 * @typedef {{ rootVersion: string; pluginVersion: string; changelog: string }} ReleaseSources
 * @typedef {{ name: string; version: string }} PluginPackage
 */

/**
 * The changelog of `version`: the lines under its `## [X.Y.Z]` heading, up to the next `## `.
 * @param {string} changelog CHANGELOG.md's text
 * @param {string} version
 * @returns {string | undefined} undefined when the version has no section or an empty one
 */
function changelogSection(changelog, version) {
  const lines = changelog.split('\n');
  const heading = new RegExp(`^## \\[?${version.replace(/[.+]/g, '\\$&')}\\]?(\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
  return body || undefined;
}

/**
 * Why `tag` cannot be released from these sources; empty when it can.
 * @param {string} tag e.g. `v1.2.3`
 * @param {ReleaseSources} sources
 * @returns {string[]}
 */
function tagProblems(tag, sources) {
  const version = tag.startsWith('v') ? tag.slice(1) : undefined;
  if (version === undefined || !SEMVER.test(version))
    return [`tag "${tag}" is not v followed by a semantic version (vX.Y.Z)`];
  const problems = [];
  if (sources.rootVersion !== version)
    problems.push(`package.json is version ${sources.rootVersion}, the tag says ${version}`);
  if (sources.pluginVersion !== version)
    problems.push(`plugin-opencx/package.json is version ${sources.pluginVersion}, the tag says ${version}`);
  if (!changelogSection(sources.changelog, version))
    problems.push(`CHANGELOG.md has no section "## [${version}]" with the changes`);
  return problems;
}

/**
 * The changelog as one line, its items joined by "; ": flex:plugins:deploy's changelog and a
 * release's description are single strings.
 * @param {string} section
 */
function oneLine(section) {
  /** @type {string[]} */
  const items = [];
  for (const line of section.split('\n')) {
    const text = line.trim();
    if (!text) continue;
    const item = /^([-*]|#+)\s+(.*)$/.exec(text);
    if (item || items.length === 0) items.push(item ? item[2] : text);
    else items[items.length - 1] += ` ${text}`;
  }
  return items.map((item) => item.replace(/\.$/, '')).join('; ');
}

/**
 * @param {string} text
 * @param {number} max
 */
const clip = (text, max) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

/**
 * `twilio` arguments that upload the plugin's build as exactly its package.json version.
 * @param {PluginPackage} plugin
 * @param {string} changelog
 */
function pluginDeployArgs(plugin, changelog) {
  const line = oneLine(changelog);
  const cut =
    line.length <= PLUGIN_CHANGELOG_MAX
      ? line
      : `${line.slice(0, PLUGIN_CHANGELOG_MAX - CHANGELOG_CUT.length).trimEnd()}${CHANGELOG_CUT}`;
  return ['flex:plugins:deploy', '--version', plugin.version, '--changelog', cut];
}

/**
 * `twilio` arguments that make that version live in Flex (keeping the account's other plugins).
 * @param {PluginPackage} plugin
 * @param {string} changelog
 */
function pluginReleaseArgs(plugin, changelog) {
  const name = clip(`OpenCX ${plugin.version}`, RELEASE_NAME_MAX);
  const description = clip(oneLine(changelog), RELEASE_DESCRIPTION_MAX);
  return [
    'flex:plugins:release',
    '--plugin',
    `${plugin.name}@${plugin.version}`,
    '--name',
    name,
    '--description',
    description,
  ];
}

/** @param {string} relative */
const readJson = (relative) => JSON.parse(readFileSync(path.join(ROOT, relative), 'utf8'));
const readChangelog = () => readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');

/** @param {string[]} argv */
function main(argv) {
  const [command, argument] = argv;
  const plugin = /** @type {PluginPackage} */ (readJson('plugin-opencx/package.json'));
  const changelogOf = (/** @type {string} */ version) => {
    const section = changelogSection(readChangelog(), version);
    if (!section) throw new Error(`CHANGELOG.md has no section "## [${version}]": add one before releasing`);
    return section;
  };
  const twilio = (/** @type {string[]} */ args) => {
    console.log(`twilio ${args.map((arg) => JSON.stringify(arg)).join(' ')}`);
    const run = spawnSync('twilio', args, { cwd: path.join(ROOT, 'plugin-opencx'), stdio: 'inherit' });
    if (run.error) throw run.error;
    return run.status ?? 1;
  };
  switch (command) {
    case 'check-tag': {
      const problems = tagProblems(argument ?? '', {
        rootVersion: readJson('package.json').version,
        pluginVersion: plugin.version,
        changelog: readChangelog(),
      });
      for (const problem of problems) console.error(`Refusing to release ${argument}: ${problem}`);
      if (problems.length === 0)
        console.log(`${argument} matches package.json, plugin-opencx/package.json and CHANGELOG.md`);
      return problems.length === 0 ? 0 : 1;
    }
    case 'changelog':
      console.log(changelogOf(argument ?? plugin.version));
      return 0;
    case 'plugin-deploy':
      return twilio(pluginDeployArgs(plugin, changelogOf(plugin.version)));
    case 'plugin-release':
      return twilio(pluginReleaseArgs(plugin, changelogOf(plugin.version)));
    default:
      console.error(
        'usage: node scripts/release.cjs check-tag vX.Y.Z | changelog [X.Y.Z] | plugin-deploy | plugin-release',
      );
      return 2;
  }
}

module.exports = { changelogSection, tagProblems, pluginDeployArgs, pluginReleaseArgs };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}

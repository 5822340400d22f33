import { readFileSync } from 'node:fs';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const release = require('./release.cjs') as typeof import('./release.cjs');

const ROOT = path.resolve(__dirname, '..');
const CHANGELOG = [
  '# Changelog',
  '',
  '## [Unreleased]',
  '',
  '- Next',
  '',
  '## [1.2.3]',
  '',
  '- Panel under the header',
  '  on every Flex UI 2.x.',
  '- Release pipeline.',
  '',
  '## [1.2.2]',
  '',
  '- Older',
].join('\n');
const matching = { rootVersion: '1.2.3', pluginVersion: '1.2.3', changelog: CHANGELOG };

describe('the release tag check', () => {
  it('accepts a tag equal to both package versions with a changelog section', () => {
    expect(release.tagProblems('v1.2.3', matching)).toEqual([]);
  });

  it('refuses a tag that does not match the root package version', () => {
    expect(release.tagProblems('v1.2.3', { ...matching, rootVersion: '1.2.2' })).toEqual([
      'package.json is version 1.2.2, the tag says 1.2.3',
    ]);
  });

  it('refuses a tag that does not match the plugin package version', () => {
    expect(release.tagProblems('v1.2.3', { ...matching, pluginVersion: '1.3.0' })).toEqual([
      'plugin-opencx/package.json is version 1.3.0, the tag says 1.2.3',
    ]);
  });

  it('refuses a version without its changelog', () => {
    expect(release.tagProblems('v1.2.4', { ...matching, rootVersion: '1.2.4', pluginVersion: '1.2.4' })).toEqual([
      'CHANGELOG.md has no section "## [1.2.4]" with the changes',
    ]);
  });

  it.each(['1.2.3', 'v1.2', 'v01.2.3', 'release-1.2.3', 'v1.2.3.4', ''])(
    'refuses %p, which is not v and a semantic version',
    (tag) => {
      expect(release.tagProblems(tag, matching)).toEqual([
        expect.stringMatching(/is not v followed by a semantic version/),
      ]);
    },
  );

  it('takes pre-release versions', () => {
    const changelog = `${CHANGELOG}\n\n## [2.0.0-rc.1]\n\n- Candidate`;
    expect(
      release.tagProblems('v2.0.0-rc.1', { rootVersion: '2.0.0-rc.1', pluginVersion: '2.0.0-rc.1', changelog }),
    ).toEqual([]);
  });

  it("passes for this repository's own versions and CHANGELOG.md", () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    const sources = {
      rootVersion: version,
      pluginVersion: JSON.parse(readFileSync(path.join(ROOT, 'plugin-opencx/package.json'), 'utf8')).version as string,
      changelog: readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'),
    };
    expect(release.tagProblems(`v${version}`, sources)).toEqual([]);
  });
});

describe('the changelog of a version', () => {
  it('is the section under its heading, up to the next version', () => {
    expect(release.changelogSection(CHANGELOG, '1.2.3')).toBe(
      '- Panel under the header\n  on every Flex UI 2.x.\n- Release pipeline.',
    );
    expect(release.changelogSection(CHANGELOG, '1.2')).toBeUndefined();
    expect(release.changelogSection(CHANGELOG, '1.2.22')).toBeUndefined();
  });
});

describe('the plugin commands', () => {
  const plugin = { name: 'plugin-opencx', version: '1.2.3' };
  const changelog = release.changelogSection(CHANGELOG, '1.2.3') ?? '';

  it('deploy exactly the package version, with its changelog on one line', () => {
    expect(release.pluginDeployArgs(plugin, changelog)).toEqual([
      'flex:plugins:deploy',
      '--version',
      '1.2.3',
      '--changelog',
      'Panel under the header on every Flex UI 2.x; Release pipeline',
    ]);
  });

  it("cut a long version's changelog to one argument Linux and Flex's plugin list take", () => {
    // As long as the changes gathered before a release can be (this file's own, when it was written).
    const long = Array.from({ length: 400 }, (_, i) => `- Fixed (customers): change ${i}, ${'in detail '.repeat(30)}.`);
    const args = release.pluginDeployArgs(plugin, long.join('\n'));
    const changelogArg = args[args.indexOf('--changelog') + 1];
    expect(changelogArg.length).toBeLessThanOrEqual(4000);
    expect(changelogArg).toMatch(/^Fixed \(customers\): change 0, in detail/);
    expect(changelogArg).toMatch(/ … \(the rest is in CHANGELOG\.md\)$/);
  });

  it('release it with the flags flex:plugins:release requires', () => {
    expect(release.pluginReleaseArgs(plugin, changelog)).toEqual([
      'flex:plugins:release',
      '--plugin',
      'plugin-opencx@1.2.3',
      '--name',
      'OpenCX 1.2.3',
      '--description',
      'Panel under the header on every Flex UI 2.x; Release pipeline',
    ]);
  });

  it('keep the description within the 500 characters the release takes', () => {
    const args = release.pluginReleaseArgs(plugin, `- ${'word '.repeat(200)}`);
    expect(args[args.length - 1]).toHaveLength(500);
    expect(args[args.length - 1].endsWith('…')).toBe(true);
  });

  it("are what plugin-opencx's npm scripts run", () => {
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'plugin-opencx/package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    expect(scripts.deploy).toBe('node ../scripts/release.cjs plugin-deploy');
    expect(scripts.release).toBe('node ../scripts/release.cjs plugin-release');
  });
});

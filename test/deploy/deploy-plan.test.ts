// A dry run of `twilio serverless:deploy`: the toolkit's own configuration and listing code says
// what would be uploaded from the build (run `npm run build` first, as `npm test` does), and it
// must be exactly the Functions in functions/ with the visibility their file names give, and assets/.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { deployPlan, type DeployPlan, type PlannedResource } from '../../scripts/deploy-plan';
import { REPO_ROOT } from './env-reads';

const FUNCTIONS = path.join(REPO_ROOT, 'functions');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** A Function is a source module exporting `handler`: its URL path and visibility follow its file name. */
function functionsInSource(): PlannedResource[] {
  return filesUnder(FUNCTIONS)
    .filter((file) => /\.ts$/.test(file) && !/\.(test|testing|d)\.ts$/.test(file))
    .filter((file) => /^export (const|async function|function) handler\b/m.test(readFileSync(file, 'utf8')))
    .map((file) => {
      const relative = path.relative(FUNCTIONS, file).split(path.sep).join('/').replace(/\.ts$/, '');
      const access = relative.endsWith('.protected')
        ? 'protected'
        : relative.endsWith('.private')
          ? 'private'
          : 'public';
      return { path: `/${relative.replace(/\.(protected|private)$/, '')}`, access } as const;
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

describe('twilio serverless:deploy, dry run', () => {
  let plan: DeployPlan;

  beforeAll(async () => {
    if (!existsSync(path.join(REPO_ROOT, 'dist', 'functions')))
      throw new Error('dist/functions is missing: run npm run build first');
    plan = await deployPlan(REPO_ROOT, path.join(REPO_ROOT, '.env.example'));
  });

  it('deploys the build, as .twilioserverlessrc says', () => {
    expect(plan).toMatchObject({
      serviceName: 'opencx-twilio-flex',
      functionsFolder: 'dist/functions',
      assetsFolder: 'dist/assets',
    });
  });

  it('uploads exactly one Function per handler in functions/, with the visibility its file name gives', () => {
    const expected = functionsInSource();
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect(plan.functions).toEqual(expected);
  });

  it('keeps the Twilio webhook protected and the Functions the browser and OpenCX call public', () => {
    const access = Object.fromEntries(plan.functions.map((fn) => [fn.path, fn.access]));
    expect(access['/webhook']).toBe('protected');
    expect(access['/opencx-webhook']).toBe('public');
    const admin = plan.functions.filter((fn) => fn.path.startsWith('/admin/'));
    expect(admin.length).toBeGreaterThanOrEqual(6);
    expect(admin.filter((fn) => fn.access !== 'public')).toEqual([]);
  });

  it('uploads every file of assets/, public, and nothing else', () => {
    const expected = filesUnder(path.join(REPO_ROOT, 'assets')).map((file) => ({
      path: `/${path.relative(path.join(REPO_ROOT, 'assets'), file).split(path.sep).join('/')}`,
      access: 'public',
    }));
    expect(expected.length).toBeGreaterThan(0);
    expect(plan.assets).toEqual(expected.sort((a, b) => a.path.localeCompare(b.path)));
  });

  it('uploads no variable from .env.example as it is (every value is empty)', () => {
    expect(plan.environmentVariables).toEqual([]);
  });

  it('uploads a filled-in .env except ACCOUNT_SID and AUTH_TOKEN, which the runtime provides', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-plan-'));
    try {
      const envFile = path.join(dir, '.env');
      const filled = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8').replace(
        /^([A-Z][A-Z0-9_]*)=$/gm,
        '$1=set',
      );
      writeFileSync(envFile, filled);
      const { environmentVariables } = await deployPlan(REPO_ROOT, envFile);
      expect(environmentVariables).toContain('SYNC_SERVICE_SID');
      expect(environmentVariables).not.toContain('ACCOUNT_SID');
      expect(environmentVariables).not.toContain('AUTH_TOKEN');
      expect(environmentVariables).not.toContain('DOMAIN_NAME');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the setup command line's Twilio credentials when .env would upload them", async () => {
    expect(plan.credentials).toEqual([]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-plan-'));
    try {
      const envFile = path.join(dir, '.env');
      writeFileSync(envFile, 'SYNC_SERVICE_SID=IS1\nTWILIO_API_KEY=SK1\nTWILIO_API_SECRET=s\nAUTH_TOKEN=t\n');
      const { credentials } = await deployPlan(REPO_ROOT, envFile);
      expect(credentials).toEqual(['TWILIO_API_SECRET']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

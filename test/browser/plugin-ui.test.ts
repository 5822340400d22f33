// The plugin's agent panel and admin settings view in a real browser (Debian's chromium),
// with the settings view calling the real admin Functions in twilio-run against the simulators,
// and the supervisors' insights view reading a realistic week from this page's server, which
// answers /supervisor/insights in the shape the Function gives.
// Screenshots land in test-artifacts/screenshots/.
import { build, type Plugin, stop as stopEsbuild } from 'esbuild';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DEFAULT_API_KEY } from '../simulators/opencx/opencx-simulator';
import { PROJECT_ROOT } from '../harness/functions-runtime';
import { OPENCX_WEBHOOK_SECRET, World } from '../harness/world';
import { sampleInsights } from '../../plugin-opencx/src/testing/insightsSample';
import { ALL_CHECKS } from '../../functions/admin-lib/setup/check-ids.testing';

jest.setTimeout(90000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLUGIN = path.join(PROJECT_ROOT, 'plugin-opencx');
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts', 'screenshots');
const NOW = '2026-11-21T10:30:00Z';

const handedOffTask = {
  conversationSid: 'CH' + 'a'.repeat(32),
  channelType: 'web',
  handedOff: true,
  handoffReason: 'AI requested human handoff',
  handoffSummary:
    'Order 4417 arrived damaged. The customer sent photos and asks for a full refund, which the AI cannot approve. ' +
    'They were polite at first but are now frustrated after waiting three days for the replacement that never shipped.',
  handoffSentiment: 'negative',
  handoffLanguage: 'de-DE',
  handoffTimestamp: '2026-11-21T10:25:00Z',
  opencxSessionId: '6f1c2d3e-1111-4222-8333-944455566677',
};
const degradedVoiceTask = {
  type: 'inbound',
  handedOff: true,
  handoffSentiment: 'furious',
  handoffTimestamp: 'yesterday-ish',
};
const plainTask = { conversationSid: 'CH' + 'b'.repeat(32), channelType: 'sms' };

let world: World;
let browser: Browser;
let server: http.Server;
let pageUrl: string;
let adminToken: string;
/** The form fields of each insights request the page made. */
const insightsRequests: Record<string, string>[] = [];

async function buildGallery(dir: string): Promise<void> {
  await build({
    entryPoints: [path.join(PLUGIN, 'gallery', 'gallery.tsx')],
    bundle: true,
    outfile: path.join(dir, 'gallery.js'),
    nodePaths: [path.join(PLUGIN, 'node_modules')],
    define: { 'process.env.NODE_ENV': '"production"', 'process.env': '{}' },
    minify: true,
    logLevel: 'error',
    plugins: [productionStandIns],
  });
}

interface StandIn {
  request: RegExp;
  /** A module to resolve, or an absolute path to a stand-in file. */
  replacement: string;
}

const standInsUsed = new Set<string>();

/** The modules the production bundle replaces (webpack.config.js) are replaced here too. */
const productionStandIns: Plugin = {
  name: 'production-stand-ins',
  setup(esbuild) {
    const standIns = require(path.join(PLUGIN, 'stubs', 'replacements.js')) as StandIn[];
    for (const { request, replacement } of standIns) {
      esbuild.onResolve({ filter: request }, async (args) => {
        standInsUsed.add(String(request));
        if (path.isAbsolute(replacement)) return { path: replacement };
        const resolved = await esbuild.resolve(replacement, { kind: args.kind, resolveDir: args.resolveDir });
        return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path };
      });
    }
  },
};

function serve(dir: string, config: object): Promise<string> {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>OpenCX for Flex</title></head>\n' +
    `<body style="margin:0"><div id="root"></div><script>window.GALLERY = ${JSON.stringify(config)};</script>` +
    '<script src="/gallery.js"></script></body></html>';
  server = http.createServer((req, res) => {
    if (req.url === '/gallery.js')
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(fs.readFileSync(path.join(dir, 'gallery.js')));
    else if (req.method === 'POST' && req.url === '/supervisor/insights') answerInsights(req, res);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end(html);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
  );
}

function answerInsights(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const fields = Object.fromEntries(new URLSearchParams(body));
    insightsRequests.push(fields);
    const period = fields.period === 'today' || fields.period === '30d' ? fields.period : '7d';
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ ok: true, ...sampleInsights(period, new Date(NOW)) }));
  });
}

async function openGallery(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1040, height: 1100 }, locale: 'en-US' });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pageUrl);
  await page.getByRole('button', { name: 'Test & Save' }).waitFor();
  expect(errors).toEqual([]);
  return page;
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`Debian's chromium is required at ${CHROMIUM}: apt-get install -y chromium`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // The AI's reservation timeout the setup docs ask for, so every setup check can pass.
  world = await World.start({ configured: false, seedAiWorker: false, aiReservationTimeout: 3600 });
  adminToken = world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
  const dir = fs.mkdtempSync(path.join(PROJECT_ROOT, 'test-artifacts', 'gallery-'));
  await buildGallery(dir);
  pageUrl = await serve(dir, {
    functionsUrl: world.functions!.url,
    token: adminToken,
    workspaceSid: world.workspaceSid,
    conversationsServiceSid: world.conversationsServiceSid,
    now: NOW,
    tasks: [
      { id: 'messaging', title: 'Web chat: handed off', attributes: handedOffTask },
      { id: 'voice', title: 'Voice call: partial handoff data', attributes: degradedVoiceTask },
      { id: 'plain', title: 'SMS: not handed off', attributes: plainTask },
    ],
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await stopEsbuild();
  await browser?.close();
  server?.close();
  await world?.stop();
});

test('the page runs every stand-in of the production bundle, so the tests below cover them in a browser', () => {
  const standIns = require(path.join(PLUGIN, 'stubs', 'replacements.js')) as StandIn[];
  expect([...standInsUsed].sort()).toEqual(standIns.map(({ request }) => String(request)).sort());
});

test('agents see the handoff context: reason, summary, sentiment, language, time and the OpenCX link', async () => {
  const page = await openGallery();
  const messaging = page.getByTestId('task-messaging');
  await expect(messaging.getByText('AI requested human handoff').isVisible()).resolves.toBe(true);
  await expect(messaging.getByText(/Order 4417 arrived damaged/).isVisible()).resolves.toBe(true);
  await expect(messaging.getByText('Negative', { exact: true }).first().isVisible()).resolves.toBe(true);
  await expect(messaging.getByText(/German/).isVisible()).resolves.toBe(true);
  await expect(messaging.getByText(/5 minutes ago/).isVisible()).resolves.toBe(true);
  const link = messaging.getByRole('link', { name: /Open in OpenCX/ });
  expect(await link.getAttribute('href')).toContain(handedOffTask.opencxSessionId);
  await expect(messaging.getByText('AI handoff').first().isVisible()).resolves.toBe(true);

  // Degraded data: a partial panel, never a crash or a blank space.
  const voice = page.getByTestId('task-voice');
  await expect(voice.getByText('No summary provided').isVisible()).resolves.toBe(true);
  await expect(voice.getByText('Neutral', { exact: true }).first().isVisible()).resolves.toBe(true);
  expect(await voice.getByRole('link', { name: /Open in OpenCX/ }).count()).toBe(0);
  // A task that was not handed off shows no OpenCX panel.
  expect(await page.getByTestId('task-plain').getByText('Reason').count()).toBe(0);
  await expect(page.getByTestId('message-badges').getByText('Handoff note').isVisible()).resolves.toBe(true);

  await page.getByTestId('agent-view').screenshot({ path: path.join(ARTIFACTS, 'handoff-panel.png') });
  await page.close();
});

test('an agent giving the verdict by keyboard keeps focus on the answer while it is sent', async () => {
  const page = await openGallery();
  const verdict = page.getByTestId('verdict');
  await verdict.getByRole('group', { name: 'Handoff needed?' }).getByRole('button', { name: 'No' }).click();
  const answer = verdict.getByRole('group', { name: 'Summary right?' }).getByRole('button', { name: 'Yes' });
  await answer.focus();
  await page.keyboard.press('Enter');
  await expect(verdict.getByText('Saving…').isVisible()).resolves.toBe(true);
  // A disabled button would have dropped the focus to the page: the next Tab would start at its top.
  expect(await answer.evaluate((button) => button.ownerDocument.activeElement === button)).toBe(true);
  await page.close();
});

test("in a layout like Flex's: the badge in the task card, the panel between task header and tabs", async () => {
  const page = await openGallery();
  const layout = page.getByTestId('flex-layout');
  const secondLine = layout.getByTestId('task-card').getByTestId('task-card-second-line');
  await expect(secondLine.getByText('AI handoff').isVisible()).resolves.toBe(true);
  await expect(secondLine.getByText(/Live chat/).isVisible()).resolves.toBe(true);

  const canvas = layout.getByTestId('task-canvas');
  const top = async (testId: string) => (await canvas.getByTestId(testId).boundingBox())!.y;
  const panelTop = (await canvas.getByRole('region', { name: 'AI handoff' }).boundingBox())!.y;
  expect(await top('task-canvas-header')).toBeLessThan(panelTop);
  expect(panelTop).toBeLessThan(await top('task-canvas-tabs'));

  await layout.screenshot({ path: path.join(ARTIFACTS, 'task-canvas.png') });
  await page.close();
});

test('admins see a field error when OpenCX rejects the key, and nothing is stored', async () => {
  const page = await openGallery();
  await page.getByLabel('OpenCX API key').fill('ocx_live_not_a_real_key_0000');
  await page.getByRole('button', { name: 'Test & Save' }).click();
  await page.getByText('OpenCX rejected this token').waitFor();
  await expect(page.getByText('OpenCX rejected this token').isVisible()).resolves.toBe(true);
  expect(world.sync.document(world.syncServiceSid, 'opencx_config')).toBeUndefined();
  await page.getByTestId('admin-view').screenshot({ path: path.join(ARTIFACTS, 'settings-error.png') });
  await page.close();
});

test('admins Test & Save: the AI worker is provisioned, the key stored, only its masked form returned', async () => {
  const page = await openGallery();
  await page.getByLabel('OpenCX API key').fill(DEFAULT_API_KEY);
  await page.getByLabel('AI author name').fill('Ava (AI)');
  await page.getByLabel('OpenCX webhook signing secret').fill(OPENCX_WEBHOOK_SECRET);
  const save = page.getByRole('button', { name: 'Test & Save' });
  await save.focus();
  await page.keyboard.press('Enter');
  await page.getByText(/Settings saved\./).waitFor();
  await expect(page.getByText(/The AI worker was created in TaskRouter/).isVisible()).resolves.toBe(true);
  // Disabled while it saved, the button lost the keyboard focus to the page: it has it back.
  expect(await save.evaluate((button) => button.ownerDocument.activeElement === button)).toBe(true);
  await expect(page.getByText(new RegExp(`Saved key: •+${DEFAULT_API_KEY.slice(-4)}`)).isVisible()).resolves.toBe(true);

  expect(await page.getByLabel('OpenCX API key').inputValue()).toBe('');
  expect(await page.content()).not.toContain(DEFAULT_API_KEY);
  expect(await page.content()).not.toContain(OPENCX_WEBHOOK_SECRET);
  const stored = world.sync.document(world.syncServiceSid, 'opencx_config')!.data as Record<string, unknown>;
  expect(stored).toMatchObject({
    opencxToken: DEFAULT_API_KEY,
    aiAuthorName: 'Ava (AI)',
    workspaceSid: world.workspaceSid,
  });
  expect(world.aiWorkers()).toHaveLength(1);
  expect(world.twilio.violations).toEqual([]);
  // Saved, the view reads the workspace's workflows again and names the one the setup uses.
  await page.getByText(new RegExp(`^In use: ".+" \\(${world.workflowSid}\\)`)).waitFor();
  expect(await page.getByLabel('Workflow', { exact: true }).inputValue()).toBe('');
  // The save runs the setup check; the screenshot waits for its answer.
  await page.getByRole('list', { name: 'Setup checks' }).waitFor();
  await page.getByTestId('admin-view').screenshot({ path: path.join(ARTIFACTS, 'settings-saved.png') });
  await page.close();
});

test('admins check the Twilio setup: with the settings saved and both webhooks registered, all is OK', async () => {
  const page = await openGallery();
  const admin = page.getByTestId('admin-view');
  const checkButton = admin.getByRole('button', { name: 'Check setup' });
  // Saved settings: the view checks the setup by itself once they are loaded.
  await admin.getByRole('list', { name: 'Setup checks' }).waitFor();
  await expect(checkButton.isEnabled()).resolves.toBe(true);
  // A customer talks to the AI, so OpenCX's signed webhook has arrived when the check runs.
  await world.customerStartsConversation('Hello');

  const [answer] = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/admin/setup-check')),
    checkButton.click(),
  ]);
  expect(answer.status()).toBe(200);
  const { checks } = (await answer.json()) as { checks: { id: string; status: string; detail: string }[] };
  expect(checks.filter((check) => check.status !== 'ok')).toEqual([]);
  expect(checks.map((check) => check.id)).toEqual(ALL_CHECKS);
  await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });

  await expect(admin.getByText('All 14 checks passed.', { exact: true }).isVisible()).resolves.toBe(true);
  const items = admin.getByRole('list', { name: 'Setup checks' }).getByRole('listitem');
  expect(await items.count()).toBe(14);
  for (const title of [
    'Twilio and OpenCX API URLs',
    "The integration's Sync service",
    'OpenCX settings',
    'OpenCX API key',
    'OpenCX webhook',
    'OpenCX rate limit',
    'TaskRouter event callback',
    'Conversations webhook',
    'Flex Conversations service',
    'AI answer timer',
    'AI worker',
    'Workflow filters',
    'AI reservation timeout',
    'AI worker out of the human queues',
  ]) {
    const item = items.filter({ has: page.getByText(title, { exact: true }) });
    await expect(item.getByText('OK', { exact: true }).isVisible()).resolves.toBe(true);
    expect(await item.getByText('How to fix:').count()).toBe(0);
  }
  await expect(admin.getByRole('button', { name: 'Apply fixes' }).isDisabled()).resolves.toBe(true);
  expect(await admin.getByLabel('Human queue SID').count()).toBe(0);
  expect(world.twilio.violations).toEqual([]);
  await admin.screenshot({ path: path.join(ARTIFACTS, 'setup-check.png') });
  await page.close();
});

test('supervisors see the AI insights for a week: figures, charts and the handoffs behind a reason', async () => {
  // Tall enough for the figures, the charts and the first handoffs in one screenshot.
  const page = await browser.newPage({ viewport: { width: 1040, height: 1900 }, locale: 'en-US' });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${pageUrl}?view=insights`);
  const view = page.getByTestId('supervisor-view');
  await view.getByRole('table').waitFor();
  expect(errors).toEqual([]);
  expect(insightsRequests).toEqual([{ Token: adminToken, period: '7d' }]);

  const week = sampleInsights('7d', new Date(NOW));
  await expect(view.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).resolves.toBe('true');
  await expect(view.getByText(week.engaged.toLocaleString('en-US'), { exact: true }).isVisible()).resolves.toBe(true);
  await expect(view.getByText(`${Math.round(week.handoffRate! * 100)}% handoff rate`).isVisible()).resolves.toBe(true);
  await expect(view.getByRole('meter', { name: 'Live now' }).getAttribute('aria-valuenow')).resolves.toBe('37');
  const days = view.getByRole('list', { name: 'Conversations per day' }).getByRole('img');
  expect(await days.count()).toBe(7);
  // The bars are drawn: the busiest day's column is filled to the top of the chart.
  type Drawn = { offsetHeight: number; children: ArrayLike<Drawn> };
  const heights = await days.evaluateAll((columns) =>
    (columns as unknown as Drawn[]).map((column) => column.offsetHeight),
  );
  const filled = await days.evaluateAll((columns) =>
    (columns as unknown as Drawn[]).map((column) =>
      Array.from(column.children).reduce((sum, segment) => sum + segment.offsetHeight, 0),
    ),
  );
  expect(Math.max(...filled)).toBeGreaterThanOrEqual(heights[0] - 2);
  expect(Math.min(...filled)).toBeGreaterThan(0);

  await page.screenshot({ path: path.join(ARTIFACTS, 'insights-week.png') });

  // Drill down: the handoffs behind the second most frequent reason.
  const reason = week.topReasons[1];
  await view.getByRole('button', { name: `Show the handoffs for “${reason.reason}”: ${reason.count}` }).click();
  const rows = view.getByRole('table').locator('tbody tr');
  const listed = week.handoffs.filter((handoff) => handoff.reason === reason.reason).length;
  expect(await rows.count()).toBe(Math.min(25, listed));
  for (const text of await rows.allInnerTexts()) expect(text).toContain(reason.reason);

  await view.getByRole('button', { name: 'Today' }).click();
  await view.getByRole('list', { name: 'Conversations per day' }).getByRole('img').first().waitFor();
  expect(insightsRequests.map((fields) => fields.period)).toEqual(['7d', 'today']);
  await page.close();
});

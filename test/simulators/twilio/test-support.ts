// Set-up shared by the Twilio simulator tests: a started simulator, the Functions' client pointed
// at it, and a local endpoint that records the webhooks the simulator delivers.
import http from 'node:http';
import twilio from 'twilio';
import { createTwilioClient, type TwilioClient } from '../../../functions/common/twilio/client';
import { closeServer, listenOnLoopback, readBody } from '../http';
import { type SimulatorModule, TwilioSimulator, type TwilioSimulatorOptions } from './simulator';

/** Starts a simulator with product modules loaded under their names, e.g. `{ taskrouter: new TaskRouterSim() }`. */
export async function startSimulator(
  modules: Record<string, SimulatorModule>,
  options: TwilioSimulatorOptions = {},
): Promise<TwilioSimulator> {
  const sim = new TwilioSimulator(options);
  for (const [name, module] of Object.entries(modules)) sim.use(name, module);
  await sim.start();
  return sim;
}

/** The Functions' own client, so the base URL rewrite reaches the simulator. */
export function clientFor(sim: TwilioSimulator, authToken = sim.authToken): TwilioClient {
  return createTwilioClient({ ACCOUNT_SID: sim.accountSid, AUTH_TOKEN: authToken, TWILIO_API_BASE_URL: sim.url });
}

/** Lets requests and webhooks in flight finish, stops the simulator, and expects no spec violations. */
export async function stopAndExpectNoViolations(sim: TwilioSimulator): Promise<void> {
  await sim.idle();
  await sim.stop();
  expect(sim.violations).toEqual([]);
}

export interface ReceivedWebhook {
  /** The full URL it was delivered to, as Twilio signs it. */
  url: string;
  signature: string;
  contentType: string;
  params: Record<string, string>;
}

export interface WebhookReceiver {
  /** Deliveries in arrival order. */
  readonly received: ReceivedWebhook[];
  /** An address on the receiver; the path given at start by default. */
  url(path?: string): string;
  /** The EventType of each delivery, in arrival order. */
  eventTypes(): string[];
  close(): Promise<void>;
}

/** A local endpoint standing in for a webhook URL: records each delivery and answers `status`. */
export async function startWebhookReceiver({
  path: defaultPath = '/hook',
  status = 204,
} = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    void readBody(req).then((body) => {
      received.push({
        url: `${base}${req.url}`,
        signature: String(req.headers['x-twilio-signature'] ?? ''),
        contentType: String(req.headers['content-type'] ?? ''),
        params: Object.fromEntries(new URLSearchParams(body)),
      });
      res.writeHead(status).end();
    });
  });
  base = await listenOnLoopback(server);
  return {
    received,
    url: (path = defaultPath) => `${base}${path}`,
    eventTypes: () => received.map((hook) => hook.params.EventType),
    close: () => closeServer(server),
  };
}

/** Whether the delivery's X-Twilio-Signature is valid for `authToken`. */
export function signedWith(authToken: string, hook: ReceivedWebhook): boolean {
  return twilio.validateRequest(authToken, hook.signature, hook.url, hook.params);
}

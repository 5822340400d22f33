// Starts the Twilio and OpenCX simulators by hand, seeded with a Flex-like contact center, and
// prints the environment to run the Functions against them (`npm start` in another terminal).
import { World } from '../test/harness/world';

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--webhook');
  const webhook = flag > 0 ? process.argv[flag + 1] : 'http://localhost:3000/webhook';
  const world = await World.start({ functions: false });
  // By hand, timeouts and TTLs should fire as real time passes (tests move the clock themselves).
  world.twilio.clock.startTicking();
  await world.registerWebhooks(webhook);
  const env = world.functionsEnv();
  console.log('Simulators are running. Put this in .env and run `npm run build && npm start`:\n');
  for (const [key, value] of Object.entries(env)) console.log(`${key}=${value}`);
  console.log(`\nBoth webhooks (TaskRouter and Conversations) point at ${webhook} (change with --webhook URL).`);
  console.log(
    `\nWorkspace ${world.workspaceSid}, workflow ${world.workflowSid}, AI worker ${world.aiWorkerSid}, ` +
      `Conversations service ${world.conversationsServiceSid}`,
  );
  console.log(
    'Inspection: GET /__sim/requests, /__sim/state, /__sim/webhooks, /__sim/violations; ' +
      'POST /__sim/faults, /__sim/switches, /__sim/clock/advance',
  );
  console.log('Press Ctrl+C to stop.');
  process.on('SIGINT', () => void world.stop().then(() => process.exit(0)));
}

void main();

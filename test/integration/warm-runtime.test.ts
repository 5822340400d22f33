// The same conversation runs in a warm runtime (one process keeps the Functions loaded, as a busy
// production container does), so the benchmarks and the reliability run can use either mode.
import { World } from '../harness/world';

jest.setTimeout(90000);

test('a warm runtime answers the customer as a forked one does, and cannot stop one invocation', async () => {
  const world = await World.start({ runtimeMode: 'warm' });
  try {
    world.opencx.ai.reply('Hello! How can I help?');
    const { conversationSid } = await world.customerStartsConversation('Hi');
    expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(['Hello! How can I help?']);
    await expect(world.functions!.stopInvocation(1)).rejects.toThrow(/none can be stopped/);
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

test("with Sync down after a save, a new chat's failed offer is retried by a timer all the same", async () => {
  const world = await World.start({ runtimeMode: 'warm' });
  try {
    world.opencx.ai.setDefault('Hello! How can I help?');
    // The container reads the settings, then a save makes events name a version it has not read.
    await world.customerStartsConversation('Hi');
    await world.saveConfig();
    world.twilio.addFault({ method: 'GET', path: /\/Documents\/opencx_config$/, status: 503 });
    let conversationSid: string;
    try {
      ({ conversationSid } = await world.customerStartsConversation('Anyone there?'));
    } finally {
      world.twilio.clearFaults();
    }
    expect(world.postedAsAi(conversationSid)).toEqual([]);

    // The offer's timer, armed in the timer workspace of the settings the container read last.
    await world.advance(16_000);
    expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(['Hello! How can I help?']);
  } finally {
    await world.stop();
  }
});

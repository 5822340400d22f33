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

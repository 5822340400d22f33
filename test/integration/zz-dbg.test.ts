import { World } from '../harness/world';
jest.setTimeout(60000);
test('dbg', async () => {
  const world = await World.start({ functionsEnv: { OPENCX_ANSWER_WAIT_MS: '1500' } });
  try {
    const { conversationSid } = await world.customerStartsConversation('Hello');
    world.takeLogs();
    world.opencx.ai.reply({ type: 'reply', content: 'A500', latencyMs: 500 });
    world.customerWrites(conversationSid, 'Q');
    await world.opencx.whenHeld(1);
    await world.advance(500);
    console.log(JSON.stringify(world.takeLogs(), null, 1));
    console.log(JSON.stringify(world.opencx.webhookDeliveries.map((d) => ({ e: d.event, s: d.status, a: d.attempts.map((x) => x.status) }))));
    console.log(world.functions!.output().slice(-3000));
  } finally { await world.stop(); }
});

// The harness itself: a Function keeps running after Twilio gave up on its webhook, or is stopped
// then (the functionOutlivesCaller switch), and settle() waits for whichever Function work remains.
// Either way the customer gets the AI's answer once: OpenCX's webhook brings it.
import { World } from '../harness/world';
import { deliveriesOf, holdWatchdogArming } from './helpers';

jest.setTimeout(90000);

test.each([true, false])(
  'functionOutlivesCaller %s: a Function Twilio gave up on finishes its work, or is stopped',
  async (outlives) => {
    const world = await World.start({ switches: { functionOutlivesCaller: outlives } });
    try {
      const { conversationSid } = await world.customerStartsConversation('Hi');
      const first = deliveriesOf(world, 'onMessageAdded')[0];
      const params = {
        ...first.params,
        MessageSid: 'IM' + 'f'.repeat(32),
        Index: String(Number(first.params.Index) + 1),
        Body: 'Are you there?',
      };
      world.opencx.ai.reply('Yes, still here.');
      world.opencx.faults.add({ path: /\/send$/, latencyMs: 1000, times: 1 });

      // Twilio gives up while the Function waits for OpenCX.
      const releaseWatchdog = holdWatchdogArming(world);
      const pending = world.twilio.deliverWebhook('conversations', world.webhookUrl, params, 60_000);
      const sentToOpenCx = () =>
        world.opencx.requests.some(
          (r) => r.path.endsWith('/send') && JSON.stringify(r.body).includes('Are you there?'),
        );
      await world.until(sentToOpenCx, 'the message to reach OpenCX');
      const delivery = world.twilio.webhooks.at(-1)!;
      world.twilio.expireDelivery(delivery.seq);
      releaseWatchdog();
      await pending;
      await world.settle();
      // OpenCX answers 1 s (simulated) later; its webhook brings the answer whether or not the Function survived.
      await world.advance(1000);

      expect(delivery.error).toBe('timed out after 60000 ms');
      const aiAnswers = world.postedAsAi(conversationSid).map((m) => m.body);
      if (outlives) {
        expect(delivery.lateStatus).toBe(200);
      } else {
        expect(delivery.functionStopped).toBe(true);
        expect(delivery.lateStatus).toBeUndefined();
      }
      expect(aiAnswers.filter((answer) => answer === 'Yes, still here.')).toHaveLength(1);
      expect(world.twilio.violations).toEqual([]);
    } finally {
      await world.stop();
    }
  },
);

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

      // The Function's wait for OpenCX runs out; Twilio gives up on it while it arms its watchdog, held.
      const watchdog = holdWatchdogArming(world);
      const pending = world.twilio.deliverWebhook('conversations', world.webhookUrl, params, 60_000);
      const delivery = world.twilio.webhooks.at(-1)!;
      await world.until(() => watchdog.request() !== undefined, 'the Function to arm its watchdog');
      world.twilio.expireDelivery(delivery.seq);
      // Stopped by now, unless it outlives its caller.
      await pending;
      if (!outlives) await world.until(() => watchdog.request()!.clientLeft === true, 'the held request to close');
      watchdog.release();
      await world.settle();
      // OpenCX answers 1 s (simulated) later; its webhook brings the answer whether or not the Function survived.
      await world.advance(1000);

      const logged = world.takeLogs().filter((l) => l.event === 'onMessageAdded' && l.messageSid === params.MessageSid);
      expect(delivery.error).toBe('timed out after 60000 ms');
      const aiAnswers = world.postedAsAi(conversationSid).map((m) => m.body);
      if (outlives) {
        expect(delivery.lateStatus).toBe(200);
        expect(watchdog.request()).toMatchObject({ status: 201 });
        expect(watchdog.request()!.clientLeft).toBeUndefined();
        expect(logged.map((l) => l.outcome)).toEqual(['awaiting-answer']);
      } else {
        expect(delivery.functionStopped).toBe(true);
        expect(delivery.lateStatus).toBeUndefined();
        // Stopped in the middle of that request: it never had its answer, and the Function logged nothing more.
        expect(watchdog.request()!.clientLeft).toBe(true);
        expect(logged).toEqual([]);
      }
      // An invocation that already answered is not reported stopped.
      await expect(world.functions!.stopInvocation(first.seq)).resolves.toBe(false);
      expect(aiAnswers.filter((answer) => answer === 'Yes, still here.')).toHaveLength(1);
      expect(world.twilio.violations).toEqual([]);
    } finally {
      await world.stop();
    }
  },
);

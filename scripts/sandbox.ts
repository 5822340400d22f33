// The local sandbox: the Twilio and OpenCX simulators, the Functions in the real twilio-run,
// and a scripted customer. Prints a timeline of one conversation from first message to human.
// No Twilio or OpenCX account is needed.
import { AI_AUTHOR, World } from '../test/harness/world';

const t0 = Date.now();
const stamp = (): string => `+${((Date.now() - t0) / 1000).toFixed(2)}s`.padStart(8);
const say = (who: string, text: string): void =>
  console.log(`${stamp()}  ${who.padEnd(18)} ${text.replace(/\n/g, '\n' + ' '.repeat(29))}`);

async function main(): Promise<void> {
  console.log('Starting the Twilio and OpenCX simulators and the Functions in twilio-run...');
  const world = await World.start();
  let shown = 0;
  const showNewMessages = (conversationSid: string): void => {
    const transcript = world.transcript(conversationSid);
    for (const message of transcript.slice(shown)) {
      const role = (message.attributes.opencx as { role?: string } | undefined)?.role;
      const who = role === 'handoff-note' ? 'handoff note' : message.author === AI_AUTHOR ? 'AI' : 'customer';
      say(who, message.body);
    }
    shown = transcript.length;
  };
  try {
    console.log(
      `Functions: ${world.functions!.url}/webhook   Twilio simulator: ` +
        `${world.twilio.url}   OpenCX simulator: ${world.opencx.url}\n`,
    );
    world.opencx.ai.reply('Hi! I am the OpenCX assistant. Could you share your order number?');
    world.opencx.ai.reply('Thanks. Order 4417 shipped yesterday and should arrive on Monday.');
    world.opencx.ai.reply({
      type: 'handoff',
      content: 'I understand. Let me connect you with a colleague who can arrange that.',
      summary: 'Order 4417 arrived damaged; customer asks for a refund, which the AI cannot approve.',
      sentiment: 'angry',
      language: 'en-US',
    });

    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi, where is my order?');
    say('flex', `task ${taskSid} created for conversation ${conversationSid}`);
    const aiReservation = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid);
    say('taskrouter', `reserved to the AI worker (${aiReservation?.sid}, ${aiReservation?.status})`);
    const session = world.sessionFor(conversationSid);
    say('opencx', `session ${session?.id} with flex_task_sid=${session?.custom_data?.flex_task_sid}`);
    showNewMessages(conversationSid);

    await world.customerSays(conversationSid, 'It is order 4417.');
    showNewMessages(conversationSid);
    await world.customerSays(conversationSid, 'It arrived broken. I want a refund, let me talk to a human!');
    showNewMessages(conversationSid);

    const task = world.task(taskSid);
    const human = world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid);
    say(
      'taskrouter',
      `task ${task.assignmentStatus}; re-routed to the human queue, ` +
        `reservation ${human?.sid} for alice (${human?.status})`,
    );
    if (human) {
      await world.acceptReservation(taskSid, human.sid);
      say('flex', 'alice accepted the task; the AI stays silent from now on');
    }
    await world.customerSays(conversationSid, 'Hello alice!');
    showNewMessages(conversationSid);

    console.log('\nFinal task attributes:');
    console.log(JSON.stringify(world.task(taskSid).attributes, null, 2));
    const calls = world.twilio.requests.length;
    console.log(
      `\nTwilio REST calls: ${calls}, OpenCX calls: ${world.opencx.requests.length}, spec violations: ` +
        `${world.twilio.violations.length}`,
    );
    if (world.twilio.violations.length > 0 || !world.task(taskSid).attributes.handedOff) process.exitCode = 1;
  } finally {
    await world.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

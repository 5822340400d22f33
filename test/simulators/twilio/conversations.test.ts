import type { TwilioClient } from '../../../functions/common/twilio/client';
import { ConversationsSim, type ServiceState } from './conversations';
import type { TwilioSimulator } from './simulator';
import {
  clientFor,
  type ReceivedWebhook,
  signedWith,
  startSimulator,
  startWebhookReceiver,
  stopAndExpectNoViolations,
  type WebhookReceiver,
} from './test-support';

describe('Conversations simulator', () => {
  let sim: TwilioSimulator;
  let conversations: ConversationsSim;
  let receiver: WebhookReceiver;
  let client: TwilioClient;
  let service: ServiceState;

  beforeEach(async () => {
    conversations = new ConversationsSim();
    sim = await startSimulator({ conversations });
    receiver = await startWebhookReceiver({ path: '/conversations-hook?site=test', status: 200 });
    client = clientFor(sim);
    service = conversations.createService('Flex Conversations');
  });

  afterEach(async () => {
    // Refusals here are Twilio's domain errors, never spec violations.
    await stopAndExpectNoViolations(sim).finally(() => receiver.close());
  });

  const svc = () => client.conversations.v1.services(service.sid);
  const signed = (hook: ReceivedWebhook) => signedWith(sim.authToken, hook);

  async function subscribe(filters: string[]): Promise<void> {
    await svc().configuration.webhooks().update({ postWebhookUrl: receiver.url(), filters, method: 'POST' });
  }

  describe('services and webhook configuration', () => {
    test('creates, fetches and lists services', async () => {
      const created = await client.conversations.v1.services.create({ friendlyName: 'Second' });
      expect(created.sid).toMatch(/^IS[0-9a-f]{32}$/);
      expect((await client.conversations.v1.services(created.sid).fetch()).friendlyName).toBe('Second');
      const all = await client.conversations.v1.services.list();
      expect(all.map((s) => s.friendlyName).sort()).toEqual(['Flex Conversations', 'Second']);
      expect(sim.violations).toEqual([]);
    });

    test('stores PostWebhookUrl, PreWebhookUrl, repeated Filters and Method', async () => {
      const empty = await svc().configuration.webhooks().fetch();
      expect(empty).toMatchObject({ postWebhookUrl: null, filters: null, method: null });

      await svc()
        .configuration.webhooks()
        .update({
          postWebhookUrl: receiver.url(),
          preWebhookUrl: 'https://example.com/pre',
          filters: ['onMessageAdded', 'onConversationAdded'],
          method: 'POST',
        });
      const fetched = await svc().configuration.webhooks().fetch();
      expect(fetched).toMatchObject({
        chatServiceSid: service.sid,
        postWebhookUrl: receiver.url(),
        preWebhookUrl: 'https://example.com/pre',
        filters: ['onMessageAdded', 'onConversationAdded'],
        method: 'POST',
      });
      expect(
        sim.calls({ method: 'POST', template: '/v1/Services/{ChatServiceSid}/Configuration/Webhooks' })[0].form.Filters,
      ).toEqual(['onMessageAdded', 'onConversationAdded']);
      expect(sim.violations).toEqual([]);
    });

    test('refuses an unknown Method', async () => {
      await expect(svc().configuration.webhooks().update({ method: 'PUT' })).rejects.toMatchObject({ status: 400 });
    });

    test('delivers only the events named in Filters', async () => {
      await subscribe(['onMessageAdded']);
      const conversation = conversations.createConversation(service.sid, { friendlyName: 'filtered' });
      conversations.addParticipant(service.sid, conversation.sid, { identity: 'customer-1' });
      conversations.receiveCustomerMessage(service.sid, conversation.sid, { author: 'customer-1', body: 'hi' });
      await sim.idle();
      expect(receiver.received.map((hook) => hook.params.EventType)).toEqual(['onMessageAdded']);
      expect(sim.violations).toEqual([]);
    });

    test('delivers nothing without a PostWebhookUrl', async () => {
      await svc()
        .configuration.webhooks()
        .update({ filters: ['onMessageAdded'] });
      const conversation = conversations.createConversation(service.sid);
      conversations.receiveCustomerMessage(service.sid, conversation.sid, { author: 'someone', body: 'hi' });
      await sim.idle();
      expect(sim.webhooks).toEqual([]);
    });
  });

  describe('conversations', () => {
    test('creates, fetches, lists, updates and deletes a conversation', async () => {
      const created = await svc().conversations.create({
        friendlyName: 'Order 42',
        attributes: JSON.stringify({ order: 42 }),
        uniqueName: 'order-42',
      });
      expect(created).toMatchObject({
        chatServiceSid: service.sid,
        state: 'active',
        attributes: '{"order":42}',
        uniqueName: 'order-42',
      });

      const byName = await svc().conversations('order-42').fetch();
      expect(byName.sid).toBe(created.sid);

      const updated = await svc()
        .conversations(created.sid)
        .update({ state: 'inactive', attributes: '{"order":43}', friendlyName: 'Order 43', 'timers.closed': 'PT10M' });
      expect(updated).toMatchObject({ state: 'inactive', attributes: '{"order":43}', friendlyName: 'Order 43' });
      expect(updated.timers).toEqual({ date_closed: expect.stringMatching(/Z$/) });

      expect((await svc().conversations.list({ state: 'inactive' })).map((c) => c.sid)).toEqual([created.sid]);
      expect(await svc().conversations.list({ state: 'active' })).toEqual([]);

      await svc().conversations(created.sid).remove();
      await expect(svc().conversations(created.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
      expect(sim.violations).toEqual([]);
    });

    test('refuses a taken unique name with 409 / 50353', async () => {
      await svc().conversations.create({ uniqueName: 'dup' });
      await expect(svc().conversations.create({ uniqueName: 'dup' })).rejects.toMatchObject({
        status: 409,
        code: 50353,
      });
    });

    test('timers move the conversation to inactive, then closed, as simulated time passes', async () => {
      const created = await svc().conversations.create({ 'timers.inactive': 'PT5M', 'timers.closed': 'PT30M' });
      sim.clock.advance(5 * 60_000);
      expect((await svc().conversations(created.sid).fetch()).state).toBe('inactive');
      sim.clock.advance(25 * 60_000);
      expect((await svc().conversations(created.sid).fetch()).state).toBe('closed');
      expect(sim.violations).toEqual([]);
    });

    test('refuses timers shorter than Twilio allows', async () => {
      await expect(svc().conversations.create({ 'timers.inactive': 'PT30S' })).rejects.toMatchObject({ status: 400 });
      await expect(svc().conversations.create({ 'timers.closed': 'PT5M' })).rejects.toMatchObject({ status: 400 });
    });

    test('a closed conversation refuses messages, participants and updates with 400 / 50377', async () => {
      const created = await svc().conversations.create({ friendlyName: 'done' });
      await svc().conversations(created.sid).update({ state: 'closed' });
      await expect(svc().conversations(created.sid).messages.create({ body: 'late' })).rejects.toMatchObject({
        status: 400,
        code: 50377,
      });
      await expect(svc().conversations(created.sid).participants.create({ identity: 'x' })).rejects.toMatchObject({
        status: 400,
        code: 50377,
      });
      await expect(svc().conversations(created.sid).update({ state: 'active' })).rejects.toMatchObject({
        status: 400,
        code: 50377,
      });
      expect(() =>
        conversations.receiveCustomerMessage(service.sid, created.sid, { author: 'x', body: 'late' }),
      ).toThrow(/closed/);
      expect(conversations.messages(service.sid, created.sid)).toEqual([]);
    });

    test('REST-created conversations fire onConversationAdded only with X-Twilio-Webhook-Enabled', async () => {
      await subscribe(['onConversationAdded']);
      await svc().conversations.create({ friendlyName: 'quiet' });
      const loud = await svc().conversations.create({ friendlyName: 'loud', xTwilioWebhookEnabled: 'true' });
      await sim.idle();
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0].params).toMatchObject({
        EventType: 'onConversationAdded',
        ConversationSid: loud.sid,
        FriendlyName: 'loud',
        Source: 'API',
      });
      expect(sim.violations).toEqual([]);
    });

    test('createConversation fires onConversationAdded with the messaging binding', async () => {
      await subscribe(['onConversationAdded']);
      const conversation = conversations.createConversation(service.sid, {
        friendlyName: 'SMS from +15550001111',
        attributes: { channel: 'sms' },
        binding: { address: '+15550001111', proxyAddress: '+15005550006' },
        source: 'SMS',
      });
      await sim.idle();
      const [hook] = receiver.received;
      expect(signed(hook)).toBe(true);
      expect(hook.params).toEqual({
        EventType: 'onConversationAdded',
        AccountSid: sim.accountSid,
        ChatServiceSid: service.sid,
        ConversationSid: conversation.sid,
        Source: 'SMS',
        RetryCount: '0',
        FriendlyName: 'SMS from +15550001111',
        State: 'active',
        Attributes: '{"channel":"sms"}',
        DateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        'MessagingBinding.Address': '+15550001111',
        'MessagingBinding.ProxyAddress': '+15005550006',
      });
    });
  });

  describe('messages', () => {
    let conversationSid: string;
    beforeEach(() => {
      conversationSid = conversations.createConversation(service.sid, { friendlyName: 'chat' }).sid;
    });
    const messages = () => svc().conversations(conversationSid).messages;

    test('a newest-first listing keeps its order across pages, as next_page_url says', async () => {
      for (let i = 0; i < 5; i++) await messages().create({ author: 'customer', body: `m${i}` });
      const listed = await messages().list({ order: 'desc', pageSize: 2, limit: 5 });
      expect(listed.map((m) => m.body)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    });

    test('a REST message fires no webhook without the header', async () => {
      await subscribe(['onMessageAdded']);
      const message = await messages().create({ author: 'opencx-ai', body: 'Hello from the AI' });
      await sim.idle();
      expect(message).toMatchObject({ author: 'opencx-ai', body: 'Hello from the AI', index: 0, attributes: '{}' });
      expect(receiver.received).toEqual([]);
      expect(sim.webhooks).toEqual([]);
      expect(conversations.messages(service.sid, conversationSid).map((m) => m.body)).toEqual(['Hello from the AI']);
      expect(sim.violations).toEqual([]);
    });

    test('a REST message with X-Twilio-Webhook-Enabled: true fires onMessageAdded with Source API', async () => {
      await subscribe(['onMessageAdded']);
      const message = await messages().create({ body: 'system note', xTwilioWebhookEnabled: 'true' });
      await sim.idle();
      expect(message.author).toBe('system');
      expect(receiver.received).toHaveLength(1);
      const [hook] = receiver.received;
      expect(signed(hook)).toBe(true);
      expect(hook.params).toMatchObject({
        EventType: 'onMessageAdded',
        Source: 'API',
        MessageSid: message.sid,
        Author: 'system',
        Body: 'system note',
        Index: '0',
      });
      expect(
        sim.calls({
          method: 'POST',
          template: '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages',
        })[0].headers['x-twilio-webhook-enabled'],
      ).toBe('true');
      expect(sim.violations).toEqual([]);
    });

    test('a customer message fires onMessageAdded with the fields Twilio sends', async () => {
      await subscribe(['onMessageAdded']);
      const customer = conversations.addParticipant(service.sid, conversationSid, {
        address: '+15550001111',
        proxyAddress: '+15005550006',
      });
      conversations.receiveCustomerMessage(service.sid, conversationSid, {
        author: '+15550001111',
        body: 'my order is late',
      });
      const message = conversations.receiveCustomerMessage(service.sid, conversationSid, {
        author: '+15550001111',
        body: 'hello?',
      });
      await sim.idle();
      expect(receiver.received).toHaveLength(2);
      const hook = receiver.received[1];
      expect(signed(hook)).toBe(true);
      expect(hook.url).toBe(receiver.url());
      expect(hook.params).toEqual({
        EventType: 'onMessageAdded',
        AccountSid: sim.accountSid,
        ChatServiceSid: service.sid,
        ConversationSid: conversationSid,
        Source: 'SMS',
        RetryCount: '0',
        MessageSid: message.sid,
        Index: '1',
        DateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        Body: 'hello?',
        Author: '+15550001111',
        ParticipantSid: customer.sid,
        Attributes: '{}',
      });
      expect(hook.params).not.toHaveProperty('Media');
    });

    test('a chat customer message reports Source SDK, and media when there is some', async () => {
      await subscribe(['onMessageAdded']);
      conversations.addParticipant(service.sid, conversationSid, { identity: 'web-visitor-1' });
      conversations.receiveCustomerMessage(service.sid, conversationSid, {
        author: 'web-visitor-1',
        body: 'see photo',
        media: [{ filename: 'box.jpg', contentType: 'image/jpeg', size: 1024 }],
      });
      await sim.idle();
      const { params } = receiver.received[0];
      expect(params).toMatchObject({ Source: 'SDK', Author: 'web-visitor-1' });
      expect(JSON.parse(params.Media)).toEqual([
        { Sid: expect.stringMatching(/^ME/), Filename: 'box.jpg', ContentType: 'image/jpeg', Size: 1024 },
      ]);
    });

    test('refuses a body longer than 1600 characters with 400 / 50504', async () => {
      await expect(messages().create({ body: 'x'.repeat(1601) })).rejects.toMatchObject({ status: 400, code: 50504 });
      await expect(messages().create({ body: 'x'.repeat(1600) })).resolves.toMatchObject({ index: 0 });
      expect(conversations.messages(service.sid, conversationSid)).toHaveLength(1);
    });

    test('refuses Attributes that are not JSON with 400 / 50304, and keeps valid ones', async () => {
      await expect(messages().create({ body: 'x', attributes: '{not json' })).rejects.toMatchObject({
        status: 400,
        code: 50304,
      });
      const message = await messages().create({ body: 'x', attributes: '{"fromAi":true}' });
      expect(JSON.parse(message.attributes)).toEqual({ fromAi: true });
      expect(conversations.messages(service.sid, conversationSid)).toHaveLength(1);
    });

    test('lists in either order, fetches and deletes messages', async () => {
      for (const body of ['one', 'two', 'three']) await messages().create({ body });
      expect((await messages().list()).map((m) => m.body)).toEqual(['one', 'two', 'three']);
      expect((await messages().list({ order: 'desc' })).map((m) => m.body)).toEqual(['three', 'two', 'one']);
      const [first] = await messages().list({ limit: 1 });
      expect((await messages()(first.sid).fetch()).body).toBe('one');
      await messages()(first.sid).remove();
      expect((await messages().list()).map((m) => m.index)).toEqual([1, 2]);
      expect(sim.violations).toEqual([]);
    });

    test('redeliver re-sends a recorded webhook with RetryCount, signed again', async () => {
      await subscribe(['onMessageAdded']);
      const message = conversations.receiveCustomerMessage(service.sid, conversationSid, {
        author: 'customer',
        body: 'ping',
      });
      await sim.idle();
      const original = sim.webhooks[0];
      const retry = await conversations.redeliver(original.seq, 2);
      expect(retry.status).toBe(200);
      expect(receiver.received.map((hook) => [hook.params.MessageSid, hook.params.RetryCount])).toEqual([
        [message.sid, '0'],
        [message.sid, '2'],
      ]);
      expect(signed(receiver.received[1])).toBe(true);
      expect(() => conversations.redeliver(9999, 1)).toThrow(/no Conversations webhook/);
    });
  });

  describe('participants', () => {
    let conversationSid: string;
    beforeEach(() => {
      conversationSid = conversations.createConversation(service.sid).sid;
    });
    const participants = () => svc().conversations(conversationSid).participants;

    test('adds chat and SMS participants, lists, fetches and removes them', async () => {
      const chat = await participants().create({ identity: 'agent-anna' });
      const sms = await participants().create({
        'messagingBinding.address': '+15550002222',
        'messagingBinding.proxyAddress': '+15005550006',
      });
      expect(chat).toMatchObject({
        identity: 'agent-anna',
        messagingBinding: null,
        roleSid: expect.stringMatching(/^RL/),
      });
      expect(sms.messagingBinding).toEqual({ type: 'sms', address: '+15550002222', proxy_address: '+15005550006' });
      expect((await participants().list()).map((p) => p.sid)).toEqual([chat.sid, sms.sid]);
      expect((await participants()(sms.sid).fetch()).identity).toBeNull();
      await participants()(chat.sid).remove();
      expect((await participants().list()).map((p) => p.sid)).toEqual([sms.sid]);
      expect(sim.violations).toEqual([]);
    });

    test('a message whose author is a participant carries its participant_sid', async () => {
      const chat = await participants().create({ identity: 'agent-anna' });
      const message = await svc().conversations(conversationSid).messages.create({ author: 'agent-anna', body: 'hi' });
      expect(message.participantSid).toBe(chat.sid);
    });

    test('refuses duplicates and Identity with an address binding', async () => {
      await participants().create({ identity: 'agent-anna' });
      await expect(participants().create({ identity: 'agent-anna' })).rejects.toMatchObject({
        status: 409,
        code: 50433,
      });
      await expect(
        participants().create({
          identity: 'x',
          'messagingBinding.address': '+15550003333',
          'messagingBinding.proxyAddress': '+15005550006',
        }),
      ).rejects.toMatchObject({
        status: 400,
        code: 50211,
      });
      await participants().create({
        'messagingBinding.address': '+15550003333',
        'messagingBinding.proxyAddress': '+15005550006',
      });
      const other = conversations.createConversation(service.sid);
      await expect(
        svc().conversations(other.sid).participants.create({
          'messagingBinding.address': '+15550003333',
          'messagingBinding.proxyAddress': '+15005550006',
        }),
      ).rejects.toMatchObject({ status: 409, code: 50416 });
      await expect(participants().create({})).rejects.toMatchObject({ status: 400 });
    });

    test('onParticipantAdded carries the identity, role and binding', async () => {
      await subscribe(['onParticipantAdded']);
      await participants().create({ identity: 'quiet-one' });
      const participant = conversations.addParticipant(service.sid, conversationSid, {
        address: 'whatsapp:+15550004444',
        proxyAddress: 'whatsapp:+15005550006',
      });
      await sim.idle();
      expect(receiver.received).toHaveLength(1);
      const [hook] = receiver.received;
      expect(signed(hook)).toBe(true);
      expect(hook.params).toMatchObject({
        EventType: 'onParticipantAdded',
        ConversationSid: conversationSid,
        ParticipantSid: participant.sid,
        RoleSid: service.participantRoleSid,
        'MessagingBinding.Type': 'whatsapp',
        'MessagingBinding.Address': 'whatsapp:+15550004444',
        'MessagingBinding.ProxyAddress': 'whatsapp:+15005550006',
        RetryCount: '0',
      });
      expect(hook.params).not.toHaveProperty('Identity');
    });
  });

  test('snapshot() is plain JSON of every service', () => {
    const conversation = conversations.createConversation(service.sid, { friendlyName: 'snap' });
    conversations.receiveCustomerMessage(service.sid, conversation.sid, { author: 'a', body: 'b' });
    const snapshot = JSON.parse(JSON.stringify(sim.snapshot())) as {
      conversations: { conversations: { friendlyName: string; messages: { body: string }[] }[] }[];
    };
    expect(snapshot.conversations[0].conversations[0]).toMatchObject({
      friendlyName: 'snap',
      messages: [{ body: 'b' }],
    });
  });
});

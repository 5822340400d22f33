import type { ConversationMessage } from '../../common/twilio';
import {
  attachmentSinceOurs,
  claimParked,
  customerAuthor,
  ENGAGE_HISTORY,
  newestCustomerMessages,
  opencxChannel,
} from './engage';

const message = (i: number, author = 'customer', body = `message ${i}`): ConversationMessage => ({
  sid: `IM${i}`,
  author,
  body,
  attributes: {},
  sentAt: i * 1000,
  index: i,
  hasMedia: false,
});
const isCustomer = (m: ConversationMessage) => m.author === 'customer';

describe('newestCustomerMessages (what a first answer is sent)', () => {
  test('only customer messages with text, oldest first', () => {
    const newestFirst = [message(4), message(3, 'system'), message(2, 'customer', '   '), message(1)];
    expect(newestCustomerMessages(newestFirst, isCustomer).map((m) => m.sid)).toEqual(['IM1', 'IM4']);
  });

  test("none that an answer of ours followed, and no one else's", () => {
    const newestFirst = [message(5), message(4, 'alice'), message(3), message(2, 'AI Support Agent'), message(1)];
    const answered = (m: ConversationMessage) => m.author === 'AI Support Agent';
    expect(newestCustomerMessages(newestFirst, isCustomer, answered).map((m) => m.sid)).toEqual(['IM3', 'IM5']);
  });

  test('a long history sends the newest messages that fit, never the oldest 200', () => {
    const newestFirst = Array.from({ length: 50 }, (_, i) => message(50 - i));
    const picked = newestCustomerMessages(newestFirst, isCustomer);
    expect(picked).toHaveLength(ENGAGE_HISTORY.messages);
    expect(picked.map((m) => m.sid)).toEqual(Array.from({ length: ENGAGE_HISTORY.messages }, (_, i) => `IM${41 + i}`));
  });

  test('stops before the character budget', () => {
    const long = 'x'.repeat(ENGAGE_HISTORY.characters - 3);
    const picked = newestCustomerMessages(
      [message(3, 'customer', 'newest'), message(2, 'customer', long), message(1)],
      isCustomer,
    );
    expect(picked.map((m) => m.sid)).toEqual(['IM3']);
  });

  test('takes the newest message longer than the budget (a pasted log): never none to answer', () => {
    const pasted = 'x'.repeat(ENGAGE_HISTORY.characters + 50);
    const picked = newestCustomerMessages(
      [message(3, 'customer', pasted), message(2, 'customer', 'earlier'), message(1)],
      isCustomer,
    );
    expect(picked.map((m) => m.sid)).toEqual(['IM3']);
  });
});

test.each([
  ['sms', 'sms'],
  ['WhatsApp', 'whatsapp'],
  ['chat', 'web'],
  ['voice', 'api'],
  [undefined, 'api'],
])('Flex channel %s is OpenCX channel %s', (flex, opencx) => {
  expect(opencxChannel(flex)).toBe(opencx);
});

describe('attachmentSinceOurs (a first message the AI cannot read hands off)', () => {
  const photo = (i: number): ConversationMessage => ({ ...message(i, 'customer', ''), hasMedia: true });
  const isOurs = (m: ConversationMessage) => m.author === 'AI Support Agent';

  test('a photo alone, or with text written after it, that nothing of ours followed', () => {
    expect(attachmentSinceOurs([photo(1)], isCustomer, isOurs)).toBe(true);
    expect(attachmentSinceOurs([message(3), photo(2), message(1)], isCustomer, isOurs)).toBe(true);
  });

  test('not a photo with a caption, nor one an earlier AI reply or handoff note followed', () => {
    const captioned = { ...message(2, 'customer', 'my parcel'), hasMedia: true };
    expect(attachmentSinceOurs([captioned, message(1)], isCustomer, isOurs)).toBe(false);
    expect(attachmentSinceOurs([message(3), message(2, 'AI Support Agent'), photo(1)], isCustomer, isOurs)).toBe(false);
  });

  test("a photo from the agent is not the customer's", () => {
    expect(attachmentSinceOurs([{ ...photo(1), author: 'alice' }], isCustomer, isOurs)).toBe(false);
  });
});

describe("customerAuthor (telling the customer's messages from an agent's)", () => {
  const messages = [message(3, 'alice'), message(2, '+15550001234'), message(1, 'AI Support Agent')];

  test("the task's customer address, when the customer wrote under it (SMS, WhatsApp)", () => {
    expect(customerAuthor({ customerAddress: '+15550001234' }, messages)).toBe('+15550001234');
    expect(customerAuthor({ customerAddress: 'Visitor', from: '+15550001234' }, messages)).toBe('+15550001234');
  });

  test('unknown when no message has that author: every author but us then counts as the customer', () => {
    expect(customerAuthor({ customerAddress: 'Customer' }, messages)).toBeUndefined();
    expect(customerAuthor({}, messages)).toBeUndefined();
  });
});

describe('claimParked (messages whose webhooks came while the AI was being engaged)', () => {
  test("claims the customer's, not another author's parked before the record named the customer", async () => {
    const claimed: string[] = [];
    const deps = {
      config: { conversationsServiceSid: 'IS1' },
      twilio: {
        conversations: {
          listMessages: async () => [message(3, 'studio-bot'), message(2), message(1, 'customer', ' ')],
        },
      },
      state: { claimMessage: async (sid: string) => claimed.push(sid) > 0 },
    } as never;
    const picked = await claimParked('CH1', ['IM1', 'IM2', 'IM3'], [], isCustomer, deps);
    expect(picked.map((m) => m.sid)).toEqual(['IM2']);
    expect(claimed).toEqual(['IM2']);
  });
});

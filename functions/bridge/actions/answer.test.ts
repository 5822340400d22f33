import type { ConversationMessage } from '../../common/twilio';
import { answerKey, answeredAfter } from './answer';

const msg = (sid: string, role?: string): ConversationMessage => ({ sid, author: role ? 'AI Support Agent' : 'customer', body: sid, attributes: role ? { opencx: { role } } : {}, sentAt: 0 });

describe('answeredAfter (the watchdog: did the AI answer the message it owes?)', () => {
  test('an AI answer after the message counts', () => {
    expect(answeredAfter([msg('IM3', 'ai'), msg('IM2'), msg('IM1', 'ai')], 'IM2')).toBe(true);
  });

  test('an AI answer only before the message does not; nor does the handoff note', () => {
    expect(answeredAfter([msg('IM3'), msg('IM2'), msg('IM1', 'ai')], 'IM2')).toBe(false);
    expect(answeredAfter([msg('IM4', 'handoff-note'), msg('IM2')], 'IM2')).toBe(false);
  });

  test('a message scrolled out of the page: any AI answer on the page counts', () => {
    expect(answeredAfter([msg('IM9'), msg('IM8', 'ai')], 'IM2')).toBe(true);
    expect(answeredAfter([msg('IM9'), msg('IM8')], 'IM2')).toBe(false);
  });
});

describe('answerKey', () => {
  test('is the same for the fast path and the webhook of one answer', () => {
    expect(answerKey('s1', { answerId: 'm1', text: 'Hi' })).toBe(answerKey('s1', { answerId: 'm1', text: 'Hi' }));
    expect(answerKey('s1', { text: 'Hi' })).toBe(answerKey('s1', { text: 'Hi' }));
  });

  test('differs between answers and sessions', () => {
    expect(answerKey('s1', { answerId: 'm1', text: 'Hi' })).not.toBe(answerKey('s1', { answerId: 'm2', text: 'Hi' }));
    expect(answerKey('s1', { text: 'Hi' })).not.toBe(answerKey('s2', { text: 'Hi' }));
  });
});

// A reload of Flex keeps what this tab knew of its hand-backs: End chat stays guarded, the wrap-up
// alarm stays raised, and the hand-back is not offered again.
import React from 'react';
import { render, screen } from '@testing-library/react';
import { Theme } from '@twilio-paste/core/theme';

import { FLEX_CONVERSATION } from '../../testing/conversationTask';
import { fakeManager } from '../../testing/fakeFlex';
import { HandbackOutcomes, TaskHandback } from '../handback';

const TASK = `WT${'9a'.repeat(16)}`;
const task = (status: string) => ({
  taskSid: TASK,
  status,
  attributes: { handedOff: true, handoffReason: 'Refund', handoffSentiment: 'neutral', ...FLEX_CONVERSATION },
});

beforeEach(() => window.sessionStorage.clear());

test('a hand-back done before the reload is known after it, with the history its answer gave', () => {
  const history = [
    { holder: 'ai' as const, since: new Date('2026-03-01T10:00:00Z') },
    { holder: 'human' as const, since: new Date('2026-03-01T10:05:00Z'), reason: 'Refund' },
    { holder: 'ai' as const, since: new Date('2026-03-01T10:20:00Z'), by: 'Alice', instruction: 'Confirm it' },
  ];
  new HandbackOutcomes().set(TASK, { step: 'done', already: false, wrappedUp: false, history });
  expect(new HandbackOutcomes().get(TASK)).toEqual({ step: 'done', already: false, wrappedUp: false, history });
  new HandbackOutcomes().set(TASK, { step: 'done', already: true, wrappedUp: true, history: [] });
  expect(new HandbackOutcomes().get(TASK)).toEqual({ step: 'done', already: true, wrappedUp: true });
});

test('after the reload the wrapping task shows the hand-back in its history, which its attributes lack', () => {
  new HandbackOutcomes().set(TASK, {
    step: 'done',
    already: false,
    wrappedUp: true,
    history: [
      { holder: 'ai', since: new Date('2026-03-01T10:00:00Z') },
      { holder: 'human', since: new Date('2026-03-01T10:05:00Z'), reason: 'Refund' },
      { holder: 'ai', since: new Date('2026-03-01T10:20:00Z'), by: 'Alice Agent', instruction: 'Confirm it' },
    ],
  });
  const { manager } = fakeManager(['agent'], 'token-1');
  render(
    <Theme.Provider theme="flex">
      <TaskHandback task={task('wrapping')} manager={manager as never} outcomes={new HandbackOutcomes()} />
    </Theme.Provider>,
  );
  expect(screen.getByText(/Alice Agent/)).toBeInTheDocument();
  expect(screen.getByText(/Confirm it/)).toBeInTheDocument();
});

test('one still on its way at the reload lost its answer: the AI may have the customer', () => {
  new HandbackOutcomes().set(TASK, { step: 'sending', instruction: 'Refund it' });
  expect(new HandbackOutcomes().get(TASK)).toMatchObject({
    step: 'failed',
    instruction: 'Refund it',
    error: { code: 'answer_lost' },
  });
});

test('a dismissed one is forgotten, and what the tab cannot read is ignored', () => {
  const outcomes = new HandbackOutcomes();
  outcomes.set(TASK, { step: 'done', already: false, wrappedUp: true });
  outcomes.set(TASK, undefined);
  expect(new HandbackOutcomes().get(TASK)).toBeUndefined();
  window.sessionStorage.setItem(`opencx.handback.${TASK}`, '{"step":"failed","error":7}');
  expect(new HandbackOutcomes().get(TASK)).toBeUndefined();
  window.sessionStorage.setItem(`opencx.handback.${TASK}`, 'not json');
  expect(new HandbackOutcomes().get(TASK)).toBeUndefined();
});

test('a dismissed failure that may have handed it back keeps End chat guarded after the reload', () => {
  const outcomes = new HandbackOutcomes();
  outcomes.set(TASK, { step: 'failed', instruction: '', error: { code: 'timeout', message: 'No answer' } });
  outcomes.set(TASK, undefined);
  expect(new HandbackOutcomes().get(TASK)).toBeUndefined();
  expect(new HandbackOutcomes().guardsEndChat(TASK)).toBe(true);
  // The Function said the AI does not have the conversation.
  new HandbackOutcomes().forget(TASK);
  expect(new HandbackOutcomes().guardsEndChat(TASK)).toBe(false);
});

test('the wrap-up alarm of a hand-back that failed is there again after the reload', () => {
  const error = { status: 502, code: 'handback_failed', message: 'Flex could not route it' };
  new HandbackOutcomes().set(TASK, { step: 'failed', instruction: '', error });
  const { manager } = fakeManager(['agent'], 'token-1');
  render(
    <Theme.Provider theme="flex">
      <TaskHandback task={task('wrapping')} manager={manager as never} outcomes={new HandbackOutcomes()} />
    </Theme.Provider>,
  );
  expect(screen.getByRole('alert')).toHaveTextContent('Tell a supervisor before you complete your task.');
});

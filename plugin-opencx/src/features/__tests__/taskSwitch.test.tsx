// Flex renders one TaskCanvas, not one per task (2.17.1 keys it by a constant): when the agent
// selects another task, Flex's real DynamicComponent re-renders the plugin's content with the new
// task. Nothing the agent did on one task may show on, or be sent for, the other.
import React from 'react';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import * as Flex from '@twilio/flex-ui';
import { Theme } from '@twilio-paste/core/theme';

import { FLEX_CONVERSATION } from '../../testing/conversationTask';
import { fakeManager } from '../../testing/fakeFlex';
import { createHandbackSetup } from '../handback';
import { createHandoffPanelSetup } from '../handoffPanel';

const REFUND_TASK = `WT${'a'.repeat(32)}`;
const BILLING_TASK = `WT${'b'.repeat(32)}`;
const handedOff = (taskSid: string, reason: string, verdict?: object) => ({
  taskSid,
  status: 'accepted',
  attributes: {
    handedOff: true,
    handoffReason: reason,
    handoffSentiment: 'neutral',
    ...FLEX_CONVERSATION,
    ...(verdict ? { opencxVerdict: verdict } : {}),
  },
});

const giveVerdict = jest.fn(async () => ({ ok: true as const }));
const handBack = jest.fn(async () => ({ ok: true as const, alreadyHandedBack: false, wrappedUp: true, history: [] }));

beforeAll(() => {
  const { manager } = fakeManager(['agent'], 'token-1');
  createHandoffPanelSetup({ createClient: () => ({ giveVerdict, handBack }) as never })(Flex, manager);
  createHandbackSetup({ createClient: () => ({ handBack }) as never })(Flex, manager);
});
beforeEach(() => jest.clearAllMocks());

function Canvas({ task }: { task: object }): JSX.Element {
  return (
    <Theme.Provider theme="flex">
      <Flex.DynamicComponent contentStore={Flex.TaskCanvas.Content} childProps={{ task }} name="TaskCanvas" vertical>
        <div>
          <div key="header">Task header</div>
          <div key="tabs">Chat</div>
        </div>
      </Flex.DynamicComponent>
    </Theme.Provider>
  );
}

const question = (name: string) => within(screen.getByRole('group', { name }));

test('the verdict given on one task neither shows on the next nor is sent for it', async () => {
  const { rerender } = render(
    <Canvas task={handedOff(REFUND_TASK, 'Refund', { needed: false, summaryRight: false })} />,
  );
  expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');

  rerender(<Canvas task={handedOff(BILLING_TASK, 'Billing')} />);

  expect(screen.getByText('Billing')).toBeInTheDocument();
  expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'false');
  expect(screen.queryByText('Thanks, saved.')).not.toBeInTheDocument();
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'Yes' }));
  fireEvent.click(question('Handoff needed?').getByRole('button', { name: 'Yes' }));
  await waitFor(() => expect(giveVerdict).toHaveBeenCalled());
  expect(giveVerdict.mock.calls).toEqual([['token-1', { taskSid: BILLING_TASK, needed: true, summaryRight: true }]]);
});

test('a verdict left half given, or a comment being typed, is there again back on its task', async () => {
  const [ORDERS_TASK, REFUNDS_TASK] = [`WT${'1'.repeat(32)}`, `WT${'2'.repeat(32)}`];
  const { rerender } = render(<Canvas task={handedOff(ORDERS_TASK, 'Orders')} />);
  fireEvent.click(question('Handoff needed?').getByRole('button', { name: 'No' }));
  rerender(<Canvas task={handedOff(REFUNDS_TASK, 'Refunds', { needed: true, summaryRight: true })} />);
  fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
  fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Order number missing' } });

  rerender(<Canvas task={handedOff(ORDERS_TASK, 'Orders')} />);
  expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');
  expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument();
  rerender(<Canvas task={handedOff(REFUNDS_TASK, 'Refunds', { needed: true, summaryRight: true })} />);
  expect(screen.getByLabelText('Comment')).toHaveValue('Order number missing');
  expect(screen.getByText('Thanks, saved.')).toBeVisible();
  expect(giveVerdict).not.toHaveBeenCalled();

  // Finished on its task, the verdict is sent for that task with the answer given before the switch.
  rerender(<Canvas task={handedOff(ORDERS_TASK, 'Orders')} />);
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'Yes' }));
  await waitFor(() => expect(giveVerdict).toHaveBeenCalled());
  expect(giveVerdict.mock.calls).toEqual([['token-1', { taskSid: ORDERS_TASK, needed: false, summaryRight: true }]]);
});

test('a verdict send that fails after the agent switched tasks shows its failure back on its task', async () => {
  const [CLAIMS_TASK, OTHER_TASK] = [`WT${'3'.repeat(32)}`, `WT${'4'.repeat(32)}`];
  let answer!: (result: unknown) => void;
  giveVerdict.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
  const { rerender } = render(<Canvas task={handedOff(CLAIMS_TASK, 'Claims')} />);
  fireEvent.click(question('Handoff needed?').getByRole('button', { name: 'Yes' }));
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'No' }));
  expect(screen.getByText('Saving…')).toBeVisible();

  rerender(<Canvas task={handedOff(OTHER_TASK, 'Other')} />);
  // The failure has reached React before the other task is looked at.
  await act(async () =>
    answer({ ok: false, error: { status: 503, code: 'unavailable', message: 'Twilio is unavailable.' } }),
  );
  expect(giveVerdict).toHaveBeenCalledTimes(1);
  expect(screen.queryByText('Twilio is unavailable.')).not.toBeInTheDocument();

  rerender(<Canvas task={handedOff(CLAIMS_TASK, 'Claims')} />);
  expect(await screen.findByText('Twilio is unavailable.')).toBeVisible();
  expect(question('Handoff needed?').getByRole('button', { name: 'Yes' })).toHaveAttribute('aria-pressed', 'true');
  expect(question('Summary right?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');
  // Answered again, it is sent again.
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'Yes' }));
  await waitFor(() => expect(giveVerdict).toHaveBeenCalledTimes(2));
  expect(giveVerdict).toHaveBeenLastCalledWith('token-1', { taskSid: CLAIMS_TASK, needed: true, summaryRight: true });
});

/** Answers both questions on `taskSid`, and comes back to it from another task before the verdict is answered. */
function sendThenComeBack(taskSid: string): (result: unknown) => Promise<void> {
  let answer!: (result: unknown) => void;
  giveVerdict.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
  const { rerender } = render(<Canvas task={handedOff(taskSid, 'Claims')} />);
  fireEvent.click(question('Handoff needed?').getByRole('button', { name: 'Yes' }));
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'No' }));
  rerender(<Canvas task={handedOff(`WT${'0'.repeat(32)}`, 'Other')} />);
  rerender(<Canvas task={handedOff(taskSid, 'Claims')} />);
  return (result) => act(async () => answer(result));
}

test('back on a task while its verdict is sent, the agent sees it saving, then saved, and not sent twice', async () => {
  const answer = sendThenComeBack(`WT${'5'.repeat(32)}`);
  expect(screen.getByText('Saving…')).toBeVisible();
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'Yes' }));
  expect(question('Summary right?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');

  await answer({ ok: true });
  expect(screen.getByText('Thanks, saved.')).toBeVisible();
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'No' }));
  expect(giveVerdict).toHaveBeenCalledTimes(1);
});

test('back on a task while its verdict is sent, the agent sees its failure when it comes', async () => {
  const answer = sendThenComeBack(`WT${'6'.repeat(32)}`);
  await answer({ ok: false, error: { status: 503, code: 'unavailable', message: 'Twilio is unavailable.' } });
  expect(screen.getByText('Twilio is unavailable.')).toBeVisible();
  expect(screen.queryByText('Saving…')).not.toBeInTheDocument();
  fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
  await waitFor(() => expect(giveVerdict).toHaveBeenCalledTimes(2));
  expect(giveVerdict).toHaveBeenLastCalledWith('token-1', {
    taskSid: `WT${'6'.repeat(32)}`,
    needed: true,
    summaryRight: false,
  });
});

test('a comment saved while the agent was on another task closes its box on return', async () => {
  const [NOTES_TASK, OTHER_TASK] = [`WT${'7'.repeat(32)}`, `WT${'8'.repeat(32)}`];
  const given = { needed: true, summaryRight: true };
  let answer!: (result: unknown) => void;
  giveVerdict.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
  const { rerender } = render(<Canvas task={handedOff(NOTES_TASK, 'Notes', given)} />);
  fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
  fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Order number missing' } });
  fireEvent.click(screen.getByRole('button', { name: 'Send comment' }));

  rerender(<Canvas task={handedOff(OTHER_TASK, 'Other')} />);
  rerender(<Canvas task={handedOff(NOTES_TASK, 'Notes', given)} />);
  expect(screen.getByText('Saving…')).toBeVisible();
  expect(screen.getByRole('button', { name: 'Send comment' })).toHaveAttribute('aria-disabled', 'true');
  await act(async () => answer({ ok: true }));
  expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument();
  expect(screen.getByText('Thanks, saved.')).toBeVisible();

  // Saved while the agent was away, it is not offered again as unsent either.
  giveVerdict.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
  fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
  fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Order and date missing' } });
  fireEvent.click(screen.getByRole('button', { name: 'Send comment' }));
  rerender(<Canvas task={handedOff(OTHER_TASK, 'Other')} />);
  await act(async () => answer({ ok: true }));
  rerender(<Canvas task={handedOff(NOTES_TASK, 'Notes', given)} />);
  expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument();
  expect(screen.getByText('Thanks, saved.')).toBeVisible();
  expect(giveVerdict).toHaveBeenCalledTimes(2);
});

test("a task transferred with the first agent's verdict asks the next agent for theirs", async () => {
  // Flex transfers a task as a new task with the same attributes.
  const [FIRST_TASK, TRANSFERRED_TASK] = [`WT${'a1'.repeat(16)}`, `WT${'a2'.repeat(16)}`];
  const [FIRST_AGENT, NEXT_AGENT] = [`WK${'1'.repeat(32)}`, `WK${'2'.repeat(32)}`];
  const firstVerdict = { needed: false, summaryRight: false, by: FIRST_AGENT };
  const first = render(
    <Canvas task={{ ...handedOff(FIRST_TASK, 'Transfer', firstVerdict), workerSid: FIRST_AGENT }} />,
  );
  expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');
  expect(screen.getByText('Thanks, saved.')).toBeVisible();
  first.unmount();

  render(<Canvas task={{ ...handedOff(TRANSFERRED_TASK, 'Transfer', firstVerdict), workerSid: NEXT_AGENT }} />);
  expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'false');
  expect(screen.queryByText('Thanks, saved.')).not.toBeInTheDocument();
  // The same answers as the first agent's are this agent's verdict, and sent.
  fireEvent.click(question('Handoff needed?').getByRole('button', { name: 'No' }));
  fireEvent.click(question('Summary right?').getByRole('button', { name: 'No' }));
  await waitFor(() => expect(giveVerdict).toHaveBeenCalledTimes(1));
  expect(giveVerdict).toHaveBeenLastCalledWith('token-1', {
    taskSid: TRANSFERRED_TASK,
    needed: false,
    summaryRight: false,
  });
});

test("a hand-back form opened on one task is not the next one's; back on it, it is as left", async () => {
  const instruction = () => screen.queryByRole('textbox', { name: 'Instruction for the AI (optional)' });
  const { rerender } = render(<Canvas task={handedOff(REFUND_TASK, 'Refund')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.change(instruction()!, { target: { value: 'Refund order 1042' } });

  rerender(<Canvas task={handedOff(BILLING_TASK, 'Billing')} />);
  expect(instruction()).not.toBeInTheDocument();
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  expect(instruction()).toHaveValue('');
  fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));

  rerender(<Canvas task={handedOff(REFUND_TASK, 'Refund')} />);
  expect(instruction()).toHaveValue('Refund order 1042');
  rerender(<Canvas task={handedOff(BILLING_TASK, 'Billing')} />);
  expect(instruction()).not.toBeInTheDocument();
  expect(handBack).not.toHaveBeenCalled();

  // Closed, the form and what it held are gone.
  rerender(<Canvas task={handedOff(REFUND_TASK, 'Refund')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
  rerender(<Canvas task={handedOff(BILLING_TASK, 'Billing')} />);
  rerender(<Canvas task={handedOff(REFUND_TASK, 'Refund')} />);
  expect(instruction()).not.toBeInTheDocument();
});

test('the hand-back confirmation stays on its task in wrap-up, also after visiting another task', async () => {
  const { rerender } = render(<Canvas task={handedOff(REFUND_TASK, 'Refund')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
  const done = 'The AI has the conversation again. Your task is in wrap-up';
  expect(await screen.findByRole('status')).toHaveTextContent(done);

  // The Function moved the task to wrap-up before it answered: Flex shows the reservation wrapping.
  const wrapping = { ...handedOff(REFUND_TASK, 'Refund'), status: 'wrapping' };
  rerender(<Canvas task={wrapping} />);
  expect(screen.getByRole('status')).toHaveTextContent(done);
  // The confirmation the control showed went with it: the one shown in wrap-up takes over its focus.
  expect(screen.getByRole('status')).toHaveFocus();
  expect(screen.queryByRole('button', { name: 'Hand back to AI' })).not.toBeInTheDocument();

  rerender(<Canvas task={handedOff(BILLING_TASK, 'Billing')} />);
  expect(screen.queryByRole('status')).not.toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Hand back to AI' })).toBeVisible();

  rerender(<Canvas task={wrapping} />);
  expect(screen.getByRole('status')).toHaveTextContent(done);
  // Coming back to the task moves no focus.
  expect(screen.getByRole('status')).not.toHaveFocus();
  // Another task in wrap-up that was not handed back shows no confirmation.
  rerender(<Canvas task={{ ...handedOff(BILLING_TASK, 'Billing'), status: 'wrapping' }} />);
  expect(screen.queryByRole('status')).not.toBeInTheDocument();
  expect(handBack).toHaveBeenCalledTimes(1);
});

test('a hand-back answered after Flex moved its task to wrap-up gives its confirmation focus', async () => {
  const [ORDER_TASK, DELIVERY_TASK] = [`WT${'e'.repeat(32)}`, `WT${'f'.repeat(32)}`];
  let answer!: (result: unknown) => void;
  const pending = () => new Promise((resolve) => (answer = resolve)) as never;
  const answered = { ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] };
  const wrapping = { ...handedOff(ORDER_TASK, 'Order'), status: 'wrapping' };
  handBack.mockImplementationOnce(pending);
  const { rerender } = render(<Canvas task={handedOff(ORDER_TASK, 'Order')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
  rerender(<Canvas task={wrapping} />);
  expect(screen.getByRole('status')).toHaveTextContent('Handing the conversation back to the AI…');
  answer(answered);
  await screen.findByText(/The AI has the conversation again/);
  expect(screen.getByRole('status')).toHaveFocus();

  // An agent who went on typing elsewhere keeps their focus.
  handBack.mockImplementationOnce(pending);
  rerender(<Canvas task={handedOff(DELIVERY_TASK, 'Delivery')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
  rerender(<Canvas task={{ ...handedOff(DELIVERY_TASK, 'Delivery'), status: 'wrapping' }} />);
  const elsewhere = document.body.appendChild(document.createElement('textarea'));
  elsewhere.focus();
  answer(answered);
  await screen.findByText(/The AI has the conversation again/);
  expect(screen.getByRole('status')).not.toHaveFocus();
  expect(elsewhere).toHaveFocus();
  elsewhere.remove();
});

/** The agent hands back the task named by `digit`, and is moved to wrap-up before the answer comes. */
function handBackThenWrapUp(digit: string) {
  const taskSid = `WT${digit.repeat(32)}`;
  let answer!: (result: unknown) => void;
  handBack.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
  const { rerender } = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
  const wrapping = { ...handedOff(taskSid, 'Returns'), status: 'wrapping' };
  rerender(<Canvas task={wrapping} />);
  return { answer, rerender, wrapping };
}

test('a hand-back that fails after the agent wrapped up says so, with the reason', async () => {
  const { answer, rerender, wrapping } = handBackThenWrapUp('9');
  expect(screen.getByRole('status')).toHaveTextContent('Handing the conversation back to the AI…');

  const reason = 'Flex could not route the conversation back to the AI; you still hold it. Try again';
  answer({ ok: false, error: { status: 502, code: 'handback_failed', message: reason } });

  const alert = await screen.findByRole('alert');
  // Not "Try again", nor the Functions' words saying so: the control went with the wrap-up.
  expect(alert).toHaveTextContent('Hand back to AI was not confirmed, and it cannot be tried again from wrap-up');
  expect(alert).toHaveTextContent('Tell a supervisor before you complete your task.');
  expect(alert).not.toHaveTextContent(/try again/i);
  // Whether the AI may have the customer after all.
  expect(alert).toHaveTextContent('No answer confirmed it: the AI may have the customer after all, or no one does.');
  // Not to be dismissed in wrap-up: the agent could then complete a task whose customer nobody answers.
  expect(within(alert).queryByRole('button')).not.toBeInTheDocument();
  rerender(<Canvas task={handedOff(REFUND_TASK, 'Refund')} />);
  rerender(<Canvas task={wrapping} />);
  expect(screen.getByRole('alert')).toHaveTextContent('No answer confirmed it');

  // The task completed, it can go.
  rerender(<Canvas task={{ ...wrapping, status: 'completed' }} />);
  fireEvent.click(within(screen.getByRole('alert')).getByRole('button'));
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  rerender(<Canvas task={wrapping} />);
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
});

test('a hand-back answered with an unreadable success after the agent wrapped up may have happened', async () => {
  const { answer } = handBackThenWrapUp('u');

  answer({ ok: false, error: { status: 200, code: 'unexpected_response', message: 'Unexpected answer (200)' } });

  const alert = await screen.findByRole('alert');
  expect(alert).toHaveTextContent('No answer confirmed it');
  expect(alert).not.toHaveTextContent('It was refused');
});

test('a hand-back refused after the agent wrapped up says the AI does not have the customer', async () => {
  const { answer } = handBackThenWrapUp('8');

  const message = 'Another task holds this conversation now: wrap up and complete this task';
  answer({ ok: false, error: { status: 409, code: 'not_handed_off', message } });

  const alert = await screen.findByRole('alert');
  expect(alert).toHaveTextContent('It was refused: the AI does not have the customer.');
  expect(alert).not.toHaveTextContent('No answer confirmed it');
});

test('a refusal the form showed, then the agent ends the chat: wrap-up does not repeat it as an alarm', async () => {
  const taskSid = `WT${'5'.repeat(32)}`;
  const message = 'Another task holds this conversation now: wrap up and complete this task';
  handBack.mockResolvedValueOnce({ ok: false, error: { status: 409, code: 'not_handed_off', message } } as never);
  const { rerender } = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
  expect(await screen.findByText(message)).toBeVisible();

  // The agent ends the chat with Flex's own button: the task goes to wrap-up.
  rerender(<Canvas task={{ ...handedOff(taskSid, 'Returns'), status: 'wrapping' }} />);
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  expect(screen.queryByText(/Hand back to AI was not confirmed/)).not.toBeInTheDocument();
});

test('a failure shown on return to its task is seen too: its wrap-up later raises no alarm', async () => {
  const [taskSid, other] = [`WT${'4'.repeat(32)}`, `WT${'3'.repeat(32)}`];
  let answer!: (result: unknown) => void;
  handBack.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
  const { rerender } = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
  rerender(<Canvas task={handedOff(other, 'Shipping')} />);
  await act(async () =>
    answer({ ok: false, error: { status: 502, code: 'handback_failed', message: 'The AI could not take it' } }),
  );

  rerender(<Canvas task={handedOff(taskSid, 'Returns')} />);
  expect(await screen.findByText('The AI could not take it')).toBeVisible();
  rerender(<Canvas task={{ ...handedOff(taskSid, 'Returns'), status: 'wrapping' }} />);
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
});

test("the hand-back is Flex's OpencxHandBackToAi action: other plugins' listeners see it and its answer", async () => {
  const taskSid = `WT${'2'.repeat(32)}`;
  const before = jest.fn();
  const after = jest.fn();
  Flex.Actions.addListener('beforeOpencxHandBackToAi', before);
  Flex.Actions.addListener('afterOpencxHandBackToAi', after);
  try {
    render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Instruction for the AI (optional)' }), {
      target: { value: 'Offer a refund' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByText(/The AI has the conversation again/);

    expect(before).toHaveBeenCalledWith(
      expect.objectContaining({ taskSid, instruction: 'Offer a refund', task: expect.objectContaining({ taskSid }) }),
      expect.any(Function),
    );
    expect(handBack).toHaveBeenCalledWith('token-1', { taskSid, instruction: 'Offer a refund' });
    expect(after).toHaveBeenCalledWith(
      expect.objectContaining({ taskSid, result: expect.objectContaining({ ok: true }) }),
    );
  } finally {
    Flex.Actions.removeListener('beforeOpencxHandBackToAi', before);
    Flex.Actions.removeListener('afterOpencxHandBackToAi', after);
  }
});

test('a listener before the action cancels it: nothing is sent, and the agent still holds the chat', async () => {
  const taskSid = `WT${'1'.repeat(32)}`;
  const cancel = (_payload: unknown, abort: () => void) => abort();
  Flex.Actions.addListener('beforeOpencxHandBackToAi', cancel);
  try {
    const { rerender } = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));

    expect(await screen.findByText(/Another customization of Flex stopped the hand-back/)).toBeVisible();
    expect(handBack).not.toHaveBeenCalled();
    // The form stays, to try again once the other customization allows it.
    expect(screen.getByRole('button', { name: 'Hand back' })).toBeEnabled();
    // Ending the chat after it raises no alarm in wrap-up: nothing happened.
    rerender(<Canvas task={{ ...handedOff(taskSid, 'Returns'), status: 'wrapping' }} />);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  } finally {
    Flex.Actions.removeListener('beforeOpencxHandBackToAi', cancel);
  }
});

test.each([
  ['handback_in_progress', 'This conversation is being handed back to the AI', '7'],
  ['not_task_holder', 'Only the agent who holds this task can do this', '6'],
])(
  'in wrap-up, %s (another click handed it back, or is) says the AI may have the customer',
  async (code, message, digit) => {
    const { answer } = handBackThenWrapUp(digit);

    answer({ ok: false, error: { status: code === 'not_task_holder' ? 403 : 409, code, message } });

    expect(await screen.findByRole('alert')).toHaveTextContent('No answer confirmed it');
  },
);

test('a hand-back in flight when the agent switches tasks shows its answer, a failure too, on return', async () => {
  const [RETURNS_TASK, SHIPPING_TASK] = [`WT${'c'.repeat(32)}`, `WT${'d'.repeat(32)}`];
  let answer!: (result: unknown) => void;
  handBack.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
  const { rerender } = render(<Canvas task={handedOff(RETURNS_TASK, 'Returns')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.change(screen.getByRole('textbox', { name: 'Instruction for the AI (optional)' }), {
    target: { value: 'Refund order 1042' },
  });
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));

  rerender(<Canvas task={handedOff(SHIPPING_TASK, 'Shipping')} />);
  rerender(<Canvas task={handedOff(RETURNS_TASK, 'Returns')} />);
  // Still on its way: not offered a second time.
  expect(screen.queryByRole('button', { name: 'Hand back to AI' })).not.toBeInTheDocument();
  expect(screen.getByRole('textbox', { name: 'Instruction for the AI (optional)' })).toBeDisabled();

  rerender(<Canvas task={handedOff(SHIPPING_TASK, 'Shipping')} />);
  // The failure has reached React before the other task is looked at.
  await act(async () =>
    answer({
      ok: false,
      error: { status: 502, code: 'handback_failed', message: 'The AI could not take it. Try again' },
    }),
  );
  expect(handBack).toHaveBeenCalledTimes(1);
  expect(screen.queryByText('The AI could not take it. Try again')).not.toBeInTheDocument();

  rerender(<Canvas task={handedOff(RETURNS_TASK, 'Returns')} />);
  expect(await screen.findByText('The AI could not take it. Try again')).toBeVisible();
  expect(screen.getByRole('textbox', { name: 'Instruction for the AI (optional)' })).toHaveValue('Refund order 1042');
  expect(screen.getByRole('button', { name: 'Hand back' })).toBeEnabled();

  // Corrected after the failure, then away and back: the correction stays.
  fireEvent.change(screen.getByRole('textbox', { name: 'Instruction for the AI (optional)' }), {
    target: { value: 'Refund order 1043' },
  });
  rerender(<Canvas task={handedOff(SHIPPING_TASK, 'Shipping')} />);
  rerender(<Canvas task={handedOff(RETURNS_TASK, 'Returns')} />);
  expect(screen.getByRole('textbox', { name: 'Instruction for the AI (optional)' })).toHaveValue('Refund order 1043');
});

// Flex's End chat (its WrapupTask action) closes the whole conversation: the AI's part of it too.
describe("Flex's End chat once the AI has the conversation again", () => {
  /** What became of End chat: stopped by a listener, or run by Flex (whose own wrap-up fails in jsdom). */
  const endChat = (taskSid: string) =>
    Flex.Actions.invokeAction('WrapupTask', { task: { taskSid } }).then(
      () => 'ran',
      (error: unknown) => (/cancelled by before event/.test(String(error)) ? 'stopped' : 'ran'),
    );
  const notMoved = { ok: true as const, alreadyHandedBack: false, wrappedUp: false, history: [] };

  test('is stopped, and the hand-back Function moves only the agent to wrap-up', async () => {
    const taskSid = `WT${'c1'.repeat(16)}`;
    handBack
      .mockResolvedValueOnce(notMoved)
      .mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true, wrappedUp: true });
    const { rerender } = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    expect(await screen.findByRole('status')).toHaveTextContent(
      "Flex did not move your task to wrap-up: End chat moves it there (the customer's chat stays open, with the AI)",
    );

    expect(await endChat(taskSid)).toBe('stopped');

    await waitFor(() => expect(handBack).toHaveBeenCalledTimes(2));
    expect(handBack).toHaveBeenLastCalledWith('token-1', { taskSid, instruction: '', wrapupOnly: true });
    rerender(<Canvas task={{ ...handedOff(taskSid, 'Returns'), status: 'wrapping' }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Your task is in wrap-up');
    // Moved: Flex's own wrap-up is no longer in the way.
    expect(await endChat(taskSid)).toBe('ran');
    expect(handBack).toHaveBeenCalledTimes(2);
  });

  test('says another agent has the conversation when End chat finds their task holding it, not the AI', async () => {
    const taskSid = `WT${'d1'.repeat(16)}`;
    const elsewhere = { ...notMoved, alreadyHandedBack: true, wrappedUp: true, heldByAnotherTask: true };
    handBack.mockResolvedValueOnce(notMoved).mockResolvedValueOnce(elsewhere as never);
    const { rerender } = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByRole('status');

    expect(await endChat(taskSid)).toBe('stopped');
    await waitFor(() => expect(handBack).toHaveBeenCalledTimes(2));
    rerender(<Canvas task={{ ...handedOff(taskSid, 'Returns'), status: 'wrapping' }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Another agent has this conversation now');
    expect(screen.getByRole('status')).not.toHaveTextContent('The AI has the conversation again');
    expect(await endChat(taskSid)).toBe('ran');
    expect(handBack).toHaveBeenCalledTimes(2);
  });

  test("keeps the hand-back's history in the panel once End chat has moved the agent", async () => {
    const taskSid = `WT${'ce'.repeat(16)}`;
    const history = [
      { holder: 'ai' as const, since: new Date('2026-03-01T10:00:00Z') },
      { holder: 'human' as const, since: new Date('2026-03-01T10:05:00Z'), reason: 'Returns' },
      { holder: 'ai' as const, since: new Date('2026-03-01T10:20:00Z'), by: 'Alice Agent', instruction: 'Refund it' },
    ];
    handBack
      .mockResolvedValueOnce({ ...notMoved, history } as never)
      .mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true, wrappedUp: true });
    const { rerender } = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByText(/Flex did not move your task to wrap-up/);

    expect(await endChat(taskSid)).toBe('stopped');
    rerender(<Canvas task={{ ...handedOff(taskSid, 'Returns'), status: 'wrapping' }} />);
    expect(await screen.findByText(/Refund it/)).toBeVisible();
  });

  /** The agent hands back `taskSid`, and Flex's answer does not move them to wrap-up. */
  async function handedBackNotMoved(taskSid: string) {
    handBack.mockResolvedValueOnce(notMoved);
    const view = render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByText(/Flex did not move your task to wrap-up/);
    return view;
  }

  test('goes on when the AI does not have the conversation after all', async () => {
    const taskSid = `WT${'c4'.repeat(16)}`;
    await handedBackNotMoved(taskSid);
    const message = 'This conversation is not handed back to the AI';
    handBack.mockResolvedValueOnce({ ok: false, error: { status: 409, code: 'not_handed_off', message } } as never);
    expect(await endChat(taskSid)).toBe('ran');
    expect(handBack).toHaveBeenCalledTimes(2);
  });

  test('says why when the agent cannot be moved to wrap-up, and goes on the next time', async () => {
    const taskSid = `WT${'c5'.repeat(16)}`;
    await handedBackNotMoved(taskSid);
    handBack.mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true });

    expect(await endChat(taskSid)).toBe('stopped');

    expect(await screen.findByText(/End chat was stopped: the AI may be answering this customer/)).toBeVisible();
    expect(await endChat(taskSid)).toBe('ran');
    expect(handBack).toHaveBeenCalledTimes(2);
  });

  test('says another agent has the chat when the Function found their task holding it', async () => {
    const taskSid = `WT${'d4'.repeat(16)}`;
    await handedBackNotMoved(taskSid);
    handBack.mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true, heldByAnotherTask: true } as never);

    expect(await endChat(taskSid)).toBe('stopped');

    expect(await screen.findByText(/End chat was stopped: another agent has this conversation now/)).toBeVisible();
    expect(screen.queryByText(/the AI may be answering/)).not.toBeInTheDocument();
    expect(await endChat(taskSid)).toBe('ran');
  });

  test('a hand-back under way elsewhere stops End chat without letting the next one through unasked', async () => {
    const taskSid = `WT${'d5'.repeat(16)}`;
    await handedBackNotMoved(taskSid);
    const busy = { status: 409, code: 'handback_in_progress', message: 'This conversation is being handed back' };
    handBack.mockResolvedValueOnce({ ok: false, error: busy } as never);

    expect(await endChat(taskSid)).toBe('stopped');
    expect(await screen.findByText(/a hand-back of this conversation to the AI is under way/)).toBeVisible();
    expect(screen.queryByText(/End chat again to close the chat anyway/)).not.toBeInTheDocument();

    // The next End chat asks again: the hand-back has since gone through, and only the agent is moved.
    handBack.mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true, wrappedUp: true });
    expect(await endChat(taskSid)).toBe('stopped');
    expect(handBack).toHaveBeenCalledTimes(3);
    expect(handBack).toHaveBeenLastCalledWith('token-1', { taskSid, instruction: '', wrapupOnly: true });
  });

  test('a hand-back under way longer than one takes: warned as for the AI, and the next End chat goes on', async () => {
    const taskSid = `WT${'d8'.repeat(16)}`;
    await handedBackNotMoved(taskSid);
    const busy = { status: 409, code: 'handback_in_progress', message: 'This conversation is being handed back' };
    for (let i = 0; i < 3; i++) handBack.mockResolvedValueOnce({ ok: false, error: busy } as never);
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
    try {
      expect(await endChat(taskSid)).toBe('stopped');
      await screen.findByText(/a hand-back of this conversation to the AI is under way/);
      // Still within the 15 s a hand-back is given: asked again, and still under way.
      clock.mockReturnValue(start + 5_000);
      expect(await endChat(taskSid)).toBe('stopped');
      expect(screen.getByText(/a hand-back of this conversation to the AI is under way/)).toBeVisible();
      // Past them (a hand-back stuck there): the warning that lets the next End chat through.
      clock.mockReturnValue(start + 16_000);
      expect(await endChat(taskSid)).toBe('stopped');
      expect(await screen.findByText(/End chat was stopped: the AI may be answering this customer/)).toBeVisible();
      expect(await endChat(taskSid)).toBe('ran');
      expect(handBack).toHaveBeenCalledTimes(4);
    } finally {
      clock.mockRestore();
    }
  });

  test('dismissing a lost hand-back keeps its "under way" clock: a stuck one still lets End chat go on', async () => {
    const taskSid = `WT${'da'.repeat(16)}`;
    const timeout = { ok: false, error: { code: 'timeout', message: 'No answer from the Functions' } };
    const busy = { status: 409, code: 'handback_in_progress', message: 'This conversation is being handed back' };
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
    try {
      handBack.mockResolvedValueOnce(timeout as never).mockResolvedValueOnce({ ok: false, error: busy } as never);
      render(<Canvas task={handedOff(taskSid, 'Returns')} />);
      fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
      fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
      expect(await screen.findByText('No answer from the Functions')).toBeVisible();
      expect(await endChat(taskSid)).toBe('stopped');
      await screen.findByText(/a hand-back of this conversation to the AI is under way/);

      clock.mockReturnValue(start + 10_000);
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
      clock.mockReturnValue(start + 20_000);
      handBack.mockResolvedValueOnce({ ok: false, error: busy } as never);
      expect(await endChat(taskSid)).toBe('stopped');

      expect(await screen.findByText(/End chat was stopped: the AI may be answering this customer/)).toBeVisible();
    } finally {
      clock.mockRestore();
    }
  });

  test('a new hand-back\'s "under way" counts from its own answer, not from an earlier hand-back\'s', async () => {
    const taskSid = `WT${'d9'.repeat(16)}`;
    const timeout = { ok: false, error: { code: 'timeout', message: 'No answer from the Functions' } };
    const busy = { status: 409, code: 'handback_in_progress', message: 'This conversation is being handed back' };
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
    try {
      handBack.mockResolvedValueOnce(timeout as never).mockResolvedValueOnce({ ok: false, error: busy } as never);
      render(<Canvas task={handedOff(taskSid, 'Returns')} />);
      fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
      fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
      expect(await screen.findByText('No answer from the Functions')).toBeVisible();
      expect(await endChat(taskSid)).toBe('stopped');
      await screen.findByText(/a hand-back of this conversation to the AI is under way/);

      // A minute later the agent hands back again, and its answer is lost too.
      clock.mockReturnValue(start + 60_000);
      handBack.mockResolvedValueOnce(timeout as never);
      fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
      await waitFor(() => expect(handBack).toHaveBeenCalledTimes(3));
      clock.mockReturnValue(start + 61_000);
      handBack.mockResolvedValueOnce({ ok: false, error: busy } as never);
      expect(await endChat(taskSid)).toBe('stopped');

      expect(await screen.findByText(/a hand-back of this conversation to the AI is under way/)).toBeVisible();
      expect(screen.queryByText(/the AI may be answering this customer/)).not.toBeInTheDocument();
      handBack.mockResolvedValueOnce({ ok: false, error: busy } as never);
      expect(await endChat(taskSid)).toBe('stopped');
    } finally {
      clock.mockRestore();
    }
  });

  test('run anyway after its warning: wrap-up says the conversation was closed, not that the AI has it', async () => {
    const taskSid = `WT${'d6'.repeat(16)}`;
    const { rerender } = await handedBackNotMoved(taskSid);
    handBack.mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true });
    expect(await endChat(taskSid)).toBe('stopped');
    await screen.findByText(/End chat was stopped: the AI may be answering this customer/);
    expect(await endChat(taskSid)).toBe('ran');

    rerender(<Canvas task={{ ...handedOff(taskSid, 'Returns'), status: 'wrapping' }} />);
    expect(screen.getByRole('status')).toHaveTextContent('End chat closed the conversation for everyone in it');
    expect(screen.queryByText(/The AI has the conversation again/)).not.toBeInTheDocument();
  });

  test('goes on unasked for a chat the AI declined before ever holding it, which offers no hand-back', async () => {
    const taskSid = `WT${'d7'.repeat(16)}`;
    const declined = handedOff(taskSid, 'The AI declined this conversation');
    render(<Canvas task={{ ...declined, attributes: { ...declined.attributes, opencxDeclined: true } }} />);
    expect(screen.queryByRole('button', { name: 'Hand back to AI' })).not.toBeInTheDocument();

    expect(await endChat(taskSid)).toBe('ran');
    expect(handBack).not.toHaveBeenCalled();
  });

  test('is guarded again after a new hand-back of the task', async () => {
    const taskSid = `WT${'c7'.repeat(16)}`;
    handBack.mockResolvedValueOnce({ ok: false, error: { code: 'timeout', message: 'No answer came' } } as never);
    render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    expect(await screen.findByText('No answer came')).toBeVisible();
    const busy = { status: 409, code: 'handback_in_progress', message: 'This conversation is being handed back' };
    handBack.mockResolvedValueOnce({ ok: false, error: busy } as never);
    expect(await endChat(taskSid)).toBe('stopped');
    await screen.findByText(/End chat was stopped/);

    // Handed back again, and again not moved: End chat is stopped, not let through.
    handBack
      .mockResolvedValueOnce(notMoved)
      .mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true, wrappedUp: true });
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByText(/Flex did not move your task to wrap-up/);
    expect(screen.queryByText(/End chat was stopped/)).not.toBeInTheDocument();
    expect(await endChat(taskSid)).toBe('stopped');
    expect(handBack).toHaveBeenCalledTimes(4);
  });

  test('is stopped after a hand-back whose answer never came, which may have happened', async () => {
    const taskSid = `WT${'c6'.repeat(16)}`;
    const timeout = { ok: false, error: { code: 'timeout', message: 'No answer from the Functions' } };
    handBack.mockResolvedValueOnce(timeout as never).mockResolvedValueOnce({ ...notMoved, wrappedUp: true });
    render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    expect(await screen.findByText('No answer from the Functions')).toBeVisible();

    expect(await endChat(taskSid)).toBe('stopped');
    expect(handBack).toHaveBeenLastCalledWith('token-1', { taskSid, instruction: '', wrapupOnly: true });
  });

  test('is still stopped once the agent dismisses, or replaces, a failure that may have handed it back', async () => {
    const dismissed = `WT${'c9'.repeat(16)}`;
    const timeout = { ok: false, error: { code: 'timeout', message: 'No answer from the Functions' } };
    handBack.mockResolvedValueOnce(timeout as never).mockResolvedValueOnce({ ...notMoved, wrappedUp: true });
    const { unmount } = render(<Canvas task={handedOff(dismissed, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    expect(await screen.findByText('No answer from the Functions')).toBeVisible();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await endChat(dismissed)).toBe('stopped');
    expect(handBack).toHaveBeenLastCalledWith('token-1', { taskSid: dismissed, instruction: '', wrapupOnly: true });
    unmount();

    // Tried again, and that try canceled (another plugin's listener): the first may still have worked.
    const replaced = `WT${'ca'.repeat(16)}`;
    const canceled = { ok: false, error: { code: 'canceled', message: 'Another plugin stopped it' } };
    handBack
      .mockResolvedValueOnce(timeout as never)
      .mockResolvedValueOnce(canceled as never)
      .mockResolvedValueOnce({ ...notMoved, wrappedUp: true });
    render(<Canvas task={handedOff(replaced, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    expect(await screen.findByText('No answer from the Functions')).toBeVisible();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    expect(await screen.findByText('Another plugin stopped it')).toBeVisible();
    expect(await endChat(replaced)).toBe('stopped');
    expect(handBack).toHaveBeenLastCalledWith('token-1', { taskSid: replaced, instruction: '', wrapupOnly: true });
    // In wrap-up now: End chat is the agent's again.
    expect(await endChat(replaced)).toBe('ran');
  });

  test('is stopped after a reload of Flex, for a hand-back this tab sent before it', async () => {
    const taskSid = `WT${'c8'.repeat(16)}`;
    const before = { step: 'done', already: false, wrappedUp: false };
    window.sessionStorage.setItem(`opencx.handback.${taskSid}`, JSON.stringify(before));
    handBack.mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true, wrappedUp: true });
    render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    // Not offered again: the confirmation says what was done.
    expect(screen.queryByRole('button', { name: 'Hand back to AI' })).not.toBeInTheDocument();

    expect(await endChat(taskSid)).toBe('stopped');
    expect(handBack).toHaveBeenLastCalledWith('token-1', { taskSid, instruction: '', wrapupOnly: true });
  });

  test('is stopped while the hand-back is sent', async () => {
    const taskSid = `WT${'c2'.repeat(16)}`;
    let answer!: (result: unknown) => void;
    handBack.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
    render(<Canvas task={handedOff(taskSid, 'Returns')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));

    expect(await endChat(taskSid)).toBe('stopped');
    expect(handBack).toHaveBeenCalledTimes(1);
    // Told why, until the answer comes.
    expect(await screen.findByText(/End chat waits for the hand-back/)).toBeVisible();
    await act(async () => answer({ ...notMoved, wrappedUp: true }));
    expect(screen.queryByText(/End chat waits for the hand-back/)).not.toBeInTheDocument();
  });

  test('says it is checking while End chat asks the Function, in a live region there from the start', async () => {
    const task = handedOff(`WT${'f3'.repeat(16)}`, 'Returns');
    let checked!: (result: unknown) => void;
    handBack.mockImplementationOnce(() => new Promise((resolve) => (checked = resolve)) as never);
    const { container } = render(<Canvas task={task} />);
    const regions = [...container.querySelectorAll('[aria-live="polite"]')];

    const ending = endChatOn(task);
    const checking = await screen.findByText(/Checking whether the AI has this conversation/);
    expect(checking).toBeVisible();
    const live = checking.closest('[aria-live="polite"]');
    expect(regions).toContain(live);
    const notHandedBack = { status: 409, code: 'not_handed_off', message: 'Not handed back to the AI' };
    await act(async () => checked({ ok: false, error: notHandedBack }));
    expect(await ending).toBe('ran');
    expect(live).toBeEmptyDOMElement();
  });

  test('is stopped when the agent hands back while End chat is being checked, whatever the check says', async () => {
    const task = handedOff(`WT${'ef'.repeat(16)}`, 'Returns');
    let checked!: (result: unknown) => void;
    let answer: (result: unknown) => void = () => undefined;
    handBack
      .mockImplementationOnce(() => new Promise((resolve) => (checked = resolve)) as never)
      .mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)) as never);
    render(<Canvas task={task} />);
    try {
      const ending = endChatOn(task);
      await waitFor(() => expect(handBack).toHaveBeenCalledTimes(1));
      fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
      fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
      await waitFor(() => expect(handBack).toHaveBeenCalledTimes(2));
      // The check read the conversation before the hand-back.
      const notHandedBack = { status: 409, code: 'not_handed_off', message: 'Not handed back to the AI' };
      await act(async () => checked({ ok: false, error: notHandedBack }));

      expect(await ending).toBe('stopped');
      expect(await screen.findByText(/End chat waits for the hand-back/)).toBeVisible();
    } finally {
      await act(async () => answer({ ...notMoved, wrappedUp: true }));
    }
  });

  test('is stopped when a hand-back sent and answered while End chat was being checked moved the task', async () => {
    const task = handedOff(`WT${'e7'.repeat(16)}`, 'Returns');
    let checked!: (result: unknown) => void;
    handBack
      .mockImplementationOnce(() => new Promise((resolve) => (checked = resolve)) as never)
      .mockResolvedValueOnce({ ...notMoved, wrappedUp: true });
    render(<Canvas task={task} />);
    const ending = endChatOn(task);
    await waitFor(() => expect(handBack).toHaveBeenCalledTimes(1));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await waitFor(() => expect(handBack).toHaveBeenCalledTimes(2));
    await screen.findByText(/The AI has the conversation again/);
    const notHandedBack = { status: 409, code: 'not_handed_off', message: 'Not handed back to the AI' };
    await act(async () => checked({ ok: false, error: notHandedBack }));

    expect(await ending).toBe('stopped');
  });

  /** End chat on a task the AI handed off, as Flex passes it (with its attributes). */
  const endChatOn = (task: ReturnType<typeof handedOff>) =>
    Flex.Actions.invokeAction('WrapupTask', { task }).then(
      () => 'ran',
      (error: unknown) => (/cancelled by before event/.test(String(error)) ? 'stopped' : 'ran'),
    );

  test('is stopped for a hand-back this tab never saw (another tab sent it): the agent is moved', async () => {
    const task = handedOff(`WT${'cb'.repeat(16)}`, 'Returns');
    handBack.mockResolvedValueOnce({ ...notMoved, alreadyHandedBack: true, wrappedUp: true });

    expect(await endChatOn(task)).toBe('stopped');
    expect(handBack).toHaveBeenLastCalledWith('token-1', { taskSid: task.taskSid, instruction: '', wrapupOnly: true });
  });

  test('on a task the AI handed off and nobody handed back, the Function says so and End chat goes on', async () => {
    const task = handedOff(`WT${'cc'.repeat(16)}`, 'Returns');
    const message = 'This conversation is not handed back to the AI';
    handBack.mockResolvedValueOnce({ ok: false, error: { status: 409, code: 'not_handed_off', message } } as never);
    expect(await endChatOn(task)).toBe('ran');
    // The Function cannot be asked: as without the plugin, unless a hand-back is under way.
    handBack.mockResolvedValueOnce({ ok: false, error: { code: 'timeout', message: 'No answer' } } as never);
    expect(await endChatOn(task)).toBe('ran');
    const busy = { status: 409, code: 'handback_in_progress', message: 'This conversation is being handed back' };
    handBack.mockResolvedValueOnce({ ok: false, error: busy } as never);
    expect(await endChatOn(task)).toBe('stopped');
    expect(handBack).toHaveBeenCalledTimes(3);
  });

  test('on a task the AI never had, asks nothing', async () => {
    const task = { taskSid: `WT${'cd'.repeat(16)}`, status: 'accepted', attributes: { ...FLEX_CONVERSATION } };
    expect(await endChatOn(task as never)).toBe('ran');
    expect(handBack).not.toHaveBeenCalled();
  });

  test('on a handed-off task naming its conversation but not its interaction, still asks the Function', async () => {
    const attributes = { handedOff: true, handoffReason: 'Returns', conversationSid: `CH${'d3'.repeat(16)}` };
    const task = { taskSid: `WT${'d3'.repeat(16)}`, status: 'accepted', attributes };
    handBack.mockResolvedValueOnce({ ok: false, error: { code: 'not_handed_off', message: 'Not the AI' } } as never);
    expect(await endChatOn(task as never)).toBe('ran');
    expect(handBack).toHaveBeenCalledWith('token-1', { taskSid: task.taskSid, instruction: '', wrapupOnly: true });
  });

  test('on a handed-off task with no conversation to route back (a call the AI declined), asks nothing', async () => {
    const call = { handedOff: true, handoffReason: 'Not a conversation', opencxDeclined: true, callSid: 'CA1' };
    const task = { taskSid: `WT${'d2'.repeat(16)}`, status: 'accepted', attributes: call };
    expect(await endChatOn(task as never)).toBe('ran');
    expect(handBack).not.toHaveBeenCalled();
  });
});

test("another plugin's replacement of the action that returns nothing still gives the Functions' answer", async () => {
  const taskSid = `WT${'c3'.repeat(16)}`;
  const replace = Flex.Actions.replaceAction as unknown as (
    name: string,
    fn: (payload: unknown, original: (payload: unknown) => Promise<unknown>) => Promise<unknown>,
  ) => void;
  replace('OpencxHandBackToAi', async (payload, original) => {
    await original(payload);
  });
  render(<Canvas task={handedOff(taskSid, 'Returns')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));

  expect(await screen.findByRole('status')).toHaveTextContent('The AI has the conversation again');
  expect(handBack).toHaveBeenCalledTimes(1);
});

test("a replacement that passes on a copy of the payload, then throws: the Functions' answer still shows", async () => {
  const taskSid = `WT${'c4'.repeat(16)}`;
  const replace = Flex.Actions.replaceAction as unknown as (
    name: string,
    fn: (payload: object, original: (payload: unknown) => Promise<unknown>) => Promise<unknown>,
  ) => void;
  replace('OpencxHandBackToAi', async (payload, original) => {
    await original({ ...payload, audited: true });
    throw new Error('the audit log is down');
  });
  render(<Canvas task={handedOff(taskSid, 'Returns')} />);
  fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
  fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));

  expect(await screen.findByRole('status')).toHaveTextContent('The AI has the conversation again');
  expect(handBack).toHaveBeenCalledTimes(1);
});

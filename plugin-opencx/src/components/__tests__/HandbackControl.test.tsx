import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';

import type { AgentClient, HandbackResult } from '../../api/agentClient';
import { readHistory } from '../../domain/history';
import { strings } from '../../strings';
import { renderWithTheme } from '../../testing/render';
import { HandbackControl } from '../HandbackControl';
import { HandoffHistory } from '../HandoffHistory';

const TASK = 'WT' + '1'.repeat(32);

function client(result: HandbackResult | Promise<HandbackResult>) {
  const handBack = jest.fn<Promise<HandbackResult>, Parameters<AgentClient['handBack']>>(() => Promise.resolve(result));
  return { handBack };
}

function renderControl(agent: ReturnType<typeof client>, token = () => 'flex-token') {
  renderWithTheme(<HandbackControl client={agent} taskSid={TASK} token={token} />);
}

const open = () => fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
const instruction = () => screen.getByRole('textbox', { name: 'Instruction for the AI (optional)' });

describe('HandbackControl', () => {
  it('asks for an optional instruction, then hands back with the current token and confirms', async () => {
    const agent = client({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] });
    let token = 'token-1';
    renderControl(agent, () => token);
    expect(screen.queryByRole('textbox')).toBeNull();

    open();
    fireEvent.change(instruction(), { target: { value: 'Collect the shipping address, then close.' } });
    token = 'token-2';
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));

    expect(await screen.findByRole('status')).toHaveTextContent(
      'The AI has the conversation again. Your task is in wrap-up',
    );
    expect(agent.handBack).toHaveBeenCalledTimes(1);
    expect(agent.handBack).toHaveBeenCalledWith('token-2', {
      taskSid: TASK,
      instruction: 'Collect the shipping address, then close.',
    });
    expect(screen.queryByRole('button', { name: 'Hand back' })).toBeNull();
  });

  it('tells what the hand-back answered, and shows an answer given before instead of the button', async () => {
    const onProgress = jest.fn();
    const agent = client({ ok: true, alreadyHandedBack: false, wrappedUp: false, history: [] });
    const { unmount } = renderWithTheme(
      <HandbackControl client={agent} taskSid={TASK} token={() => 'flex-token'} onProgress={onProgress} />,
    );
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByRole('status');
    expect(onProgress.mock.calls).toEqual([
      [{ step: 'sending', instruction: '' }],
      [{ step: 'done', already: false, wrappedUp: false }],
    ]);
    unmount();

    renderWithTheme(
      <HandbackControl
        client={agent}
        taskSid={TASK}
        token={() => 'flex-token'}
        progress={{ step: 'done', already: false, wrappedUp: false }}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Flex did not move your task to wrap-up');
    expect(screen.queryByRole('button', { name: 'Hand back to AI' })).toBeNull();
  });

  // End chat found a colleague's task holding the conversation; Flex has not moved this task to wrap-up yet.
  it('says another agent has the conversation, not the AI, when End chat found it held elsewhere', () => {
    renderWithTheme(
      <HandbackControl
        client={client({ ok: true, alreadyHandedBack: true, wrappedUp: true, history: [] })}
        taskSid={TASK}
        token={() => 'flex-token'}
        progress={{ step: 'done', already: true, wrappedUp: true, elsewhere: true }}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent(strings.handbackHeldElsewhere);
    expect(screen.getByRole('status')).not.toHaveTextContent(strings.handbackDone);
  });

  it('moves keyboard focus into the form it opens, and back to the button it comes from', () => {
    renderControl(client({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] }));
    open();
    expect(instruction()).toHaveFocus();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('button', { name: 'Hand back to AI' })).toHaveFocus();
  });

  it('moves keyboard focus onto the confirmation once handed back: the form that held it is gone', async () => {
    renderControl(client({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] }));
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    const status = await screen.findByRole('status');
    await waitFor(() => expect(status).toHaveFocus());
  });

  it('leaves keyboard focus where the agent put it while the hand-back was sent', async () => {
    let answer!: (result: HandbackResult) => void;
    const agent = client(new Promise<HandbackResult>((resolve) => (answer = resolve)));
    const messageBox = document.createElement('textarea');
    document.body.append(messageBox);
    try {
      renderControl(agent);
      open();
      fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
      messageBox.focus();
      answer({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] });
      await screen.findByRole('status');
      expect(messageBox).toHaveFocus();
    } finally {
      messageBox.remove();
    }
  });

  it('hands back without an instruction too', async () => {
    const agent = client({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] });
    renderControl(agent);
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByRole('status');
    expect(agent.handBack).toHaveBeenCalledWith('flex-token', { taskSid: TASK, instruction: '' });
  });

  it('tells the agent to wrap the task up when Flex did not', async () => {
    renderControl(client({ ok: true, alreadyHandedBack: false, wrappedUp: false, history: [] }));
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent(
      "Flex did not move your task to wrap-up: End chat moves it there (the customer's chat stays open, " +
        'with the AI); then complete it.',
    );
    expect(status).not.toHaveTextContent('Your task is in wrap-up');
  });

  it('says so when another click handed back first', async () => {
    renderControl(client({ ok: true, alreadyHandedBack: true, wrappedUp: false, history: [] }));
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent('already handed back to the AI, which is answering the customer');
    expect(status).toHaveTextContent('End chat moves your task to wrap-up');
  });

  it("says the task is in wrap-up when the agent's own earlier click handed back and this one wrapped up", async () => {
    renderControl(client({ ok: true, alreadyHandedBack: true, wrappedUp: true, history: [] }));
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent('The AI has the conversation again. Your task is in wrap-up');
    expect(status).not.toHaveTextContent('already');
  });

  it('cancel closes the form without handing back', () => {
    const agent = client({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] });
    renderControl(agent);
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('button', { name: 'Hand back to AI' })).toBeVisible();
    expect(agent.handBack).not.toHaveBeenCalled();
  });

  it('an instruction over 1,000 characters is refused before anything is sent', () => {
    const agent = client({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] });
    renderControl(agent);
    open();
    fireEvent.change(instruction(), { target: { value: 'x'.repeat(1001) } });
    expect(screen.getByText('The instruction can be at most 1000 characters.')).toBeVisible();
    expect(instruction()).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('button', { name: 'Hand back' })).toBeDisabled();
    fireEvent.submit(instruction().closest('form')!);
    expect(agent.handBack).not.toHaveBeenCalled();
  });

  it('a refusal is shown, the instruction kept, and a retry possible', async () => {
    const agent = client({
      ok: false,
      error: {
        code: 'handback_failed',
        message: 'Flex could not route the conversation back to the AI; you still hold it. Try again',
        status: 502,
      },
    });
    renderControl(agent);
    open();
    fireEvent.change(instruction(), { target: { value: 'Offer a voucher' } });
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));

    expect(await screen.findByText(/you still hold it/)).toBeVisible();
    expect(instruction()).toHaveValue('Offer a voucher');
    agent.handBack.mockResolvedValueOnce({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] });
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByRole('status');
    expect(agent.handBack).toHaveBeenCalledTimes(2);
  });

  it('an error naming the instruction is shown on the field', async () => {
    renderControl(
      client({
        ok: false,
        error: {
          code: 'invalid_input',
          message: 'The instruction can be at most 1000 characters',
          field: 'instruction',
          status: 400,
        },
      }),
    );
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await waitFor(() => expect(instruction()).toHaveAttribute('aria-invalid', 'true'));
  });

  it('the buttons are disabled while the handback is on its way', async () => {
    let finish: (result: HandbackResult) => void = () => undefined;
    const agent = client(new Promise<HandbackResult>((resolve) => (finish = resolve)));
    renderControl(agent);
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled());
    expect(instruction()).toBeDisabled();
    finish({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] });
    await screen.findByRole('status');
  });
});

describe('HandoffHistory', () => {
  const NOW = new Date('2026-03-02T10:10:00.000Z');
  const attributes = {
    opencxHistory: [
      { to: 'ai', at: '2026-03-02T09:50:00.000Z' },
      { to: 'human', at: '2026-03-02T09:55:00.000Z', reason: 'AI requested human handoff' },
      {
        to: 'ai',
        at: '2026-03-02T10:00:00.000Z',
        reason: 'Handed back by an agent',
        by: 'Alice Agent',
        instruction: 'Collect the shipping address',
      },
      { to: 'human', at: '2026-03-02T10:05:00.000Z', reason: 'AI unavailable' },
    ],
  };

  it('shows AI → agent → AI → agent with times and reasons', () => {
    renderWithTheme(<HandoffHistory entries={readHistory(attributes)} now={NOW} locale="en-US" />);
    const list = within(screen.getByRole('region', { name: 'Who handled this conversation' })).getByRole('list');
    const items = within(list).getAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringMatching(/^AI20 minutes ago/),
      expect.stringMatching(/^Agent15 minutes ago.*AI requested human handoff$/),
      expect.stringMatching(/^AI10 minutes ago.*Handed back by Alice AgentInstruction: Collect the shipping address$/),
      expect.stringMatching(/^Agent5 minutes ago.*AI unavailable$/),
    ]);
    expect(within(items[1]).getByText('15 minutes ago')).toHaveAttribute('datetime', '2026-03-02T09:55:00.000Z');
  });

  it('renders nothing without a history, and leaves malformed entries out', () => {
    renderWithTheme(
      <HandoffHistory
        entries={readHistory({
          opencxHistory: [
            { to: 'robot', at: 'x' },
            { to: 'ai', at: 'not a date' },
          ],
        })}
        now={NOW}
      />,
    );
    expect(screen.queryByRole('region')).toBeNull();
    expect(screen.queryByRole('listitem')).toBeNull();
  });

  it('a long history is shown whole, oldest first', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      to: i % 2 ? 'human' : 'ai',
      at: new Date(Date.parse('2026-03-02T08:00:00.000Z') + i * 60000).toISOString(),
      reason: `r${i}`,
    }));
    renderWithTheme(
      <HandoffHistory entries={readHistory({ opencxHistory: [...many].reverse() })} now={NOW} locale="en-US" />,
    );
    const items = screen.getAllByRole('listitem');
    expect(items).toHaveLength(20);
    expect(items[0]).toHaveTextContent('r0');
    expect(items[19]).toHaveTextContent('r19');
    // In a box that scrolls (not pushing the chat out of the canvas), which the keyboard can reach.
    const box = screen.getByRole('group', { name: 'Who handled this conversation' });
    expect(box).toContainElement(items[19]);
    expect(box).toHaveAttribute('tabindex', '0');
    expect(box).toHaveStyle({ overflowY: 'auto' });
  });

  it('a short history is not a box of its own', () => {
    renderWithTheme(<HandoffHistory entries={readHistory(attributes)} now={NOW} locale="en-US" />);
    expect(screen.queryByRole('group')).toBeNull();
  });
});

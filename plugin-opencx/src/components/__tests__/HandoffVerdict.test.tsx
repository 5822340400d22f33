import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';

import type { SubmitVerdict, VerdictResult } from '../../api/agentClient';
import { AcceptedTaskHandoffPanel } from '../../features/handoffPanel';
import { fakeManager } from '../../testing/fakeFlex';
import { renderWithTheme } from '../../testing/render';
import { HandoffPanel } from '../HandoffPanel';
import { HandoffVerdict } from '../HandoffVerdict';

const HANDOFF = {
  handedOff: true,
  handoffReason: 'AI requested human handoff',
  handoffSentiment: 'neutral',
  handoffTimestamp: '2025-11-21T08:00:00.000Z',
};

const question = (name: string) => within(screen.getByRole('group', { name }));
const click = (questionName: string, answer: 'Yes' | 'No') =>
  fireEvent.click(question(questionName).getByRole('button', { name: answer }));

function deferredSubmit() {
  let resolve!: (result: VerdictResult) => void;
  const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>(() => new Promise((r) => (resolve = r)));
  return { submit, resolve: (result: VerdictResult) => act(async () => resolve(result)) };
}

describe('HandoffVerdict', () => {
  it('sends the verdict once both questions have their one click, and says it is saved', async () => {
    const { submit, resolve } = deferredSubmit();
    renderWithTheme(<HandoffVerdict submit={submit} />);

    click('Handoff needed?', 'No');
    expect(submit).not.toHaveBeenCalled();
    expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');
    const pressed = question('Summary right?').getByRole('button', { name: 'Yes' });
    click('Summary right?', 'Yes');
    expect(submit).toHaveBeenCalledWith({ needed: false, summaryRight: true });
    expect(screen.getByText('Saving…')).toBeVisible();
    // Busy, not disabled (a browser drops a disabled button's focus: the browser test shows it), and
    // nothing more is sent.
    expect(pressed).toHaveAttribute('aria-disabled', 'true');
    expect(pressed).toBeEnabled();
    click('Handoff needed?', 'Yes');
    expect(submit).toHaveBeenCalledTimes(1);
    expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');

    await resolve({ ok: true });
    expect(screen.getByText('Thanks, saved.')).toBeVisible();
  });

  it('sends a comment with the verdict', async () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} given={{ needed: true, summaryRight: false }} />);
    expect(question('Summary right?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByText('Thanks, saved.')).toBeVisible();

    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    expect(screen.getByRole('button', { name: 'Send comment' })).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'The summary missed the order number.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send comment' }));
    await waitFor(() => expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument());
    expect(submit).toHaveBeenCalledWith({
      needed: true,
      summaryRight: false,
      comment: 'The summary missed the order number.',
    });
  });

  it('says a comment is too long rather than cutting what was pasted, and sends nothing until it fits', () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} given={{ needed: true, summaryRight: false }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    const pasted = `${'The customer had asked twice. '.repeat(40)}The end.`;
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: pasted } });
    expect(screen.getByLabelText('Comment')).toHaveValue(pasted);
    expect(screen.getByText('The comment can be at most 1000 characters.')).toBeVisible();
    expect(screen.getByLabelText('Comment')).toHaveAccessibleDescription('The comment can be at most 1000 characters.');
    expect(screen.getByRole('button', { name: 'Send comment' })).toBeDisabled();
    expect(submit).not.toHaveBeenCalled();
  });

  it('takes back a comment sent before when its box is emptied; the answers stay', async () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    renderWithTheme(
      <HandoffVerdict submit={submit} given={{ needed: true, summaryRight: false, comment: 'Card ends 4242' }} />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    expect(screen.getByLabelText('Comment')).toHaveValue('Card ends 4242');
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: '  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Remove comment' }));
    await waitFor(() => expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument());
    expect(submit).toHaveBeenCalledWith({ needed: true, summaryRight: false });

    // Taken back: a changed answer does not send it again.
    click('Summary right?', 'Yes');
    await waitFor(() => expect(submit).toHaveBeenLastCalledWith({ needed: true, summaryRight: true }));
  });

  // The Function replaces the task's verdict whole.
  it('keeps the comment when an answer changes after it was sent, and the one already on the task', async () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} given={{ needed: true, summaryRight: false }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Order number missing.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send comment' }));
    await waitFor(() => expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument());

    click('Summary right?', 'Yes');
    await screen.findByText('Thanks, saved.');
    expect(submit).toHaveBeenLastCalledWith({ needed: true, summaryRight: true, comment: 'Order number missing.' });

    renderWithTheme(
      <HandoffPanel
        attributes={{ ...HANDOFF, opencxVerdict: { needed: false, summaryRight: true, comment: 'Was fine.' } }}
        submitVerdict={submit}
      />,
    );
    const panel = within(screen.getAllByRole('group', { name: 'Your verdict on this handoff' }).at(-1)!);
    fireEvent.click(within(panel.getByRole('group', { name: 'Handoff needed?' })).getByRole('button', { name: 'Yes' }));
    await waitFor(() =>
      expect(submit).toHaveBeenLastCalledWith({ needed: true, summaryRight: true, comment: 'Was fine.' }),
    );
  });

  it("says when OpenCX missed the verdict's note, and sends the same verdict again on request", async () => {
    const submit = jest
      .fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>()
      .mockResolvedValueOnce({ ok: true, opencxMissed: true })
      .mockResolvedValueOnce({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} />);
    click('Handoff needed?', 'No');
    click('Summary right?', 'Yes');
    expect(await screen.findByText(/OpenCX did not get it/)).toBeVisible();
    expect(screen.queryByText('Thanks, saved.')).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Send to OpenCX again' }));
    expect(await screen.findByText('Thanks, saved.')).toBeVisible();
    expect(submit).toHaveBeenCalledTimes(2);
    expect(submit).toHaveBeenLastCalledWith({ needed: false, summaryRight: true });
    expect(screen.queryByRole('button', { name: 'Send to OpenCX again' })).not.toBeInTheDocument();
  });

  it('asks for no verdict on a task the AI declined without handling it', () => {
    renderWithTheme(
      <HandoffPanel
        attributes={{ ...HANDOFF, handoffReason: 'AI cannot handle this task', opencxDeclined: true }}
        submitVerdict={jest.fn()}
      />,
    );
    expect(screen.getByRole('region', { name: 'AI handoff' })).toHaveTextContent('AI cannot handle this task');
    expect(screen.queryByRole('group', { name: 'Your verdict on this handoff' })).not.toBeInTheDocument();
  });

  it('moves keyboard focus into the comment box it opens, and back to its button once it is sent', async () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} given={{ needed: true, summaryRight: true }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    expect(screen.getByLabelText('Comment')).toHaveFocus();
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Good handoff.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send comment' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Add a comment' })).toHaveFocus());
  });

  it('keeps "Send comment" focusable while the comment is sent, and sends it once', async () => {
    const { submit, resolve } = deferredSubmit();
    renderWithTheme(<HandoffVerdict submit={submit} given={{ needed: true, summaryRight: true }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Good handoff.' } });
    const send = screen.getByRole('button', { name: 'Send comment' });
    send.focus();
    fireEvent.click(send);
    expect(screen.getByText('Saving…')).toBeVisible();
    // Busy, not disabled: a browser drops a disabled button's focus.
    expect(send).toHaveAttribute('aria-disabled', 'true');
    expect(send).toBeEnabled();
    fireEvent.click(send);
    expect(submit).toHaveBeenCalledTimes(1);

    await resolve({ ok: true });
    expect(screen.getByRole('button', { name: 'Add a comment' })).toHaveFocus();
  });

  it('opens the comment already on the task for editing, not an empty box that would replace it unseen', async () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    renderWithTheme(
      <HandoffVerdict
        submit={submit}
        given={{ needed: true, summaryRight: false, comment: 'Order number missing.' }}
      />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    expect(screen.getByLabelText('Comment')).toHaveValue('Order number missing.');
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Order number and date missing.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send comment' }));
    await waitFor(() =>
      expect(submit).toHaveBeenLastCalledWith({
        needed: true,
        summaryRight: false,
        comment: 'Order number and date missing.',
      }),
    );
  });

  it('opens the comment last sent from here, back on the task before the task carries it', () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    const sent = { needed: true, summaryRight: true, comment: 'Order number missing.' };
    renderWithTheme(
      <HandoffVerdict
        submit={submit}
        given={{ needed: true, summaryRight: true }}
        lastSend={{ status: 'saved', verdict: sent }}
        onSend={jest.fn()}
      />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Add a comment' }));
    expect(screen.getByLabelText('Comment')).toHaveValue('Order number missing.');
  });

  it("shows the Functions' message when the verdict is refused, and sends again when an answer changes", async () => {
    const submit = jest
      .fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>()
      .mockResolvedValueOnce({
        ok: false,
        error: { code: 'forbidden', message: 'Only the agent who has this task can do this', status: 403 },
      })
      .mockResolvedValueOnce({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} />);
    click('Handoff needed?', 'Yes');
    click('Summary right?', 'Yes');
    expect(await screen.findByText('Only the agent who has this task can do this')).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Add a comment' })).not.toBeInTheDocument();

    click('Summary right?', 'No');
    expect(await screen.findByText('Thanks, saved.')).toBeVisible();
    expect(submit).toHaveBeenLastCalledWith({ needed: true, summaryRight: false });
  });

  it('does not send a saved answer again when it is clicked again, but retries a refused one', async () => {
    const submit = jest
      .fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>()
      .mockResolvedValueOnce({ ok: false, error: { code: 'server_error', message: 'Twilio failed.', status: 500 } })
      .mockResolvedValue({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} />);
    click('Handoff needed?', 'Yes');
    click('Summary right?', 'Yes');
    expect(await screen.findByText('Twilio failed.')).toBeVisible();

    click('Summary right?', 'Yes');
    expect(await screen.findByText('Thanks, saved.')).toBeVisible();
    expect(submit).toHaveBeenCalledTimes(2);

    click('Summary right?', 'Yes');
    click('Handoff needed?', 'Yes');
    expect(submit).toHaveBeenCalledTimes(2);
    expect(screen.getByText('Thanks, saved.')).toBeVisible();
  });
});

describe('HandoffVerdict, half answered or refused', () => {
  it('says a verdict with one answer is not saved yet, and sends none', async () => {
    const submit = jest.fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>().mockResolvedValue({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} />);
    expect(screen.queryByText('Answer both questions to save your verdict.')).not.toBeInTheDocument();
    click('Handoff needed?', 'No');
    expect(screen.getByText('Answer both questions to save your verdict.')).toBeVisible();
    expect(submit).not.toHaveBeenCalled();
    click('Summary right?', 'Yes');
    expect(await screen.findByText('Thanks, saved.')).toBeVisible();
    expect(screen.queryByText('Answer both questions to save your verdict.')).not.toBeInTheDocument();
  });

  it('offers to send a refused verdict again, with the same answers', async () => {
    const submit = jest
      .fn<ReturnType<SubmitVerdict>, Parameters<SubmitVerdict>>()
      .mockResolvedValueOnce({ ok: false, error: { code: 'server_error', message: 'Twilio failed.', status: 500 } })
      .mockResolvedValue({ ok: true });
    renderWithTheme(<HandoffVerdict submit={submit} />);
    click('Handoff needed?', 'No');
    click('Summary right?', 'Yes');
    const tryAgain = await screen.findByRole('button', { name: 'Try again' });
    tryAgain.focus();
    fireEvent.click(tryAgain);

    // The link goes as the send starts: its focus goes to the first answer sent again, busy, not disabled.
    expect(tryAgain).not.toBeInTheDocument();
    const answer = question('Handoff needed?').getByRole('button', { name: 'No' });
    expect(answer).toHaveFocus();
    expect(answer).toHaveAttribute('aria-disabled', 'true');
    expect(await screen.findByText('Thanks, saved.')).toBeVisible();
    expect(answer).toHaveFocus();
    expect(submit).toHaveBeenCalledTimes(2);
    expect(submit.mock.calls[1]).toEqual(submit.mock.calls[0]);
    expect(submit.mock.calls[1][0]).toEqual({ needed: false, summaryRight: true });
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
  });
});

describe('HandoffPanel with the verdict', () => {
  it('asks for the verdict only when it can send one, starting from the one on the task', () => {
    const { unmount } = renderWithTheme(<HandoffPanel attributes={HANDOFF} />);
    expect(screen.queryByRole('group', { name: 'Your verdict on this handoff' })).not.toBeInTheDocument();
    unmount();

    renderWithTheme(
      <HandoffPanel
        attributes={{ ...HANDOFF, opencxVerdict: { needed: false, summaryRight: true, by: 'WK1', at: 'x' } }}
        submitVerdict={jest.fn()}
      />,
    );
    expect(screen.getByRole('group', { name: 'Your verdict on this handoff' })).toBeVisible();
    expect(question('Handoff needed?').getByRole('button', { name: 'No' })).toHaveAttribute('aria-pressed', 'true');
  });
});

describe('the task canvas panel', () => {
  it("asks the agent holding the task, and sends the verdict for that task with the agent's token", async () => {
    const giveVerdict = jest.fn().mockResolvedValue({ ok: true });
    const { manager } = fakeManager(['agent'], 'flex-token-7');
    const { unmount } = renderWithTheme(
      <AcceptedTaskHandoffPanel
        task={{ attributes: HANDOFF, taskSid: 'WT1', status: 'pending' }}
        manager={manager}
        client={{ handBack: jest.fn(), giveVerdict }}
      />,
    );
    expect(screen.queryByRole('group', { name: 'Your verdict on this handoff' })).not.toBeInTheDocument();
    unmount();

    renderWithTheme(
      <AcceptedTaskHandoffPanel
        task={{ attributes: HANDOFF, taskSid: 'WT1', status: 'wrapping' }}
        manager={manager}
        client={{ handBack: jest.fn(), giveVerdict }}
      />,
    );
    click('Handoff needed?', 'Yes');
    click('Summary right?', 'No');
    expect(await screen.findByText('Thanks, saved.')).toBeVisible();
    expect(giveVerdict).toHaveBeenCalledWith('flex-token-7', { taskSid: 'WT1', needed: true, summaryRight: false });
  });
});

import type { ConversationRecord, Handback } from './conversation-record';
import { decide, isOurMessage } from './decide';
import {
  decideHandback,
  handbackCutoff,
  handbackEnd,
  handbackCustomData,
  handbackNote,
  handbackTaskAttributes,
  instructionOf,
  isHandbackTask,
  transferCandidates,
  resumingHandback,
  routedHandbackTasks,
  STALE_HANDBACK_MS,
  untakenHandoff,
} from './handback';
import { parseConfig } from '../common/config';
import type { ConversationMessage } from '../common/twilio';
import { ACCOUNT, CONVERSATION, RESERVATION, SERVICE, WORKSPACE } from './fixtures.testing';

const HUMAN_TASK = 'WT000000000000000000000000000000f1';
const INVITED_TASK = 'WT000000000000000000000000000000a2';
const AI_WORKER = 'WK000000000000000000000000000000a1';
const AT = '2026-03-02T10:00:00.000Z';
const config = parseConfig({
  opencxToken: 't',
  workspaceSid: WORKSPACE,
  aiWorkerSid: AI_WORKER,
  conversationsServiceSid: SERVICE,
  aiAuthorName: 'AI',
})!;

const handback = (over: Partial<Handback> = {}): Handback => ({
  at: AT,
  agentSid: 'WK000000000000000000000000000000f1',
  agentName: 'Alice Agent',
  fromTaskSid: HUMAN_TASK,
  afterIndex: 7,
  previousSessionId: 'session-1',
  ...over,
});

const record = (phase: ConversationRecord['phase'], over: Partial<ConversationRecord> = {}): ConversationRecord => ({
  workspaceSid: WORKSPACE,
  taskSid: HUMAN_TASK,
  sessionId: 'session-1',
  phase,
  claimedAt: 0,
  ...over,
});

describe("decideHandback (what an agent's click does)", () => {
  const now = Date.parse(AT) + 1000;

  it.each(['human', 'handoff'] as const)('hands back a conversation humans hold (phase %s)', (phase) => {
    expect(decideHandback(record(phase), now, HUMAN_TASK)).toEqual({ step: 'hand-back', from: phase });
  });

  it('refuses a task the conversation has left: handed back before, or another agent holds the conversation', () => {
    const OTHER_TASK = 'WT000000000000000000000000000000b3';
    // Handed back from HUMAN_TASK, resumed, handed off again: the old task's holder clicks again.
    const again = { taskSid: OTHER_TASK, handback: handback() };
    const handedBackBefore = {
      step: 'refuse',
      reason: expect.stringContaining('This task handed the conversation back'),
    };
    expect(decideHandback(record('handoff', again), now, HUMAN_TASK)).toMatchObject(handedBackBefore);
    expect(decideHandback(record('human', again), now, HUMAN_TASK)).toMatchObject(handedBackBefore);
    // A transfer another agent accepted: only the task the record names may hand back.
    expect(decideHandback(record('human', { taskSid: OTHER_TASK }), now, HUMAN_TASK)).toMatchObject({
      step: 'refuse',
      reason: expect.stringContaining('Another task holds this conversation now'),
    });
    expect(decideHandback(record('human', again), now, OTHER_TASK)).toEqual({ step: 'hand-back', from: 'human' });
    // Accepted by invite, but the record has not caught up with the invited task yet; or a task whose
    // attributes an agent edited to name another customer's conversation, being handed off.
    expect(decideHandback(record('handoff', { taskSid: OTHER_TASK }), now, HUMAN_TASK)).toEqual({
      step: 'refuse',
      reason: expect.stringMatching(/^This conversation is still being handed to an agent under another task/),
    });
  });

  it('refuses a conversation the AI never handed off', () => {
    expect(decideHandback(undefined, now, HUMAN_TASK)).toMatchObject({ step: 'refuse' });
  });

  it('does nothing when the AI holds it already (a second click after the AI resumed)', () => {
    expect(decideHandback(record('ai'), now, HUMAN_TASK)).toEqual({
      step: 'already',
      reason: 'The AI already holds this conversation',
    });
    const theirs = record('ai', { handback: handback({ invitedTaskSid: INVITED_TASK }) });
    expect(decideHandback(theirs, now, HUMAN_TASK)).toMatchObject({ step: 'already' });
  });

  it("says a handback is under way while another click's invite is not known yet: it may have failed", () => {
    expect(decideHandback(record('handback', { handback: handback() }), now, HUMAN_TASK)).toMatchObject({
      step: 'in-progress',
    });
    // Only to the task that began it: another task is refused at once.
    expect(decideHandback(record('handback', { handback: handback() }), now, INVITED_TASK)).toMatchObject({
      step: 'refuse',
    });
  });

  it('does nothing once the invite of a handback is known', () => {
    expect(
      decideHandback(
        record('handback', { handback: handback({ invitedTaskSid: INVITED_TASK }) }),
        now + STALE_HANDBACK_MS,
        HUMAN_TASK,
      ),
    ).toMatchObject({
      step: 'already',
    });
  });

  it('invites again when a handback never reached TaskRouter (no invite after the stale time)', () => {
    const stale = handback();
    expect(
      decideHandback(record('handback', { handback: stale }), Date.parse(AT) + STALE_HANDBACK_MS, HUMAN_TASK),
    ).toEqual({
      step: 'invite-again',
      handback: stale,
    });
    // Another task (one whose attributes were edited to name this conversation) does not take it over.
    expect(
      decideHandback(record('handback', { handback: stale }), Date.parse(AT) + STALE_HANDBACK_MS, INVITED_TASK),
    ).toEqual({
      step: 'refuse',
      reason: 'Another task is handing this conversation back to the AI: wrap up and complete this task',
    });
  });

  it('counts the stale time from the latest click that invited again: a click just after waits', () => {
    const invitedAgain = handback({ invitedAt: new Date(Date.parse(AT) + 60_000).toISOString() });
    const decidedAt = (ms: number) =>
      decideHandback(record('handback', { handback: invitedAgain }), Date.parse(AT) + ms, HUMAN_TASK).step;
    expect(decidedAt(61_000)).toBe('in-progress');
    expect(decidedAt(60_000 + STALE_HANDBACK_MS)).toBe('invite-again');
  });
});

describe("routedHandbackTasks (a stale handback's earlier invites)", () => {
  const invited = (sid: string, assignmentStatus: string | null, attributes: Record<string, unknown>) => ({
    sid,
    assignmentStatus,
    attributes,
  });

  test("the task this handback's invite made, while TaskRouter still routes it", () => {
    for (const status of ['pending', 'reserved', 'assigned'])
      expect(routedHandbackTasks(handback(), [invited(INVITED_TASK, status, { opencxHandbackAt: AT })])).toEqual([
        INVITED_TASK,
      ]);
  });

  test('none when that task ended, or every invite is an earlier transfer or handback: invite again', () => {
    const earlier = invited('WT000000000000000000000000000000e1', 'pending', { opencxHandbackAt: '2026-03-01T09:00Z' });
    const transfer = invited('WT000000000000000000000000000000e2', 'assigned', { handedOff: true });
    expect(routedHandbackTasks(handback(), [earlier, transfer])).toEqual([]);
    for (const status of ['canceled', 'completed', 'wrapping', null])
      expect(routedHandbackTasks(handback(), [invited(INVITED_TASK, status, { opencxHandbackAt: AT })])).toEqual([]);
    expect(routedHandbackTasks(handback(), [])).toEqual([]);
  });
});

describe('transferCandidates (a hand-back waits until a transfer is accepted or canceled)', () => {
  const invited = (sid: string, assignmentStatus: string | null, attributes: Record<string, unknown> = {}) => ({
    sid,
    assignmentStatus,
    attributes,
  });
  const TRANSFER = 'WT000000000000000000000000000000e2';

  test('another task of the interaction that no agent has accepted yet may be one', () => {
    for (const status of ['pending', 'reserved'])
      expect(transferCandidates([invited(HUMAN_TASK, 'assigned'), invited(TRANSFER, status)], HUMAN_TASK)).toEqual([
        TRANSFER,
      ]);
    // Copied from a task that was handed back once: still a transfer.
    expect(transferCandidates([invited(TRANSFER, 'pending', { opencxHandbackAt: AT })], HUMAN_TASK)).toEqual([
      TRANSFER,
    ]);
  });

  test("not the caller's own task, or one accepted or ended", () => {
    expect(transferCandidates([invited(HUMAN_TASK, 'reserved')], HUMAN_TASK)).toEqual([]);
    for (const status of ['assigned', 'wrapping', 'completed', 'canceled', null])
      expect(transferCandidates([invited(TRANSFER, status)], HUMAN_TASK)).toEqual([]);
  });
});

describe('instructionOf', () => {
  it('trims, and treats empty or non-text as none', () => {
    expect(instructionOf('  Collect the address  ')).toBe('Collect the address');
    expect(instructionOf('   ')).toBeUndefined();
    expect(instructionOf(['a'])).toBeUndefined();
  });
});

describe("handbackTaskAttributes (the invite's task)", () => {
  it("keeps the human task's attributes, sets handedOff false, marks the handback and adds it to the history", () => {
    const attributes = {
      conversationSid: CONVERSATION,
      channelType: 'web',
      handedOff: true,
      handoffReason: 'AI requested human handoff',
      opencxHistory: [
        { to: 'ai', at: '2026-03-02T09:50:00.000Z' },
        { to: 'human', at: '2026-03-02T09:55:00.000Z', reason: 'AI requested human handoff' },
      ],
    };
    expect(handbackTaskAttributes(attributes, handback({ instruction: 'Collect the address' }))).toEqual({
      ...attributes,
      handedOff: false,
      opencxHandbackAt: AT,
      opencxHistory: [
        ...attributes.opencxHistory,
        { to: 'ai', at: AT, reason: 'Handed back by an agent', by: 'Alice Agent', instruction: 'Collect the address' },
      ],
    });
  });

  it("leaves the agent's verdict and the AI's decline on the human's task: the next handoff is judged", () => {
    const verdict = { needed: false, summaryRight: true, by: 'WKalice', at: '2026-03-02T09:58:00.000Z' };
    const invited = handbackTaskAttributes(
      { conversationSid: CONVERSATION, handedOff: true, opencxVerdict: verdict, opencxDeclined: true },
      handback({}),
    );
    expect(invited).not.toHaveProperty('opencxVerdict');
    expect(invited).not.toHaveProperty('opencxDeclined');
    expect(invited).toMatchObject({ conversationSid: CONVERSATION, handedOff: false });
  });
});

describe('the AI resumes on the invited task only', () => {
  const offer = (attributes: Record<string, unknown>, occurredAt?: number) =>
    decide(
      {
        surface: 'taskrouter',
        type: 'reservation.created',
        eventSid: 'EV1',
        accountSid: ACCOUNT,
        workspaceSid: WORKSPACE,
        taskSid: INVITED_TASK,
        reservationSid: RESERVATION,
        workerSid: AI_WORKER,
        occurredAt,
        taskAttributes: { conversationSid: CONVERSATION, channelType: 'web', handedOff: false, ...attributes },
      },
      { config, record: record('handback', { handback: handback() }) },
    );

  it("the task carrying this handback's marker resumes", () => {
    expect(offer({ opencxHandbackAt: AT })).toMatchObject({
      action: 'resume',
      conversationSid: CONVERSATION,
      taskSid: INVITED_TASK,
      reservationSid: RESERVATION,
    });
    // When TaskRouter offered it: events from before it (the human part's) do not take the AI's conversation.
    expect(offer({ opencxHandbackAt: AT }, 7_000)).toMatchObject({ action: 'resume', offeredAt: 7_000 });
    expect(isHandbackTask({ opencxHandbackAt: AT }, record('handback', { handback: handback() }))).toBe(true);
  });

  it('any other task of the conversation is declined while the handback is under way', () => {
    expect(offer({ opencxHandbackAt: '2026-01-01T00:00:00.000Z' })).toMatchObject({ action: 'decline' });
    expect(offer({})).toMatchObject({ action: 'decline' });
    expect(isHandbackTask({ opencxHandbackAt: AT }, record('ai', { handback: handback() }))).toBe(false);
  });

  it('the resumed session gets the handback for the invited task, not for a later one', () => {
    const resumed = record('ai', { taskSid: INVITED_TASK, handback: handback({ invitedTaskSid: INVITED_TASK }) });
    expect(resumingHandback(resumed, INVITED_TASK)).toEqual(resumed.handback);
    expect(resumingHandback(resumed, 'WT000000000000000000000000000000c3')).toBeUndefined();
    expect(resumingHandback(record('ai'), INVITED_TASK)).toBeUndefined();
  });
});

describe('handbackEnd (a task ending while the conversation is handed back)', () => {
  it("the human's task completing after wrap-up does not end the conversation once the invite is known", () => {
    expect(handbackEnd(handback({ invitedTaskSid: INVITED_TASK }), HUMAN_TASK, 'task.completed')).toBe('goes-on');
  });

  it("before the invite is known, the human's task completing ends it unless an invite routes it", () => {
    expect(handbackEnd(handback(), HUMAN_TASK, 'task.completed')).toBe('ends-unless-routed');
    expect(handbackEnd(handback(), HUMAN_TASK, 'task.deleted')).toBe('goes-on');
  });

  it('the invited task ending does', () => {
    expect(handbackEnd(handback({ invitedTaskSid: INVITED_TASK }), INVITED_TASK, 'task.canceled')).toBe('ends');
    expect(handbackEnd(handback(), INVITED_TASK, 'task.canceled')).toBe('ends-unless-routed');
  });

  it("before the invite is known, another task's cancellation ends it only if no invite routes it", () => {
    // An agent's pending transfer canceled, or a late event of an older task: the invited task goes on.
    expect(handbackEnd(handback(), 'WT000000000000000000000000000000c3', 'task.canceled')).toBe('ends-unless-routed');
  });

  it('before the invite is known, an old task completing does not', () => {
    expect(handbackEnd(handback(), 'WT000000000000000000000000000000c3', 'task.completed')).toBe('goes-on');
  });

  it('through decide: ignored for the human task, ended for the invited one, checked without an invite', () => {
    const ended = (taskSid: string, type: 'task.completed' | 'task.canceled', invitedTaskSid?: string) =>
      decide(
        {
          surface: 'taskrouter',
          type,
          eventSid: 'EV1',
          accountSid: ACCOUNT,
          workspaceSid: WORKSPACE,
          taskSid,
          taskAttributes: { conversationSid: CONVERSATION },
        },
        { config, record: record('handback', { handback: handback({ invitedTaskSid }) }) },
      );
    expect(ended(HUMAN_TASK, 'task.completed', INVITED_TASK).action).toBe('ignore');
    expect(ended(INVITED_TASK, 'task.canceled', INVITED_TASK)).toMatchObject({ action: 'end' });
    expect(ended(INVITED_TASK, 'task.canceled', INVITED_TASK)).not.toHaveProperty('unlessTransferred');
    expect(ended(HUMAN_TASK, 'task.completed')).toMatchObject({ action: 'end', unlessTransferred: true });
  });
});

describe('untakenHandoff (a handback no AI worker took)', () => {
  it('tells the next agent who handed back, that the AI could not take it, and the instruction', () => {
    expect(untakenHandoff(handback({ instruction: 'Confirm the refund' }), AT)).toEqual({
      reason: 'AI unavailable',
      summary:
        'Alice Agent handed this conversation back to the AI assistant, but no AI worker took it within 2 minutes ' +
        "(the AI workers are offline or at capacity). The customer's messages are in the conversation. " +
        "Alice Agent's instruction to the AI: Confirm the refund",
      at: AT,
      untakenHandbackAt: AT,
    });
    expect(untakenHandoff(handback(), AT).summary).not.toMatch(/instruction/);
  });
});

describe("what the AI's new session is told", () => {
  it('a note naming the agent, with the instruction when there is one', () => {
    expect(handbackNote(handback())).toBe(
      'A human agent (Alice Agent) handled part of this conversation in Twilio Flex and handed it back to you. ' +
        'Do not repeat what the agent already did.',
    );
    expect(handbackNote(handback({ instruction: 'Collect the shipping address, then close.' }))).toMatch(
      /\nThe agent's instruction: Collect the shipping address, then close\.$/,
    );
  });

  it('flat custom_data, without the keys it has no value for', () => {
    expect(handbackCustomData(handback({ instruction: 'Close' }))).toEqual({
      flex_handled_by_human: true,
      flex_handback_at: AT,
      flex_handback_agent_sid: 'WK000000000000000000000000000000f1',
      flex_handback_agent_name: 'Alice Agent',
      flex_handback_instruction: 'Close',
      flex_previous_session_id: 'session-1',
    });
    expect(Object.keys(handbackCustomData(handback({ previousSessionId: undefined })))).not.toContain(
      'flex_previous_session_id',
    );
  });
});

describe('handbackCutoff (where the resumed AI starts reading)', () => {
  const CUSTOMER = '+15550001234';
  const said = (index: number, author: string, over: Partial<ConversationMessage> = {}): ConversationMessage => ({
    sid: `IM${index}`,
    author,
    body: `message ${index}`,
    attributes: {},
    sentAt: index * 1000,
    index,
    hasMedia: false,
    participantSid: ['AI', 'system', 'bot'].includes(author) ? undefined : `MB${author}`,
    ...over,
  });
  const cutoff = (newestFirst: ConversationMessage[], customer: string | undefined) =>
    handbackCutoff(newestFirst, customer, (m) => isOurMessage(m, config));
  const note = (index: number) => said(index, 'AI', { attributes: { opencx: { role: 'handoff-note' } } });

  it("after the agent's newest message: what the customer wrote since reaches the AI", () => {
    const newestFirst = [said(9, CUSTOMER), said(8, CUSTOMER), said(7, 'alice'), said(6, CUSTOMER), note(5)];
    expect(cutoff(newestFirst, CUSTOMER)).toBe(7);
    // Another agent's (a transfer's) counts as well.
    expect(cutoff([said(9, CUSTOMER), said(8, 'bob'), note(5)], CUSTOMER)).toBe(8);
    // One posted by REST without a participant (an integration's survey, a queue message) answers
    // nobody; nor does a system message.
    expect(cutoff([said(9, CUSTOMER), said(8, 'bot'), said(7, 'alice'), note(5)], CUSTOMER)).toBe(7);
    expect(cutoff([said(9, CUSTOMER), said(8, 'system'), note(5)], CUSTOMER)).toBe(5);
  });

  it('after our handoff note when no agent wrote since', () => {
    expect(cutoff([said(9, CUSTOMER), note(8), said(7, 'AI'), said(6, CUSTOMER)], CUSTOMER)).toBe(8);
  });

  it("after our handoff note when the AI's last words followed it (OpenCX's own handoff came first)", () => {
    const answer = (index: number, session: string) =>
      said(index, 'AI', { attributes: { opencx: { role: 'ai', key: `ans_${session}_m${index}` } } });
    const noteOf = (index: number, session: string) =>
      said(index, 'AI', { attributes: { opencx: { role: 'handoff-note', sessionId: session } } });
    const lastWords = [said(9, CUSTOMER), said(8, CUSTOMER), answer(7, 's2'), noteOf(6, 's2'), said(5, CUSTOMER)];
    expect(cutoff(lastWords, CUSTOMER)).toBe(6);
    // An agent who wrote after them still counts first.
    expect(cutoff([said(10, CUSTOMER), said(9, 'alice'), ...lastWords.slice(1)], CUSTOMER)).toBe(9);
    // Not the note of an earlier handoff (this one's was not posted): the message it handed off on lies past it.
    const earlier = [said(9, CUSTOMER), answer(8, 's2'), said(7, CUSTOMER), answer(6, 's2'), noteOf(5, 's1')];
    expect(cutoff(earlier, CUSTOMER)).toBe(9);
    // Nor after an answer without our key (posted before answers carried one).
    expect(cutoff([said(9, CUSTOMER), said(8, 'AI'), noteOf(7, 's2')], CUSTOMER)).toBe(9);
  });

  it('never past an answer of ours (no note was posted): the message the AI handed off on, an earlier turn', () => {
    expect(cutoff([said(9, CUSTOMER), said(8, CUSTOMER), said(7, 'AI')], CUSTOMER)).toBe(9);
    // An agent of an earlier human part, before the AI answered again.
    expect(cutoff([said(9, CUSTOMER), said(8, CUSTOMER), said(7, 'AI'), said(6, 'alice')], CUSTOMER)).toBe(9);
    expect(cutoff([said(9, CUSTOMER), said(8, 'AI'), said(7, 'alice'), note(6)], CUSTOMER)).toBe(9);
    // Nor past our note that the AI was back.
    const back = said(7, 'AI', { attributes: { opencx: { role: 'handback-note' } } });
    expect(cutoff([said(9, CUSTOMER), said(8, 'AI'), back, note(6)], CUSTOMER)).toBe(9);
  });

  it("a customer's message dressed as our note is the customer's", () => {
    const dressed = said(8, CUSTOMER, { attributes: { opencx: { role: 'handoff-note' } } });
    expect(cutoff([said(9, CUSTOMER), dressed, note(5)], CUSTOMER)).toBe(5);
  });

  it("after the newest message when the customer's name is unknown, or the conversation is empty", () => {
    expect(cutoff([said(9, CUSTOMER), said(7, 'alice')], undefined)).toBe(9);
    expect(cutoff([], CUSTOMER)).toBe(-1);
  });
});

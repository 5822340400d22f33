import React, { useEffect, useRef } from 'react';
import type * as Flex from '@twilio/flex-ui';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Callout } from '@twilio-paste/core/callout';
import { Text } from '@twilio-paste/core/text';

import { type AgentClient, createAgentClient, type HandbackError, type HandbackResult } from '../api/agentClient';
import { HandbackControl, HandbackDone, type HandbackProgress } from '../components/HandbackControl';
import { HandoffHistory } from '../components/HandoffHistory';
import { type FunctionsClientOptions, functionsClient, FUNCTIONS_URL_SETTINGS } from '../config';
import { declinedUnheld, isHandedOff, isRoutableConversation, namesConversation } from '../domain/handoff';
import { type HistoryEntry, readHistory, readHistoryEntries } from '../domain/history';
import { format, strings } from '../strings';
import { type Followed, PerTask, useFollow } from './perTask';
import type { FeatureSetup } from './types';

/** What Flex passes the task canvas' children: `status` is the agent's reservation's. */
interface TaskProps {
  task?: { attributes?: unknown; taskSid?: string; status?: string };
}

export const showsHandback = (props: TaskProps): boolean =>
  isHandedOff(props.task?.attributes) || readHistory(props.task?.attributes).length > 0;

/** The agent holds the task (accepted, not yet in wrap-up) and the AI handed its conversation off: it can go back. */
export const canHandBack = (props: TaskProps): boolean =>
  isHandedOff(props.task?.attributes) &&
  isRoutableConversation(props.task?.attributes) &&
  !declinedUnheld(props.task?.attributes) &&
  props.task?.status === 'accepted' &&
  Boolean(props.task?.taskSid);

/**
 * Where each task's hand-back stands, by task SID. The agent may switch tasks while it is sent, and
 * the hand-back moves the task to wrap-up before it answers (the control goes with the accepted
 * reservation): its answer, a failure too, stays from here.
 */
/**
 * `under-way`: another click's hand-back is being sent; End chat asks again the next time, and is
 * warned as for the AI once it has been under way for longer than the Function gives a hand-back.
 */
type EndChatWarning = 'ai' | 'elsewhere' | 'under-way';

export class HandbackOutcomes implements Followed {
  private readonly byTask = new PerTask<HandbackProgress>();
  /** End chat was stopped, the agent not moved to wrap-up: who may answer the customer (the AI, or another agent). */
  private readonly warned = new PerTask<EndChatWarning>();
  /** End chat was pressed while the hand-back was on its way, and stopped: the agent is told why. */
  private readonly endChatHeld = new PerTask<boolean>();
  /** End chat asks the hand-back Function whether the AI has the conversation: the agent sees it is working. */
  private readonly endChatAsking = new PerTask<boolean>();
  /** A hand-back that may have worked, its failure since dismissed or replaced: End chat still asks. */
  private readonly maybeBack = new PerTask<boolean>();
  /** The instruction typed in a form still open, by task: an agent switching chats finds it again. */
  private readonly drafts = new PerTask<string>();
  /** End chat was run anyway after its warning. */
  private readonly forced = new PerTask<boolean>();
  /** When End chat was first told a hand-back is under way (epoch ms), until told otherwise. */
  private readonly underWaySince = new PerTask<number>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  draft(taskSid: string | undefined): string | undefined {
    return this.drafts.get(taskSid);
  }

  /** `undefined`: the form was closed or sent. */
  keepDraft(taskSid: string, instruction: string | undefined): void {
    this.drafts.set(taskSid, instruction);
  }

  /** Calls `listener` on each change of a hand-back, until the returned function is called. */
  subscribe(listener: () => void): () => void {
    const stopProgress = this.byTask.subscribe(listener);
    const stopWarned = this.warned.subscribe(listener);
    const stopHeld = this.endChatHeld.subscribe(listener);
    const stopAsking = this.endChatAsking.subscribe(listener);
    const stopForced = this.forced.subscribe(listener);
    return () => {
      stopProgress();
      stopWarned();
      stopHeld();
      stopAsking();
      stopForced();
    };
  }

  /** After a reload of Flex, what this tab kept: End chat stays guarded, an alarm stays raised. */
  get(taskSid: string | undefined): HandbackProgress | undefined {
    return this.byTask.get(taskSid) ?? rememberedProgress(taskSid);
  }

  /**
   * `undefined`: the agent dismissed the hand-back's failure. One that may have given the AI the
   * customer keeps End chat guarded though, whatever failure or dismissal comes after it.
   */
  set(taskSid: string, progress: HandbackProgress | undefined): void {
    const guarded = this.guardsEndChat(taskSid);
    this.byTask.set(taskSid, progress);
    remember(taskSid, progress);
    const settled = progress?.step === 'done' && progress.wrappedUp;
    const keepGuard = guarded && !settled && !(progress && mayBeHandedBack(progress));
    this.maybeBack.set(taskSid, keepGuard || undefined);
    remember(taskSid, keepGuard, GUARD_KEY);
    // A new hand-back (or none): End chat is guarded again.
    if (this.warned.get(taskSid)) this.warned.set(taskSid, undefined);
    if (this.endChatHeld.get(taskSid)) this.endChatHeld.set(taskSid, undefined);
    if (this.forced.get(taskSid)) this.forced.set(taskSid, undefined);
    // A new hand-back's "under way" counts from its own first answer, not an earlier one's.
    if (progress?.step === 'sending' && this.underWaySince.get(taskSid) !== undefined)
      this.underWaySince.set(taskSid, undefined);
  }

  /** End chat waits while the hand-back is sent. */
  holdEndChat(taskSid: string): void {
    this.endChatHeld.set(taskSid, true);
  }

  askingForEndChat(taskSid: string, asking: boolean): void {
    this.endChatAsking.set(taskSid, asking || undefined);
  }

  /** What End chat's wait says, if anything: checking with the Function, or waiting for the hand-back. */
  endChatStatus(taskSid: string | undefined): string | undefined {
    if (this.endChatWaits(taskSid)) return strings.handbackEndChatWaits;
    return this.endChatAsking.get(taskSid) ? strings.handbackEndChatChecking : undefined;
  }

  endChatWaits(taskSid: string | undefined): boolean {
    return this.endChatHeld.get(taskSid) === true && this.get(taskSid)?.step === 'sending';
  }

  /** The AI does not have the conversation (the Function said so): End chat is the agent's again. */
  forget(taskSid: string): void {
    this.set(taskSid, undefined);
    this.maybeBack.set(taskSid, undefined);
    remember(taskSid, false, GUARD_KEY);
  }

  /** A hand-back of the task may have given the AI the customer, and the agent is not in wrap-up for it. */
  guardsEndChat(taskSid: string | undefined): boolean {
    const progress = this.get(taskSid);
    return (
      (progress !== undefined && mayBeHandedBack(progress)) ||
      this.maybeBack.get(taskSid) === true ||
      remembered(taskSid, GUARD_KEY) === true
    );
  }

  /** End chat was stopped once, and the agent could not be moved to wrap-up: the next one goes on. */
  endChatWarned(taskSid: string | undefined): boolean {
    const warning = this.warned.get(taskSid);
    return warning === 'ai' || warning === 'elsewhere';
  }

  /** End chat went on after its warning: Flex closes the conversation, the AI's part too. */
  endChatForced(taskSid: string): void {
    this.forced.set(taskSid, true);
  }

  closedByEndChat(taskSid: string | undefined): boolean {
    return this.forced.get(taskSid) === true;
  }

  /** What the stopped End chat says: the AI may be answering, or another agent holds the conversation. */
  endChatWarning(taskSid: string | undefined): EndChatWarning | undefined {
    return this.warned.get(taskSid);
  }

  warnEndChat(taskSid: string, warning: EndChatWarning = 'ai'): void {
    if (warning !== 'under-way') this.underWaySince.set(taskSid, undefined);
    else if (this.underWaySince.get(taskSid) === undefined) this.underWaySince.set(taskSid, this.now());
    this.warned.set(taskSid, warning);
  }

  /** End chat has been told a hand-back is under way for longer than the Function gives one (15 s). */
  underWayTooLong(taskSid: string): boolean {
    const since = this.underWaySince.get(taskSid);
    return since !== undefined && this.now() - since > HANDBACK_UNDER_WAY_MS;
  }
}

/** The Function answers a hand-back in progress for 15 s (functions/bridge/handback.ts), then takes it for stuck. */
const HANDBACK_UNDER_WAY_MS = 15_000;

const MEMORY_KEY = 'opencx.handback.';
const GUARD_KEY = 'opencx.handback-guard.';

/** The tab's copy of a task's hand-back (Flex's session storage); none when the browser refuses it. */
function remember(taskSid: string, value: unknown, key = MEMORY_KEY): void {
  try {
    if (value) window.sessionStorage.setItem(key + taskSid, JSON.stringify(value));
    else window.sessionStorage.removeItem(key + taskSid);
  } catch {
    // Storage full or disabled: kept in memory only.
  }
}

function remembered(taskSid: string | undefined, key: string): unknown {
  try {
    return taskSid ? JSON.parse(window.sessionStorage.getItem(key + taskSid) ?? 'null') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The history the hand-back's answer gave, as the tab stored it: the agent's own task does not carry
 * the hand-back's entry, so without it the panel would lose it at a reload.
 */
function storedHistory(value: unknown): HistoryEntry[] {
  if (!Array.isArray(value)) return [];
  return readHistoryEntries(
    value.map((entry) => {
      const { holder, since, ...rest } = (entry ?? {}) as Record<string, unknown>;
      return { ...rest, to: holder, at: since };
    }),
  );
}

/** A hand-back this tab sent before a reload; one still on its way then lost its answer. */
function rememberedProgress(taskSid: string | undefined): HandbackProgress | undefined {
  const kept = remembered(taskSid, MEMORY_KEY);
  if (typeof kept !== 'object' || kept === null) return undefined;
  const progress = kept as Partial<Record<string, unknown>>;
  const instruction = typeof progress.instruction === 'string' ? progress.instruction : '';
  if (progress.step === 'done') {
    const history = storedHistory(progress.history);
    return {
      step: 'done',
      already: progress.already === true,
      wrappedUp: progress.wrappedUp === true,
      ...(progress.elsewhere === true && { elsewhere: true }),
      ...(history.length > 0 && { history }),
    };
  }
  if (progress.step === 'sending')
    return { step: 'failed', instruction, error: { code: 'answer_lost', message: strings.handbackUnanswered } };
  const error = progress.error as Partial<HandbackError> | undefined;
  if (progress.step !== 'failed' || typeof error?.code !== 'string' || typeof error.message !== 'string')
    return undefined;
  const status = typeof error.status === 'number' ? { status: error.status } : {};
  return {
    step: 'failed',
    instruction,
    error: { code: error.code, message: error.message, ...status },
    ...(progress.seen === true ? { seen: true } : {}),
  };
}

export function TaskHandback({
  task,
  flex,
  manager,
  outcomes,
}: TaskProps & {
  /** Absent without a Functions URL: nothing can be handed back. */
  flex?: typeof Flex;
  manager: Flex.Manager;
  outcomes: HandbackOutcomes;
}): JSX.Element {
  // The answer may come after the wrap-up that took the control away: show it when it does.
  useFollow(outcomes);
  const progress = outcomes.get(task?.taskSid);
  const endChatStatus = outcomes.endChatStatus(task?.taskSid);
  const endChatWarning = outcomes.endChatWarning(task?.taskSid);
  // Not moved to wrap-up by the hand-back, the agent ran End chat anyway: Flex closed the conversation.
  const closedByEndChat = progress?.step === 'done' && !progress.wrappedUp && outcomes.closedByEndChat(task?.taskSid);
  // The agent's task is not written again: the hand-back's answer says the AI holds the conversation now.
  const entries = (progress?.step === 'done' && progress.history) || readHistory(task?.attributes);
  const showsDone = !canHandBack({ task }) && progress?.step === 'done' && task?.status === 'wrapping';
  const done = useRef<HTMLDivElement>(null);
  const shown = useRef<{ taskSid?: string; done: boolean }>({ done: false });
  // The wrap-up took the control (and its focus) away around the answer: the confirmation takes focus,
  // unless the agent has moved on to something else meanwhile. Coming back to the task moves nothing.
  useEffect(() => {
    const before = shown.current;
    shown.current = { taskSid: task?.taskSid, done: showsDone };
    const focusLost = !document.activeElement || document.activeElement === document.body;
    if (showsDone && !before.done && before.taskSid === task?.taskSid && focusLost) done.current?.focus();
  }, [task?.taskSid, showsDone]);
  return (
    <Box
      flexShrink={0}
      paddingX="space50"
      paddingY="space40"
      display="flex"
      flexDirection="column"
      rowGap="space40"
      borderBottomStyle="solid"
      borderBottomWidth="borderWidth10"
      borderBottomColor="colorBorderWeak"
    >
      <Box>
        <HandoffHistory entries={entries} />
        {/* Mounted before its text: a live region that appears with its words is often not read out. */}
        <Box aria-live="polite">
          {endChatStatus ? (
            <Text as="p" marginTop="space40" color="colorTextWeak">
              {endChatStatus}
            </Text>
          ) : null}
        </Box>
      </Box>
      {endChatWarning && task?.status === 'accepted' ? (
        <Alert variant="warning">
          <Text as="span">
            {endChatWarning === 'elsewhere'
              ? strings.handbackEndChatHeldElsewhere
              : endChatWarning === 'under-way'
                ? strings.handbackEndChatUnderWay
                : strings.handbackEndChatWarning}
          </Text>
        </Alert>
      ) : null}
      {canHandBack({ task }) ? (
        flex ? (
          // One TaskCanvas serves every task: the key gives each task its own form.
          <HandbackControl
            key={task!.taskSid}
            client={handBackThroughAction(flex, task)}
            taskSid={task!.taskSid!}
            token={() => manager.user.token}
            progress={progress}
            onProgress={(next) => outcomes.set(task!.taskSid!, next)}
            draft={outcomes.draft(task?.taskSid)}
            onDraft={(instruction) => outcomes.keepDraft(task!.taskSid!, instruction)}
          />
        ) : (
          <Text as="p" color="colorTextWeak">
            {format(strings.handbackFunctionsUrlMissing, FUNCTIONS_URL_SETTINGS)}
          </Text>
        )
      ) : showsDone && progress?.step === 'done' && closedByEndChat ? (
        <Box role="status" ref={done} tabIndex={-1}>
          <Callout variant="warning">
            <Text as="span">{strings.handbackClosedByEndChat}</Text>
          </Callout>
        </Box>
      ) : showsDone && progress?.step === 'done' ? (
        // In wrap-up now, whoever moved the task there.
        <HandbackDone already={progress.already} elsewhere={progress.elsewhere} wrappedUp focusRef={done} />
      ) : progress?.step === 'sending' ? (
        <Text as="p" role="status" color="colorTextWeak">
          {strings.handbackSendingAfterAccept}
        </Text>
      ) : progress?.step === 'failed' && !progress.seen ? (
        // The agent wrapped up while it was sent: they must learn the AI may not have the customer, and
        // keep this in sight until the task is completed. Not a failure the form showed them: they
        // ended the chat themselves after it.
        <Alert
          variant="error"
          onDismiss={task?.status === 'wrapping' ? undefined : () => outcomes.set(task!.taskSid!, undefined)}
        >
          <Text as="p">{strings.handbackFailedAfterAccept}</Text>
          {/* Whether the AI may have the customer after all. Not the Functions' words: they may say to try again. */}
          <Text as="p" marginTop="space20">
            {mayHaveHappened(progress.error) ? strings.handbackWrapupUnconfirmed : strings.handbackWrapupRefused}
          </Text>
        </Alert>
      ) : null}
    </Box>
  );
}

/** The AI may have the customer, and the agent is not in wrap-up for it. */
const mayBeHandedBack = (progress: HandbackProgress): boolean =>
  (progress.step === 'done' && !progress.wrappedUp) || (progress.step === 'failed' && mayHaveHappened(progress.error));

/**
 * No answer came, the Functions failed in a way that may have routed it, a success came back
 * unreadable (a proxy's page), or another click's hand-back is under way or moved the agent to
 * wrap-up: the AI may have the customer.
 */
const mayHaveHappened = (error: HandbackError): boolean =>
  error.code !== CANCELED &&
  (error.status === undefined ||
    error.status >= 500 ||
    (error.code === 'unexpected_response' && error.status < 300) ||
    error.code === 'handback_in_progress' ||
    error.code === 'not_task_holder');

/**
 * The hand-back is a Flex action, so other plugins can listen before it (and cancel it) or after it,
 * or replace it: `Actions.addListener('beforeOpencxHandBackToAi', (payload, cancel) => …)`.
 */
export const HANDBACK_ACTION = 'OpencxHandBackToAi';

/**
 * The action's payload: what is handed back, the task (Flex's ITask) it is handed back from, and,
 * for listeners after it, the Functions' answer.
 */
export interface HandbackActionPayload {
  taskSid: string;
  instruction: string;
  task?: unknown;
  result?: HandbackResult;
  /** Which click this is: the answer is found by it even when a replacement passed on a copy. */
  invocation?: string;
}

/** Each click's hand-back while its invocation runs: `sent` once the Function is called, then its answer. */
const invocations = new Map<string, HandbackResult | 'waiting' | 'sent'>();
let invocationCount = 0;

const CANCELED = 'canceled';

const isResult = (value: unknown): value is HandbackResult =>
  typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';

/**
 * The client the control calls: the hand-back goes through Flex's action. Its result is the
 * Functions' answer, even when another plugin replaced the action with one that returns nothing, or
 * that throws after the answer came.
 */
function handBackThroughAction(flex: typeof Flex, task: unknown): Pick<AgentClient, 'handBack'> {
  return {
    handBack: async (_token, input): Promise<HandbackResult> => {
      invocationCount += 1;
      const invocation = `${input.taskSid}#${invocationCount}`;
      const payload: HandbackActionPayload = { ...input, task, invocation };
      invocations.set(invocation, 'waiting');
      const answer = (): HandbackResult | undefined => {
        const seen = invocations.get(invocation);
        return isResult(seen) ? seen : payload.result;
      };
      try {
        const result = await flex.Actions.invokeAction(HANDBACK_ACTION, payload);
        if (isResult(result)) return result;
        return answer() ?? { ok: false, error: { code: 'unexpected_response', message: strings.handbackUnanswered } };
      } catch {
        const known = answer();
        if (known) return known;
        // Sent, its answer lost in another plugin's replacement: it may have happened.
        if (invocations.get(invocation) === 'sent')
          return { ok: false, error: { code: 'unexpected_response', message: strings.handbackUnanswered } };
        // A listener before it canceled it (Flex rejects the invocation): nothing was sent.
        return { ok: false, error: { code: CANCELED, message: strings.handbackCanceled } };
      } finally {
        invocations.delete(invocation);
      }
    },
  };
}

/**
 * Flex's own wrap-up (End chat) closes the whole conversation, the AI's part of it too. On a task
 * handed back (or maybe) and not yet in wrap-up it is stopped while the hand-back is sent, and
 * otherwise the hand-back Function is asked to move only the agent to wrap-up. When the AI does not
 * have the conversation, End chat goes on; when the Function cannot move the agent, the agent is
 * told so, and End chat goes on the next time.
 */
function keepConversationForAi(
  flex: typeof Flex,
  manager: Flex.Manager,
  outcomes: HandbackOutcomes,
  client: Pick<AgentClient, 'handBack'> | undefined,
): void {
  // Flex waits for a listener's promise before it runs the action (or not, once aborted).
  flex.Actions.addListener('beforeWrapupTask', async (payload: TaskProps, abort) => {
    const taskSid = payload.task?.taskSid;
    if (!taskSid || !client) return;
    if (outcomes.get(taskSid)?.step === 'sending') {
      outcomes.holdEndChat(taskSid);
      return abort();
    }
    if (outcomes.endChatWarned(taskSid)) return outcomes.endChatForced(taskSid);
    // A task the AI handed off may have been handed back from another tab (or browser): the Function knows.
    // Not one that names no conversation (a call the AI declined), nor one the AI declined before ever holding
    // its conversation: nothing to ask. The Function needs no more than its conversation (the record names
    // the interaction), so neither does this.
    const guarded = outcomes.guardsEndChat(taskSid);
    const attributes = payload.task?.attributes;
    const mayBeAis = showsHandback(payload) && namesConversation(attributes) && !declinedUnheld(attributes);
    if (!guarded && !mayBeAis) return;
    const before = JSON.stringify(outcomes.get(taskSid) ?? null);
    outcomes.askingForEndChat(taskSid, true);
    const result = await client
      .handBack(manager.user.token, { taskSid, instruction: '', wrapupOnly: true })
      .finally(() => outcomes.askingForEndChat(taskSid, false));
    // The agent handed back while this was asked: the answer predates it. End chat waits for the
    // hand-back under way, and otherwise asks again the next time.
    const now = outcomes.get(taskSid);
    if (JSON.stringify(now ?? null) !== before) {
      if (now?.step === 'sending') outcomes.holdEndChat(taskSid);
      return abort();
    }
    // The AI does not have the conversation: Flex's End chat is the agent's to run.
    if (!result.ok && result.error.code === 'not_handed_off') return outcomes.forget(taskSid);
    // Nothing says this task was handed back but the Function, which could not be asked: as without the plugin.
    if (!guarded && !result.ok && result.error.code !== 'handback_in_progress') return;
    abort();
    if (result.ok && result.wrappedUp) {
      // The history the hand-back's answer gave stays: the agent's task does not carry its entry.
      const before = outcomes.get(taskSid);
      const history = before?.step === 'done' ? before.history : undefined;
      outcomes.set(taskSid, {
        step: 'done',
        already: true,
        wrappedUp: true,
        ...(result.heldByAnotherTask && { elsewhere: true }),
        ...(history && { history }),
      });
    } else if (!result.ok && result.error.code === 'handback_in_progress' && !outcomes.underWayTooLong(taskSid))
      outcomes.warnEndChat(taskSid, 'under-way');
    // Under way for longer than a hand-back takes (one stuck there): the warning that lets the next End chat through.
    else outcomes.warnEndChat(taskSid, result.ok && result.heldByAnotherTask ? 'elsewhere' : 'ai');
  });
}

/** Under the handoff panel: who held the conversation when, and "Hand back to AI" for the agent holding it. */
export function createHandbackSetup(options: FunctionsClientOptions<Pick<AgentClient, 'handBack'>> = {}): FeatureSetup {
  return (flex, manager) => {
    const { client } = functionsClient(manager.configuration, options, createAgentClient);
    if (client)
      flex.Actions.registerAction(HANDBACK_ACTION, async (payload: HandbackActionPayload) => {
        const { taskSid, instruction, invocation } = payload;
        // Only while its click waits: a replacement that returned before calling this leaves nothing behind.
        const note = (state: HandbackResult | 'sent') => {
          if (invocation && invocations.has(invocation)) invocations.set(invocation, state);
        };
        note('sent');
        payload.result = await client.handBack(manager.user.token, { taskSid, instruction });
        note(payload.result);
        return payload.result;
      });
    // One for the plugin's life: Flex renders the task canvas again for each task and each status change.
    const outcomes = new HandbackOutcomes();
    keepConversationForAi(flex, manager, outcomes, client);
    // Added after the handoff panel with the same sortOrder, so right under it: Flex keeps the order
    // of equal sort orders, and any higher one falls below the tabs on some Flex 2.x versions.
    flex.TaskCanvas.Content.add(
      <TaskHandback key="opencx-handback" flex={client ? flex : undefined} manager={manager} outcomes={outcomes} />,
      {
        sortOrder: 0,
        if: showsHandback,
      },
    );
  };
}

export const setupHandback: FeatureSetup = createHandbackSetup();

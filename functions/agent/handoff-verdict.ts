// The agent's verdict on a handoff, from the handoff panel: onto the task's attributes (Flex
// Insights), as a note on the OpenCX session (tuning the AI) and into the supervisors' insights.
// Only the worker who holds or held the task may give it. docs/admin-api.md.
import { randomUUID } from 'node:crypto';
import { recordInsight } from '../bridge/insights';
import { BridgeState } from '../bridge/state';
import { guardedApiUrl } from '../common/deployment-guard';
import { logEvent } from '../common/log';
import { OpenCxClient, OpenCxError } from '../common/opencx-client';
import { Deadline } from '../common/retry';
import { AdminError } from '../admin-lib/admin-error';
import { pluginEndpoint, syncServiceSid } from '../admin-lib/plugin-endpoint';
import { DECLINED_ATTRIBUTE } from '../common/task-attributes';
import {
  parseVerdictForm,
  VERDICT_ATTRIBUTE,
  verdictNote,
  verdictNoteKey,
  verdictOf,
  verdictOnTask,
} from '../admin-lib/verdict';

/** OpenCX gets at most this much of the request: the verdict is on the task whatever OpenCX does. */
const OPENCX_BUDGET_MS = 3000;
/** A verdict's note is claimed this long: the agent's retries come within minutes. */
const VERDICT_NOTE_TTL_SECONDS = 24 * 3600;
const CLAIM_RETURN_MS = 700;

/**
 * The handoff the agent judged, by the time its task carries: after a hand-back the conversation may
 * have been handed off again before the agent, still wrapping up, answers.
 */
function judgedHandoff(handoffTimestamp: unknown): { handoffAt?: string } {
  const time = typeof handoffTimestamp === 'string' ? Date.parse(handoffTimestamp) : Number.NaN;
  return Number.isNaN(time) ? {} : { handoffAt: new Date(time).toISOString() };
}

export const handler = pluginEndpoint({ name: 'handoff-verdict', taskHolder: true, heldBefore: true }, async (call) => {
  const form = parseVerdictForm(call.event);
  // Refused before anything is written: a deployed Function never sends the key to a simulator.
  const opencxApiUrl = guardedApiUrl(call.context, 'OPENCX_API_URL');
  const { config, task, workspaceSid } = call.held!;
  if (task.attributes.handedOff !== true)
    throw new AdminError(400, 'invalid_input', 'The AI did not hand this task off', 'taskSid');
  if (task.attributes[DECLINED_ATTRIBUTE] === true)
    throw new AdminError(
      400,
      'invalid_input',
      'The AI declined this task without handling it: there is no handoff to judge',
      'taskSid',
    );

  const verdict = verdictOf(form, call.caller.workerSid!, new Date());
  const sessionId = typeof task.attributes.opencxSessionId === 'string' ? task.attributes.opencxSessionId : undefined;
  const conversationSid = typeof task.attributes.conversationSid === 'string' ? task.attributes.conversationSid : '';
  const warn = (message: string, fields?: Record<string, unknown>) =>
    logEvent({ event: 'handoff-verdict', outcome: 'warning', taskSid: task.sid, reason: message, ...fields }, 'warn');
  const state = new BridgeState(call.twilio.sync, syncServiceSid(call.context));
  // The session was made for this task, or the conversation's record gives this task that session now
  // (a task an invite made, after an assigned AI task or a hand-back nobody took; one a transfer made).
  const heldForTask = async (owner: { conversationSid?: string; taskSid?: string } | undefined) => {
    if (!owner?.conversationSid) return false;
    if (owner.taskSid === task.sid) return true;
    // Remembered before sessions kept their task: the conversation the task names.
    if (owner.taskSid === undefined) return owner.conversationSid === conversationSid;
    const known = await state.conversation(owner.conversationSid);
    return !!known && known.record.sessionId === sessionId && known.record.taskSid === task.sid;
  };

  // Claims are given back on a budget of their own: a note that ran out of time is noted on the retry.
  const giveBack = () => new BridgeState(call.twilioWithin(CLAIM_RETURN_MS).sync, syncServiceSid(call.context));
  // The verdict the task had: once another is noted, noting it again (the agent changing back) is a new note.
  const earlier = verdictOnTask(task.attributes[VERDICT_ATTRIBUTE]);
  const noteOnOpencx = async (): Promise<'noted' | 'failed' | 'refused' | 'no-session'> => {
    if (!sessionId) return 'no-session';
    // The task's attributes are the agent's to edit: only a session the AI held for this task is noted.
    const held = await state
      .sessionOf(sessionId)
      .then(heldForTask)
      .catch((error: unknown) => {
        warn('could not read whose the OpenCX session is', { sessionId, error: String(error) });
        return 'unread' as const;
      });
    if (held === 'unread') return 'failed';
    if (!held) {
      warn('the task names an OpenCX session the AI did not hold for it; the verdict stays on the task', {
        sessionId,
      });
      return 'no-session';
    }
    // Sync failing: noted, at worst twice, rather than not at all.
    const claim = verdictNoteKey(task.sid, verdict);
    const claimedBy = randomUUID();
    if (!(await state.claimOnce(claim, VERDICT_NOTE_TTL_SECONDS, claimedBy).catch(() => true))) return 'noted';
    const opencx = new OpenCxClient({
      token: config.opencxToken,
      extraTokens: config.opencxExtraTokens,
      affinity: conversationSid,
      baseUrl: opencxApiUrl,
      attemptTimeoutMs: OPENCX_BUDGET_MS,
    });
    const { text, customData } = verdictNote(verdict);
    return opencx
      .sendAgentNote(sessionId, text, customData, new Deadline(Math.min(OPENCX_BUDGET_MS, call.deadline.remaining())))
      .then(async () => {
        const replaced = earlier && verdictNoteKey(task.sid, earlier);
        if (replaced && replaced !== claim)
          await giveBack()
            .release(replaced)
            .catch(() => undefined);
        return 'noted' as const;
      })
      .catch(async (error: unknown) => {
        warn('could not note the verdict on the OpenCX session', { sessionId, error: String(error) });
        await giveBack()
          .releaseOwn(claim, claimedBy)
          .catch(() => undefined);
        // Refused for good (a session closed when its task ended or a hand-back began another): sending
        // it again would be refused again.
        return error instanceof OpenCxError && !error.transient ? ('refused' as const) : ('failed' as const);
      });
  };
  // The task is the verdict's record: OpenCX and the insights hear of it only once it is there,
  // so a failed write the agent tries again adds no second note to the session.
  await call.twilio.taskrouter.mergeTaskAttributes(workspaceSid, task.sid, { [VERDICT_ATTRIBUTE]: verdict });
  const [opencx] = await Promise.all([
    noteOnOpencx(),
    recordInsight(
      { state, warn },
      {
        type: 'verdict',
        at: verdict.at,
        conversationSid,
        taskSid: task.sid,
        needed: verdict.needed,
        summaryRight: verdict.summaryRight,
        ...judgedHandoff(task.attributes.handoffTimestamp),
      },
    ),
  ]);
  Object.assign(call.trace, { opencx });
  return { verdict, opencx };
});

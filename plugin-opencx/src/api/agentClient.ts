// The agent-facing OpenCX Functions: handing the conversation of the task an agent holds back to
// the AI (functions/agent/handback.ts), and the agent's verdict on a handoff (functions/agent/handoff-verdict.ts).
import { type HistoryEntry, readHistoryEntries } from '../domain/history';
import { strings } from '../strings';
import {
  createFunctionsPost,
  type FunctionsError,
  type FunctionsRequestOptions,
  type UnansweredTexts,
} from './functionsRequest';

export type HandbackField = 'taskSid' | 'instruction';
export type HandbackError = FunctionsError<HandbackField>;

/**
 * `alreadyHandedBack`: another click (or another tab) handed it back first; nothing more happened.
 * `wrappedUp`: Flex moved the agent's task to wrap-up; false when the agent must do it.
 * `heldByAnotherTask`: End chat found another agent's task holding the conversation, not the AI.
 */
export type HandbackResult =
  | {
      ok: true;
      alreadyHandedBack: boolean;
      wrappedUp: boolean;
      history: HistoryEntry[];
      heldByAnotherTask?: boolean;
    }
  | { ok: false; error: HandbackError };

export interface VerdictInput {
  needed: boolean;
  summaryRight: boolean;
  /** Optional; at most 1,000 characters. */
  comment?: string;
}

/**
 * `opencxMissed`: the verdict is on the task, but OpenCX's session did not get its note (OpenCX failing):
 * the same verdict sent again notes it.
 */
export type VerdictResult = { ok: true; opencxMissed?: true } | { ok: false; error: FunctionsError<VerdictField> };
export type VerdictField = 'taskSid' | 'needed' | 'summaryRight' | 'comment';
/** Sends the verdict on one task (the feature binds the task and the agent's current token). */
export type SubmitVerdict = (input: VerdictInput) => Promise<VerdictResult>;

export interface AgentClient {
  /** `wrapupOnly`: Flex's End chat on a handed-back task; moves the agent to wrap-up, hands nothing back. */
  handBack(
    flexToken: string,
    input: { taskSid: string; instruction: string; wrapupOnly?: boolean },
  ): Promise<HandbackResult>;
  giveVerdict(flexToken: string, input: VerdictInput & { taskSid: string }): Promise<VerdictResult>;
}

const FIELDS: readonly HandbackField[] = ['taskSid', 'instruction'];
const VERDICT_FIELDS: readonly VerdictField[] = ['taskSid', 'needed', 'summaryRight', 'comment'];

// Not the admins' "check the Functions URL": agents cannot.
const AGENT_TEXTS: UnansweredTexts = {
  unreachable: strings.functionsUnanswered,
  unanswered: strings.functionsUnanswered,
};

export function createAgentClient(options: FunctionsRequestOptions): AgentClient {
  const post = createFunctionsPost(options, FIELDS, AGENT_TEXTS);
  const postVerdict = createFunctionsPost(options, VERDICT_FIELDS, AGENT_TEXTS);
  return {
    async handBack(flexToken, { taskSid, instruction, wrapupOnly }) {
      const fields: Record<string, string> = { Token: flexToken, taskSid };
      if (instruction.trim()) fields.instruction = instruction.trim();
      if (wrapupOnly) fields.wrapupOnly = 'true';
      const answer = await post('/agent/handback', fields);
      if (!answer.ok) return answer;
      return {
        ok: true,
        alreadyHandedBack: answer.body.alreadyHandedBack === true,
        wrappedUp: answer.body.wrapup === 'wrapup',
        history: readHistoryEntries(answer.body.history),
        ...(answer.body.heldByAnotherTask === true && { heldByAnotherTask: true }),
      };
    },

    async giveVerdict(flexToken, { taskSid, needed, summaryRight, comment }) {
      const fields: Record<string, string> = {
        Token: flexToken,
        taskSid,
        needed: String(needed),
        summaryRight: String(summaryRight),
      };
      if (comment?.trim()) fields.comment = comment.trim();
      const answer = await postVerdict('/agent/handoff-verdict', fields);
      if (!answer.ok) return answer;
      return answer.body.opencx === 'failed' ? { ok: true, opencxMissed: true } : { ok: true };
    },
  };
}

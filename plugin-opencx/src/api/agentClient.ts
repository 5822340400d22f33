// The agent-facing OpenCX Functions: handing the conversation of the task an agent holds back to
// the AI (functions/agent/handback.ts).
import { type HistoryEntry, readHistoryEntries } from '../domain/history';
import { createFunctionsPost, type FunctionsError, type FunctionsRequestOptions } from './functionsRequest';

export type HandbackField = 'taskSid' | 'instruction';
export type HandbackError = FunctionsError<HandbackField>;

/** `alreadyHandedBack`: another click (or another tab) handed it back first; nothing more happened. */
export type HandbackResult = { ok: true; alreadyHandedBack: boolean; history: HistoryEntry[] } | { ok: false; error: HandbackError };

export interface AgentClient {
  handBack(flexToken: string, input: { taskSid: string; instruction: string }): Promise<HandbackResult>;
}

const FIELDS: readonly HandbackField[] = ['taskSid', 'instruction'];

export function createAgentClient(options: FunctionsRequestOptions): AgentClient {
  const post = createFunctionsPost(options, FIELDS);
  return {
    async handBack(flexToken, { taskSid, instruction }) {
      const fields: Record<string, string> = { Token: flexToken, taskSid };
      if (instruction.trim()) fields.instruction = instruction.trim();
      const answer = await post('/agent/handback', fields);
      if (!answer.ok) return answer;
      return { ok: true, alreadyHandedBack: answer.body.alreadyHandedBack === true, history: readHistoryEntries(answer.body.history) };
    },
  };
}

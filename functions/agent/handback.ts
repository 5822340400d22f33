// An agent returns the conversation of the task they hold to the AI, with an optional instruction
// (actions/handback.ts does it). Only the worker holding the task may: the endpoint checks it.
import { AdminError, invalidInput } from '../admin-lib/admin-error';
import { pluginEndpoint, syncServiceSid } from '../admin-lib/plugin-endpoint';
import { handBack } from '../bridge/actions/handback';
import { instructionOf, MAX_INSTRUCTION_LENGTH } from '../bridge/handback';
import { BridgeState } from '../bridge/state';
import { logEvent } from '../common/log';
import { isConversationSid } from '../common/task-attributes';

/** For undoing a hand-back after a request (a hung timer or invite) used up the call's deadline. */
const UNDO_MS = 2000;

export const handler = pluginEndpoint(
  { name: 'handback', taskHolder: true },
  async ({ context, event, caller, twilio, twilioWithin, trace, held }) => {
    const { config, task, workspaceSid } = held!;
    const instruction = instructionOf(event.instruction);
    if (instruction && instruction.length > MAX_INSTRUCTION_LENGTH)
      throw invalidInput('instruction', `The instruction can be at most ${MAX_INSTRUCTION_LENGTH} characters`);
    const conversationSid = task.attributes.conversationSid;
    if (!isConversationSid(conversationSid)) {
      throw new AdminError(
        409,
        'not_handed_off',
        'Only a messaging conversation the OpenCX AI handed off can be handed back',
      );
    }
    trace.conversationSid = conversationSid;
    const worker = await twilio.taskrouter.fetchWorker(workspaceSid, caller.workerSid!);
    const agentName = String(worker?.attributes.full_name ?? '') || worker?.friendlyName || caller.identity;
    const result = await handBack(
      {
        conversationSid,
        task,
        workspaceSid,
        agent: { sid: caller.workerSid!, name: agentName },
        instruction,
        wrapupOnly: event.wrapupOnly === 'true',
      },
      {
        config,
        twilio,
        state: new BridgeState(twilio.sync, syncServiceSid(context)),
        lastStepState: () => new BridgeState(twilioWithin(UNDO_MS).sync, syncServiceSid(context)),
        now: () => new Date(),
        warn: (message, fields) =>
          logEvent({ event: 'handback', ...trace, outcome: 'warning', reason: message, ...fields }, 'warn'),
      },
    );
    trace.handback = result.outcome;
    switch (result.outcome) {
      case 'handed-back':
        return {
          handedBack: true,
          invitedTaskSid: result.invitedTaskSid ?? null,
          wrapup: result.wrapup,
          history: result.history,
        };
      case 'already':
        return {
          handedBack: false,
          alreadyHandedBack: true,
          message: result.reason,
          ...(result.wrapup ? { wrapup: result.wrapup } : {}),
          // Not the AI: the agent's panel must not say the AI has the customer.
          ...(result.elsewhere ? { heldByAnotherTask: true } : {}),
        };
      case 'refused':
        throw new AdminError(409, 'not_handed_off', result.reason);
      case 'in-progress':
        throw new AdminError(409, 'handback_in_progress', result.reason);
      case 'transfer-pending':
        throw new AdminError(409, 'transfer_pending', result.reason);
      case 'failed':
        throw new AdminError(
          502,
          'handback_failed',
          result.mayHaveHappened
            ? 'Flex did not confirm the handback; if the AI has not taken the conversation in a minute, try again'
            : 'Flex could not route the conversation back to the AI; you still hold it. Try again',
          undefined,
          result.reason,
        );
    }
  },
);

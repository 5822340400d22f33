import React, { useMemo } from 'react';
import type * as Flex from '@twilio/flex-ui';

import { type AgentClient, createAgentClient, type VerdictInput } from '../api/agentClient';
import { HandoffPanel } from '../components/HandoffPanel';
import type { VerdictDraft, VerdictSend } from '../components/HandoffVerdict';
import { type FunctionsClientOptions, functionsClient } from '../config';
import { isHandedOff } from '../domain/handoff';
import { PerTask, useFollow } from './perTask';
import type { FeatureSetup } from './types';

/** What Flex passes the task canvas's children: `status` and `workerSid` are the agent's reservation's. */
interface TaskProps {
  task?: { attributes?: unknown; taskSid?: string; status?: string; workerSid?: string };
}

/** What each task's verdict form leaves when the agent switches tasks: its unsent part, and its last send. */
export interface KeptVerdicts {
  drafts: PerTask<VerdictDraft>;
  sends: PerTask<VerdictSend>;
}

export const showsHandoff = (props: TaskProps): boolean => isHandedOff(props.task?.attributes);

/** The task's panel; once the agent holds the task, with their verdict sent to the Functions (when they are found). */
export function AcceptedTaskHandoffPanel({
  task,
  manager,
  client,
  kept,
}: TaskProps & { manager: Flex.Manager; client?: AgentClient; kept?: KeptVerdicts }): JSX.Element {
  // Only the agent holding the task can give a verdict: not while it is only offered.
  const taskSid = task?.status === 'accepted' || task?.status === 'wrapping' ? task.taskSid : undefined;
  const submitVerdict = useMemo(
    () =>
      client && taskSid
        ? (input: VerdictInput) => client.giveVerdict(manager.user.token, { taskSid, ...input })
        : undefined,
    [client, taskSid, manager],
  );
  // A send may be answered while the agent is on another task, or after they came back.
  useFollow(kept?.sends);
  const verdictKept =
    kept && taskSid
      ? {
          draft: kept.drafts.get(taskSid),
          onDraft: (draft?: VerdictDraft) => kept.drafts.set(taskSid, draft),
          lastSend: kept.sends.get(taskSid),
          onSend: (send: VerdictSend) => kept.sends.set(taskSid, send),
        }
      : undefined;
  // Flex keeps one TaskCanvas for every task: the key gives each task its own verdict state, and
  // what the agent left on a task is there again when they come back to it.
  return (
    <HandoffPanel
      key={task?.taskSid}
      attributes={task?.attributes}
      submitVerdict={submitVerdict}
      verdictKept={verdictKept}
      workerSid={task?.workerSid}
    />
  );
}

/**
 * The handoff context right under the task canvas header, voice and messaging alike, before and
 * after the agent accepts. Only on TaskCanvas: Flex renders IncomingTaskCanvas inside it (the
 * "incoming" tab of a pending task), so a panel there too would show twice.
 */
export function createHandoffPanelSetup(options: FunctionsClientOptions<AgentClient> = {}): FeatureSetup {
  return (flex, manager) => {
    const { client } = functionsClient(manager.configuration, options, createAgentClient);
    // One for the plugin's life, as the task canvas is rendered again for each task.
    const kept: KeptVerdicts = { drafts: new PerTask(), sends: new PerTask() };
    // Flex sorts the header first among equal sort orders (a stable sort, defaults before added
    // content), so 0 is "under the header" whatever else a Flex 2.x version puts after it.
    flex.TaskCanvas.Content.add(
      <AcceptedTaskHandoffPanel key="opencx-handoff-panel" manager={manager} client={client} kept={kept} />,
      { sortOrder: 0, if: showsHandoff },
    );
  };
}

export const setupHandoffPanel: FeatureSetup = createHandoffPanelSetup();

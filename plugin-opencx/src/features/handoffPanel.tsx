import React, { useMemo } from 'react';
import type * as Flex from '@twilio/flex-ui';

import { type AgentClient, createAgentClient, type VerdictInput } from '../api/agentClient';
import { HandoffPanel } from '../components/HandoffPanel';
import { functionsBaseUrl } from '../config';
import { isHandedOff } from '../domain/handoff';
import type { FeatureSetup } from './types';

/** What Flex passes the task canvases' children. */
interface TaskProps {
  task?: { attributes?: unknown; taskSid?: string; status?: string };
}

export const showsHandoff = (props: TaskProps): boolean => isHandedOff(props.task?.attributes);

function TaskHandoffPanel({ task }: TaskProps): JSX.Element {
  return <HandoffPanel attributes={task?.attributes} />;
}

/** The accepted task's panel, with the agent's verdict sent to the Functions (when their URL is set). */
export function AcceptedTaskHandoffPanel({ task, manager, client }: TaskProps & { manager: Flex.Manager; client?: AgentClient }): JSX.Element {
  // Only the agent holding the task can give a verdict: not while it is only offered.
  const taskSid = task?.status === 'accepted' || task?.status === 'wrapping' ? task.taskSid : undefined;
  const submitVerdict = useMemo(
    () => (client && taskSid ? (input: VerdictInput) => client.giveVerdict(manager.user.token, { taskSid, ...input }) : undefined),
    [client, taskSid, manager],
  );
  return <HandoffPanel attributes={task?.attributes} submitVerdict={submitVerdict} />;
}

const baseUrl = functionsBaseUrl();
const agentClient = baseUrl ? createAgentClient({ baseUrl }) : undefined;

/**
 * The handoff context at the top of the task canvas, voice and messaging alike, and on the
 * incoming-task canvas, so the agent reads it before accepting.
 */
export const setupHandoffPanel: FeatureSetup = (flex, manager) => {
  // TaskCanvas children are header (0), then tabs: 1 places the panel right under the header.
  flex.TaskCanvas.Content.add(<AcceptedTaskHandoffPanel key="opencx-handoff-panel" manager={manager} client={agentClient} />, { sortOrder: 1, if: showsHandoff });
  flex.IncomingTaskCanvas.Content.add(<TaskHandoffPanel key="opencx-handoff-incoming-panel" />, { if: showsHandoff });
};

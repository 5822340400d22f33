import React from 'react';
import type * as Flex from '@twilio/flex-ui';
import { Box } from '@twilio-paste/core/box';
import { Text } from '@twilio-paste/core/text';

import { type AgentClient, createAgentClient } from '../api/agentClient';
import { HandbackControl } from '../components/HandbackControl';
import { HandoffHistory } from '../components/HandoffHistory';
import { type FunctionsClientOptions, functionsClient, FUNCTIONS_URL_SETTINGS } from '../config';
import { isHandedOff } from '../domain/handoff';
import { readHistory } from '../domain/history';
import { format, strings } from '../strings';
import type { FeatureSetup } from './types';

/** What Flex passes the task canvas' children: `status` is the agent's reservation's. */
interface TaskProps {
  task?: { attributes?: unknown; taskSid?: string; status?: string };
}

export const showsHandback = (props: TaskProps): boolean =>
  isHandedOff(props.task?.attributes) || readHistory(props.task?.attributes).length > 0;

/** The agent holds the task (accepted, not yet in wrap-up) and the AI handed it off: it can go back. */
export const canHandBack = (props: TaskProps): boolean =>
  isHandedOff(props.task?.attributes) && props.task?.status === 'accepted' && Boolean(props.task?.taskSid);

export function TaskHandback({
  task,
  client,
  manager,
}: TaskProps & { client?: Pick<AgentClient, 'handBack'>; manager: Flex.Manager }): JSX.Element {
  const entries = readHistory(task?.attributes);
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
      <HandoffHistory entries={entries} />
      {canHandBack({ task }) ? (
        client ? (
          // One TaskCanvas serves every task: the key gives each task its own form.
          <HandbackControl
            key={task!.taskSid}
            client={client}
            taskSid={task!.taskSid!}
            token={() => manager.user.token}
          />
        ) : (
          <Text as="p" color="colorTextWeak">
            {format(strings.handbackFunctionsUrlMissing, FUNCTIONS_URL_SETTINGS)}
          </Text>
        )
      ) : null}
    </Box>
  );
}

/** Under the handoff panel: who held the conversation when, and "Hand back to AI" for the agent holding it. */
export function createHandbackSetup(options: FunctionsClientOptions<Pick<AgentClient, 'handBack'>> = {}): FeatureSetup {
  return (flex, manager) => {
    const { client } = functionsClient(manager.configuration, options, createAgentClient);
    // Added after the handoff panel with the same sortOrder, so right under it: Flex keeps the order
    // of equal sort orders, and any higher one falls below the tabs on some Flex 2.x versions.
    flex.TaskCanvas.Content.add(<TaskHandback key="opencx-handback" client={client} manager={manager} />, {
      sortOrder: 0,
      if: showsHandback,
    });
  };
}

export const setupHandback: FeatureSetup = createHandbackSetup();

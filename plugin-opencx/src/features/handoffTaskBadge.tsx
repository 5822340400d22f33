import React from 'react';
import type * as Flex from '@twilio/flex-ui';

import { HandoffSecondLine } from '../components/HandoffSecondLine';
import { useNow } from '../components/useNow';
import { showsHandoff } from './handoffPanel';
import type { FeatureSetup } from './types';

/** What Flex passes TaskListItem's content (`TaskListItemChildrenProps`, which the package root does not export). */
type TaskListItemProps = React.ComponentProps<typeof Flex.TaskListBaseItem>;

/**
 * "AI handoff" on handed-off tasks in the task list, inside the task's card: on its second line,
 * before the status Flex shows there. The card is TaskListItem's only child, so content added to
 * TaskListItem would be a row of its own outside the card; a wrapper passes the card `secondLine`.
 */
/** How often Flex's card builds its status line again: it starts with a running timer ("2:05 | …"). */
const STATUS_TICK_MS = 1000;

/**
 * Flex's status line, built again every tick as Flex's own card does: passed in as `secondLine`, it
 * is not rebuilt when the card re-renders on its tick, and the timer would stand still.
 */
function TaskStatus({
  flex,
  task,
  templates,
}: {
  flex: typeof Flex;
  task: NonNullable<TaskListItemProps['task']>;
  templates: Parameters<typeof Flex.TaskChannelHelper.getTemplateForStatus>[1];
}): JSX.Element {
  useNow(undefined, STATUS_TICK_MS);
  return (
    <flex.Template
      code={flex.TaskChannelHelper.getTemplateForStatus(task, templates, flex.TaskListItem)}
      task={task}
      helper={new flex.TaskHelper(task)}
    />
  );
}

export const setupHandoffTaskBadge: FeatureSetup = (flex) => {
  flex.TaskListItem.Content.addWrapper((TaskListItem) => (props: TaskListItemProps) => {
    const { task, secondLine } = props;
    if (!task || !showsHandoff(props)) return <TaskListItem {...props} />;
    // The status Flex shows on the second line when nothing replaces it.
    const statusTemplates = props.channelDefinition?.templates?.TaskListItem?.secondLine;
    const status = statusTemplates && <TaskStatus flex={flex} task={task} templates={statusTemplates} />;
    return (
      <TaskListItem
        {...props}
        secondLine={<HandoffSecondLine attributes={task.attributes}>{secondLine ?? status}</HandoffSecondLine>}
      />
    );
  });
};

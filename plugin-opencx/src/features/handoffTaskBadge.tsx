import React from 'react';
import type * as Flex from '@twilio/flex-ui';

import { HandoffSecondLine } from '../components/HandoffSecondLine';
import { showsHandoff } from './handoffPanel';
import type { FeatureSetup } from './types';

/** What Flex passes TaskListItem's content (`TaskListItemChildrenProps`, which the package root does not export). */
type TaskListItemProps = React.ComponentProps<typeof Flex.TaskListBaseItem>;

/**
 * "AI handoff" on handed-off tasks in the task list, inside the task's card: on its second line,
 * before the status Flex shows there. The card is TaskListItem's only child, so content added to
 * TaskListItem would be a row of its own outside the card; a wrapper passes the card `secondLine`.
 */
export const setupHandoffTaskBadge: FeatureSetup = (flex) => {
  flex.TaskListItem.Content.addWrapper((TaskListItem) => (props: TaskListItemProps) => {
    const { task, secondLine } = props;
    if (!task || !showsHandoff(props)) return <TaskListItem {...props} />;
    // The status Flex shows on the second line when nothing replaces it.
    const statusTemplates = props.channelDefinition?.templates?.TaskListItem?.secondLine;
    const status = statusTemplates && (
      <flex.Template
        code={flex.TaskChannelHelper.getTemplateForStatus(task, statusTemplates, flex.TaskListItem)}
        task={task}
        helper={new flex.TaskHelper(task)}
      />
    );
    return (
      <TaskListItem
        {...props}
        secondLine={<HandoffSecondLine attributes={task.attributes}>{secondLine ?? status}</HandoffSecondLine>}
      />
    );
  });
};

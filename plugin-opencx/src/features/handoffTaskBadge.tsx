import React from 'react';

import { HandoffTaskBadge } from '../components/HandoffTaskBadge';
import { showsHandoff } from './handoffPanel';
import type { FeatureSetup } from './types';

function TaskListHandoffBadge({ task }: { task?: { attributes?: unknown } }): JSX.Element {
  return <HandoffTaskBadge attributes={task?.attributes} />;
}

/** "AI handoff" on handed-off tasks in the task list. */
export const setupHandoffTaskBadge: FeatureSetup = (flex) => {
  flex.TaskListItem.Content.add(<TaskListHandoffBadge key="opencx-handoff-badge" />, { if: showsHandoff });
};

import React from 'react';

import { HandoffPanel } from '../components/HandoffPanel';
import { isHandedOff } from '../domain/handoff';
import type { FeatureSetup } from './types';

/** What Flex passes the task canvases' children. */
interface TaskProps {
  task?: { attributes?: unknown };
}

export const showsHandoff = (props: TaskProps): boolean => isHandedOff(props.task?.attributes);

function TaskHandoffPanel({ task }: TaskProps): JSX.Element {
  return <HandoffPanel attributes={task?.attributes} />;
}

/**
 * The handoff context at the top of the task canvas, voice and messaging alike, and on the
 * incoming-task canvas, so the agent reads it before accepting.
 */
export const setupHandoffPanel: FeatureSetup = (flex) => {
  // TaskCanvas children are header (0), then tabs: 1 places the panel right under the header.
  flex.TaskCanvas.Content.add(<TaskHandoffPanel key="opencx-handoff-panel" />, { sortOrder: 1, if: showsHandoff });
  flex.IncomingTaskCanvas.Content.add(<TaskHandoffPanel key="opencx-handoff-incoming-panel" />, { if: showsHandoff });
};

// A page showing the plugin's agent and admin UI outside Flex, for the real-browser test and
// its screenshots. The settings view talks to the real Functions named in window.GALLERY. The
// "Flex layout" section imitates Flex's task list card and task canvas (header, OpenCX panel,
// tabs) with plain boxes: it is not Flex, it shows where the plugin's pieces sit in it.
// With `?view=insights` it shows the supervisors' insights view alone, calling this page's origin.
import React from 'react';
import ReactDOM from 'react-dom';
import { Box } from '@twilio-paste/core/box';
import { Heading } from '@twilio-paste/core/heading';
import { Stack } from '@twilio-paste/core/stack';
import { Text } from '@twilio-paste/core/text';
import { Theme } from '@twilio-paste/core/theme';

import { createInsightsClient } from '../src/api/insightsClient';
import { createSettingsClient } from '../src/api/settingsClient';
import { HandoffPanel } from '../src/components/HandoffPanel';
import { HandoffSecondLine } from '../src/components/HandoffSecondLine';
import { HandoffTaskBadge } from '../src/components/HandoffTaskBadge';
import { HandoffVerdict } from '../src/components/HandoffVerdict';
import { InsightsView } from '../src/components/InsightsView';
import { OpencxMessageBadge } from '../src/components/OpencxMessageBadge';
import { SettingsView } from '../src/components/SettingsView';

interface GalleryConfig {
  functionsUrl: string;
  token: string;
  workspaceSid: string;
  conversationsServiceSid: string;
  now: string;
  tasks: { id: string; title: string; attributes: unknown }[];
}

const config = (window as unknown as { GALLERY: GalleryConfig }).GALLERY;
const now = new Date(config.now);

/** Flex's task list card (about 240 px wide): icon, customer, and the second line where the plugin puts its badge. */
function TaskListCardLayout({ attributes }: { attributes: unknown }): JSX.Element {
  return (
    <Box data-testid="task-card" display="flex" columnGap="space30" padding="space30" backgroundColor="colorBackgroundPrimaryWeakest" borderLeftStyle="solid" borderLeftWidth="borderWidth30" borderLeftColor="colorBorderPrimary">
      <Box width="sizeSquare70" height="sizeSquare70" borderRadius="borderRadiusCircle" backgroundColor="colorBackgroundPrimary" flexShrink={0} />
      <Box minWidth="0">
        <Text as="div" fontWeight="fontWeightSemibold">Lena Vogel</Text>
        <Box data-testid="task-card-second-line" color="colorTextWeak" fontSize="fontSize20">
          <HandoffSecondLine attributes={attributes}>Live chat | 05:12</HandoffSecondLine>
        </Box>
      </Box>
    </Box>
  );
}

/** Flex's task canvas: header, then the plugin's panel (sortOrder 0), then the tabs. */
function TaskCanvasLayout({ attributes }: { attributes: unknown }): JSX.Element {
  return (
    <Box data-testid="task-canvas" borderStyle="solid" borderWidth="borderWidth10" borderColor="colorBorderWeak" backgroundColor="colorBackgroundBody">
      <Box data-testid="task-canvas-header" display="flex" alignItems="center" columnGap="space30" padding="space40" borderBottomStyle="solid" borderBottomWidth="borderWidth10" borderBottomColor="colorBorderWeak">
        <Box width="sizeSquare80" height="sizeSquare80" borderRadius="borderRadiusCircle" backgroundColor="colorBackgroundPrimary" />
        <Box>
          <Heading as="h3" variant="heading40" marginBottom="space0">Lena Vogel</Heading>
          <Text as="div" color="colorTextWeak" fontSize="fontSize20">Web chat | Support</Text>
        </Box>
      </Box>
      <HandoffPanel attributes={attributes} now={now} locale="en-US" />
      <Box data-testid="task-canvas-tabs" display="flex" columnGap="space70" paddingX="space40" paddingTop="space40" borderBottomStyle="solid" borderBottomWidth="borderWidth10" borderBottomColor="colorBorderWeak">
        <Box paddingBottom="space30" borderBottomStyle="solid" borderBottomWidth="borderWidth20" borderBottomColor="colorBorderPrimary">
          <Text as="span" fontWeight="fontWeightSemibold" color="colorTextLink">Chat</Text>
        </Box>
        <Text as="span" color="colorTextWeak">Info</Text>
      </Box>
      <Box padding="space40" minHeight="size10">
        <Text as="p" color="colorTextWeak">The conversation</Text>
      </Box>
    </Box>
  );
}

function Gallery(): JSX.Element {
  return (
    <Theme.Provider theme="flex">
      <Box padding="space60" backgroundColor="colorBackgroundBody" display="flex" flexWrap="wrap" columnGap="space80" rowGap="space80" alignItems="flex-start">
        <Box width="100%" data-testid="flex-layout" display="flex" alignItems="flex-start" maxWidth="size80">
          <Box width="240px" flexShrink={0} borderStyle="solid" borderWidth="borderWidth10" borderColor="colorBorderWeak" borderRightWidth="borderWidth0">
            <TaskListCardLayout attributes={config.tasks[0].attributes} />
          </Box>
          <Box flexGrow={1}>
            <TaskCanvasLayout attributes={config.tasks[0].attributes} />
          </Box>
        </Box>
        <Box width="420px" data-testid="agent-view">
          <Stack orientation="vertical" spacing="space60">
            <Heading as="h2" variant="heading30">Agent view</Heading>
            {config.tasks.map((task) => (
              <Box key={task.id} data-testid={`task-${task.id}`} borderStyle="solid" borderWidth="borderWidth10" borderColor="colorBorderWeak" borderRadius="borderRadius30" padding="space40" backgroundColor="colorBackgroundBody">
                <Box display="flex" justifyContent="space-between" alignItems="center" marginBottom="space30">
                  <Heading as="h3" variant="heading50" marginBottom="space0">{task.title}</Heading>
                  <HandoffTaskBadge attributes={task.attributes} />
                </Box>
                <HandoffPanel attributes={task.attributes} now={now} locale="en-US" />
              </Box>
            ))}
            <Box data-testid="verdict">
              {/* A verdict whose send never answers: it stays "Saving…" for the browser test. */}
              <HandoffVerdict submit={() => new Promise(() => undefined)} />
            </Box>
            <Box data-testid="message-badges" display="flex" columnGap="space30">
              <OpencxMessageBadge role="ai" />
              <OpencxMessageBadge role="handoff-note" />
            </Box>
          </Stack>
        </Box>
        <Box width="520px" data-testid="admin-view">
          <SettingsView
            client={createSettingsClient({ baseUrl: config.functionsUrl })}
            token={config.token}
            flexResources={{ workspaceSid: config.workspaceSid, conversationsServiceSid: config.conversationsServiceSid }}
          />
        </Box>
      </Box>
    </Theme.Provider>
  );
}

function SupervisorGallery(): JSX.Element {
  return (
    <Theme.Provider theme="flex">
      <Box backgroundColor="colorBackgroundBody" width="1040px" data-testid="supervisor-view">
        <InsightsView client={createInsightsClient({ baseUrl: window.location.origin })} token={config.token} locale="en-US" />
      </Box>
    </Theme.Provider>
  );
}

const view = new URLSearchParams(window.location.search).get('view');
ReactDOM.render(view === 'insights' ? <SupervisorGallery /> : <Gallery />, document.getElementById('root'));

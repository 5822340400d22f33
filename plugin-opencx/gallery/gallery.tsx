// A page showing the plugin's agent and admin UI outside Flex, for the real-browser test and
// its screenshots. The settings view talks to the real Functions named in window.GALLERY.
// With `?view=insights` it shows the supervisors' insights view alone, calling this page's origin.
import React from 'react';
import ReactDOM from 'react-dom';
import { Box } from '@twilio-paste/core/box';
import { Heading } from '@twilio-paste/core/heading';
import { Stack } from '@twilio-paste/core/stack';
import { Theme } from '@twilio-paste/core/theme';

import { createInsightsClient } from '../src/api/insightsClient';
import { createSettingsClient } from '../src/api/settingsClient';
import { HandoffPanel } from '../src/components/HandoffPanel';
import { HandoffTaskBadge } from '../src/components/HandoffTaskBadge';
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

function Gallery(): JSX.Element {
  return (
    <Theme.Provider theme="flex">
      <Box padding="space60" backgroundColor="colorBackgroundBody" display="flex" columnGap="space80" alignItems="flex-start">
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

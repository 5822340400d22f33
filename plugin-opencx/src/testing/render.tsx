// Test helpers (not part of the bundle: nothing in src/index imports them).
import React from 'react';
import { render, type RenderResult, screen } from '@testing-library/react';
import { Theme } from '@twilio-paste/core/theme';

import type { OpencxSettings, WorkflowRouting } from '../api/settingsClient';
import { SettingsView } from '../components/SettingsView';
import { FLEX_SERVICE_SID, WORKSPACE_SID } from './fakeFlex';
import { fakeSettingsClient, SAVED_SETTINGS } from './fakeSettingsClient';

/** Renders inside the Flex Paste theme, as Flex does once the plugin has set its provider. */
export function renderWithTheme(ui: React.ReactElement): RenderResult {
  return render(ui, { wrapper: ({ children }) => <Theme.Provider theme="flex">{children}</Theme.Provider> });
}

/** The Flex account's resources the settings view gets from Flex. */
export const FLEX_RESOURCES = { workspaceSid: WORKSPACE_SID, conversationsServiceSid: FLEX_SERVICE_SID };

/** The settings view with these settings (and workflows) loaded; resolves once its form is shown. */
export async function renderSettingsView(
  settings: OpencxSettings = SAVED_SETTINGS,
  routing: WorkflowRouting | null = null,
) {
  const client = fakeSettingsClient({ ok: true, settings, routing });
  renderWithTheme(<SettingsView client={client} token="flex-token" flexResources={FLEX_RESOURCES} />);
  await screen.findByRole('button', { name: 'Test & Save' });
  return client;
}

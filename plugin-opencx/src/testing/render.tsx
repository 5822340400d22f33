// Test helpers (not part of the bundle: nothing in src/index imports them).
import React from 'react';
import { fireEvent, render, type RenderResult, screen } from '@testing-library/react';
import { Theme } from '@twilio-paste/core/theme';

import type { OpencxSettings, WorkflowRouting } from '../api/settingsClient';
import { SettingsView } from '../components/SettingsView';
import { FLEX_SERVICE_SID, WORKSPACE_SID } from './fakeFlex';
import { type FakeSettingsClient, fakeSettingsClient, SAVED_SETTINGS } from './fakeSettingsClient';

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

/**
 * Test & Save, answered as stale (another admin saved since the form's revision): the view says so.
 * `sent`: what the save must have carried, its revision included.
 */
export async function saveRefusedAsStale(client: FakeSettingsClient, sent: Record<string, unknown>): Promise<void> {
  client.save.mockResolvedValueOnce({
    ok: false,
    error: { code: 'settings_changed', message: 'The settings were changed since you opened them', status: 409 },
  });
  fireEvent.click(screen.getByRole('button', { name: 'Test & Save' }));
  expect(await screen.findByText(/Settings not saved: they were changed since you opened them/)).toBeVisible();
  expect(client.save).toHaveBeenCalledWith('flex-token', expect.objectContaining(sent));
}

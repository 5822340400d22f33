// Test helpers (not part of the bundle: nothing in src/index imports them).
import React from 'react';
import { render, type RenderResult } from '@testing-library/react';
import { Theme } from '@twilio-paste/core/theme';

/** Renders inside the Flex Paste theme, as Flex does once the plugin has set its provider. */
export function renderWithTheme(ui: React.ReactElement): RenderResult {
  return render(ui, { wrapper: ({ children }) => <Theme.Provider theme="flex">{children}</Theme.Provider> });
}

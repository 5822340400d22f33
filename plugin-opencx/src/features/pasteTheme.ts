import { CustomizationProvider } from '@twilio-paste/core/customization';

import type { FeatureSetup } from './types';

/**
 * The plugin bundles its own Paste (and emotion), whose theme context Flex's provider does not
 * fill; handing Flex our CustomizationProvider makes Flex wrap its root in it with the Flex theme.
 */
export const setupPasteTheme: FeatureSetup = (flex) => {
  flex.setProviders({ PasteThemeProvider: CustomizationProvider });
};

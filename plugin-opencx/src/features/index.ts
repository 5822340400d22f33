import { setupHandback } from './handback';
import { setupHandoffPanel } from './handoffPanel';
import { setupHandoffTaskBadge } from './handoffTaskBadge';
import { setupInsightsView } from './insightsView';
import { setupOpencxMessageBadges } from './messageBadges';
import { setupPasteTheme } from './pasteTheme';
import { setupSettingsView } from './settingsView';
import type { FeatureSetup } from './types';

export type { FeatureSetup } from './types';

/** Feature setups, run in this order by OpencxPlugin.init. */
export const features: readonly FeatureSetup[] = [
  setupPasteTheme,
  setupHandoffPanel,
  setupHandback,
  setupHandoffTaskBadge,
  setupOpencxMessageBadges,
  setupSettingsView,
  setupInsightsView,
];

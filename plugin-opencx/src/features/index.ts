import type { FeatureSetup } from './types';

export type { FeatureSetup } from './types';

/** Feature setups, run in this order by OpencxPlugin.init. */
export const features: readonly FeatureSetup[] = [];

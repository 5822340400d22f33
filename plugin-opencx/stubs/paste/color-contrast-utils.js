// Stands in for @twilio-paste/color-contrast-utils in the bundle (see webpack.config.js): Paste's
// theme imports it only for useThemeContrastCheck, a design-time hook the plugin never calls.
// A Paste update that imports anything else from it fails the build (strictExportPresence).
export const getContrastRatingsOfTokensWithTextContrastRequirements = () => [];
export const getContrastRatingsOfTokensWithUIControlContrastRequirements = () => [];
export const getNumberOfTextFailures = () => 0;
export const getNumberOfUIControlFailures = () => 0;

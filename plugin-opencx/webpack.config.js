/**
 * flex-plugin build passes its webpack config through this function. It trims five parts of
 * Paste 15 that the plugin bundles but never uses or can do without, about 53 KB of the gzipped bundle:
 * - @twilio-paste/theme builds every Paste theme when imported. Flex hands our
 *   CustomizationProvider the default or dark base only, so the other four token sets become
 *   the default set (same exports, already in the bundle).
 * - @twilio-paste/style-props reads the raw token dump only to list deprecated tokens for
 *   console warnings; color-contrast-utils reads it in a design-time hook we never call.
 * - @twilio-paste/color-contrast-utils serves only that hook (useThemeContrastCheck).
 * - @twilio-paste/react-textarea-autosize-library makes TextArea grow with its text (lodash
 *   included); the plugin's text areas are short enough for a fixed height.
 * - @twilio-paste/animation-library is react-spring (about 18 KB): Paste's theme providers use it to
 *   turn animations off for users who prefer reduced motion, and Button only to slide the arrow of a
 *   Button with an href, which the plugin never renders. The stand-in puts every spring at its
 *   target at once, as react-spring does for those users (src/__tests__/bundleStubs.test.tsx).
 * The list is in stubs/replacements.js, which the browser test's build uses too. Jest does not use
 * it: tests run the real modules, except a test that loads a stand-in.
 */
const { NormalModuleReplacementPlugin } = require('webpack');
const replacements = require('./stubs/replacements');

module.exports = (config) => {
  config.plugins.push(
    ...replacements.map(({ request, replacement }) => new NormalModuleReplacementPlugin(request, replacement)),
  );
  return config;
};

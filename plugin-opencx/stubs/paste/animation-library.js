// Stands in for @twilio-paste/animation-library in the bundle (see webpack.config.js): it is react-spring,
// about 18 KB of the gzipped bundle. Paste's theme providers use it only to turn animations off for users
// who prefer reduced motion; Paste's Button uses it only to slide the arrow of a Button with an href 4px on
// hover, and the plugin renders no such Button. Here every spring is at its target at once, as react-spring
// itself does for those users: the same styles, without the motion.
// A Paste update that imports anything else from it fails the build (strictExportPresence).
import * as React from 'react';

export const Globals = { assign() {} };

export const useReducedMotion = () => true;

/** The spring's target values, with react-spring's options left out. */
export function useSpring({ config, immediate, delay, reset, onStart, onChange, onRest, ...values }) {
  return values;
}

const TRANSFORMS = /^(translate|rotate|scale|skew)[XYZ]?$/;

/** Like react-spring's animated(Component): transform shorthands in `style` become one `transform`. */
export function animated(Component) {
  return React.forwardRef(function Animated({ style, ...props }, ref) {
    const css = {};
    const transforms = [];
    for (const [name, value] of Object.entries(style || {})) {
      if (TRANSFORMS.test(name)) transforms.push(`${name}(${value})`);
      else css[name] = value;
    }
    if (transforms.length > 0) css.transform = transforms.join(' ');
    return React.createElement(Component, { ...props, style: css, ref });
  });
}

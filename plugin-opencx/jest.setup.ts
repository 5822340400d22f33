import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// findBy*/waitFor give up after 1 s by default, which a loaded machine can exceed before React
// has rendered an already-resolved answer.
configure({ asyncUtilTimeout: 20000 });

// jsdom does not implement media playback, and @twilio/flex-ui plays and pauses an audio
// element as soon as it is imported (it reads play()'s Promise).
Object.defineProperties(window.HTMLMediaElement.prototype, {
  play: { configurable: true, value: () => Promise.resolve() },
  pause: { configurable: true, value: () => undefined },
});

// jsdom 16's selector engine evaluates `:focus-within` (Paste's Input has such a rule) as
// `element.contains(document.activeElement)` on jsdom's internal document object, whose
// activeElement is not a DOM Node; `contains` then throws from inside getComputedStyle, and every
// role or visibility query on a page with an Input fails. Such an argument contains nothing.
const nativeContains = window.Node.prototype.contains;
Object.defineProperty(window.Node.prototype, 'contains', {
  configurable: true,
  value(this: Node, other: unknown): boolean {
    return other instanceof window.Node ? nativeContains.call(this, other) : false;
  },
});

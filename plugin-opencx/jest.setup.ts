import '@testing-library/jest-dom';

// jsdom does not implement media playback, and @twilio/flex-ui plays and pauses an audio
// element as soon as it is imported (it reads play()'s Promise).
Object.defineProperties(window.HTMLMediaElement.prototype, {
  play: { configurable: true, value: () => Promise.resolve() },
  pause: { configurable: true, value: () => undefined },
});

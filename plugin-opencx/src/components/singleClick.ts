import type React from 'react';

/**
 * A click handler that ignores the second click of a double click: a control that removes its own
 * row would otherwise take the next row's control, moved up under the pointer, with it.
 * Keyboard activation (detail 0) always acts.
 */
export const singleClick =
  (act: () => void) =>
  (event: React.MouseEvent): void => {
    if (event.detail > 1) return;
    act();
  };

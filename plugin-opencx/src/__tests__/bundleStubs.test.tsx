// The production bundle swaps @twilio-paste/animation-library for a stand-in (webpack.config.js);
// jest otherwise runs the real library, so this test puts the stand-in under the real Paste Button.
import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { Theme } from '@twilio-paste/core/theme';
import { Button } from '@twilio-paste/core/button';

jest.mock('@twilio-paste/animation-library', () => jest.requireActual('../../stubs/paste/animation-library'));

describe('the bundle’s stand-in for Paste’s animation library', () => {
  it('moves the arrow of a Button with an href 4px on hover, at once, inside the theme', () => {
    render(
      <Theme.Provider theme="flex">
        <Button as="a" href="/next" variant="primary">
          Next
        </Button>
      </Theme.Provider>,
    );
    const link = screen.getByRole('link', { name: 'Next' });
    const arrow = link.querySelector('svg')?.closest('[style]') as HTMLElement;
    expect(arrow.style.transform).toBe('translateX(0px)');

    fireEvent.mouseEnter(link);
    expect(arrow.style.transform).toBe('translateX(4px)');
    fireEvent.mouseLeave(link);
    expect(arrow.style.transform).toBe('translateX(0px)');
  });
});

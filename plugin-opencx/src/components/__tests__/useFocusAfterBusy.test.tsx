import React, { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { browserDropsFocus } from '../../testing/focus';
import { useFocusAfterBusy } from '../useFocusAfterBusy';

/** A button disabled while its work runs; `done` ends the work. */
function Work(): JSX.Element {
  const [busy, setBusy] = useState(false);
  const button = useFocusAfterBusy<HTMLButtonElement>(busy);
  return (
    <>
      <button ref={button} type="button" disabled={busy} onClick={() => setBusy(true)}>
        Save
      </button>
      <button type="button" onClick={() => setBusy(false)}>
        done
      </button>
      <input aria-label="Elsewhere" />
    </>
  );
}

describe('useFocusAfterBusy', () => {
  it('gives the focus back to the button once its work is done', () => {
    render(<Work />);
    const save = screen.getByRole('button', { name: 'Save' });
    save.focus();
    fireEvent.click(save);
    browserDropsFocus();
    expect(document.body).toHaveFocus();
    fireEvent.click(screen.getByRole('button', { name: 'done' }));
    expect(save).toHaveFocus();
  });

  it('leaves the focus where the user put it meanwhile', () => {
    render(<Work />);
    const save = screen.getByRole('button', { name: 'Save' });
    fireEvent.click(save);
    screen.getByRole('textbox', { name: 'Elsewhere' }).focus();
    fireEvent.click(screen.getByRole('button', { name: 'done' }));
    expect(screen.getByRole('textbox', { name: 'Elsewhere' })).toHaveFocus();
  });
});

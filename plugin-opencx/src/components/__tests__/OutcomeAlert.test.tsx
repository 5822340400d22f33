import React from 'react';
import { screen } from '@testing-library/react';

import { renderWithTheme } from '../../testing/render';
import { OutcomeAlert } from '../OutcomeAlert';

describe('OutcomeAlert', () => {
  it('puts a success into the status region that was there before it, which a screen reader then reads', () => {
    const { rerender } = renderWithTheme(<OutcomeAlert />);
    const region = screen.getByRole('status');
    expect(region).toBeEmptyDOMElement();

    rerender(<OutcomeAlert outcome={{ kind: 'saved', message: 'Settings saved.' }} />);

    expect(screen.getByRole('status')).toBe(region);
    expect(region).toHaveTextContent('Settings saved.');
  });

  it('shows a failure as an alert, the status region left empty', () => {
    renderWithTheme(<OutcomeAlert outcome={{ kind: 'failed', message: 'Twilio is unavailable.' }} />);
    expect(screen.getByRole('alert')).toHaveTextContent('Twilio is unavailable.');
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
  });
});

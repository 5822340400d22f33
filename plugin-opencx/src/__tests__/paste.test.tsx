import React from 'react';
import { render, screen } from '@testing-library/react';
import { Theme } from '@twilio-paste/core/theme';
import { Badge } from '@twilio-paste/core/badge';

describe('Paste in jsdom', () => {
  it('renders a Badge inside Theme.Provider', () => {
    render(
      <Theme.Provider theme="flex">
        <Badge as="span" variant="success">
          OpenCX connected
        </Badge>
      </Theme.Provider>,
    );

    expect(screen.getByText('OpenCX connected')).toBeVisible();
  });
});

import React from 'react';
import { screen } from '@testing-library/react';

import { renderWithTheme } from '../../testing/render';
import { HandoffTaskBadge } from '../HandoffTaskBadge';
import { OpencxMessageBadge } from '../OpencxMessageBadge';

describe('HandoffTaskBadge', () => {
  it.each([
    ['negative', 'negative'],
    ['positive', 'positive'],
    ['neutral', 'neutral'],
    ['furious', 'neutral'],
  ])('marks a %s handoff as "AI handoff" with the sentiment for screen readers', (sentiment, spoken) => {
    renderWithTheme(<HandoffTaskBadge attributes={{ handedOff: true, handoffSentiment: sentiment }} />);

    expect(screen.getByText('AI handoff')).toBeVisible();
    expect(screen.getByText(`Handed off by the AI, customer sentiment ${spoken}`)).toBeInTheDocument();
  });

  it('marks a handed-off voice task too', () => {
    renderWithTheme(
      <HandoffTaskBadge attributes={{ handedOff: true, call_sid: 'CA1', direction: 'inbound', from: '+15550100' }} />,
    );
    expect(screen.getByText('AI handoff')).toBeVisible();
  });

  it.each([[{ handedOff: false }], [{}], [null], ['garbage']])('shows nothing for %p', (attributes) => {
    const { container } = renderWithTheme(<HandoffTaskBadge attributes={attributes} />);
    expect(container.textContent).toBe('');
  });
});

describe('OpencxMessageBadge', () => {
  it('marks an AI message', () => {
    renderWithTheme(<OpencxMessageBadge role="ai" />);
    expect(screen.getByText('AI')).toBeVisible();
    expect(screen.getByText('Sent by the OpenCX AI agent')).toBeInTheDocument();
  });

  it('marks the handoff note as what the customer got, and says where the details are', () => {
    renderWithTheme(<OpencxMessageBadge role="handoff-note" />);
    expect(screen.getByText('Handoff note')).toBeVisible();
    expect(
      screen.getByText('Sent to the customer when the AI handed off; the AI’s summary is in the handoff panel'),
    ).toBeInTheDocument();
  });

  it('marks the handback note and the closing note as what the customer got', () => {
    const { unmount } = renderWithTheme(<OpencxMessageBadge role="handback-note" />);
    expect(screen.getByText('Handback note')).toBeVisible();
    expect(
      screen.getByText('Sent to the customer when an agent handed the conversation back to the AI'),
    ).toBeInTheDocument();
    unmount();
    renderWithTheme(<OpencxMessageBadge role="idle-close-note" />);
    expect(screen.getByText('Closing note')).toBeVisible();
  });
});

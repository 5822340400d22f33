import React from 'react';
import { act, fireEvent, screen, within } from '@testing-library/react';

import { renderWithTheme } from '../../testing/render';
import { HandoffPanel } from '../HandoffPanel';

const NOW = new Date('2025-11-21T08:05:00.000Z');
const HANDOFF = {
  handedOff: true,
  handoffReason: 'AI requested human handoff',
  handoffSummary: 'Customer wants a refund for order 1042; already tried the self-service flow.',
  handoffSentiment: 'negative',
  handoffLanguage: 'en-US',
  handoffTimestamp: '2025-11-21T08:00:00.000Z',
  opencxSessionId: 'session/42',
};

function renderPanel(attributes: unknown) {
  return renderWithTheme(<HandoffPanel attributes={attributes} now={NOW} locale="en-US" />);
}

/** The value shown for a label in the panel's description list. */
function valueFor(term: string): HTMLElement {
  const dt = screen.getByText(term, { selector: 'dt' });
  return dt.nextElementSibling as HTMLElement;
}

const panel = () => screen.getByRole('region', { name: 'AI handoff' });

describe('HandoffPanel', () => {
  it('shows the whole handoff context', () => {
    renderPanel({ ...HANDOFF, conversationSid: 'CH1', name: 'Ada' });

    expect(panel()).toBeVisible();
    expect(valueFor('Reason')).toHaveTextContent('AI requested human handoff');
    expect(valueFor('Summary')).toHaveTextContent(HANDOFF.handoffSummary);
    expect(valueFor('Customer sentiment')).toHaveTextContent('Negative');
    expect(valueFor('Language')).toHaveTextContent('English (United States)');
    expect(valueFor('Handed off')).toHaveTextContent('5 minutes ago');
    const absolute = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date(HANDOFF.handoffTimestamp),
    );
    expect(valueFor('Handed off')).toHaveTextContent(`(${absolute})`);
    expect(within(valueFor('Handed off')).getByText('5 minutes ago')).toHaveAttribute(
      'datetime',
      HANDOFF.handoffTimestamp,
    );

    const link = screen.getByRole('link', { name: /Open in OpenCX/ });
    expect(link).toHaveAttribute('href', 'https://app.open.cx/inbox/session%2F42');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', expect.stringContaining('noopener'));
  });

  it.each([
    ['positive', 'Positive'],
    ['neutral', 'Neutral'],
    ['negative', 'Negative'],
  ])('shows %s sentiment as "%s"', (sentiment, label) => {
    renderPanel({ ...HANDOFF, handoffSentiment: sentiment });
    expect(valueFor('Customer sentiment')).toHaveTextContent(label);
  });

  it.each([['ecstatic'], [''], [42]])('shows the unknown sentiment %p as Neutral', (sentiment) => {
    renderPanel({ ...HANDOFF, handoffSentiment: sentiment });
    expect(valueFor('Customer sentiment')).toHaveTextContent('Neutral');
  });

  it('shows a partial panel when only handedOff is set', () => {
    renderPanel({ handedOff: true });

    expect(panel()).toBeVisible();
    expect(valueFor('Summary')).toHaveTextContent('No summary provided');
    expect(valueFor('Customer sentiment')).toHaveTextContent('Neutral');
    expect(screen.queryByText('Reason')).not.toBeInTheDocument();
    expect(screen.queryByText('Language')).not.toBeInTheDocument();
    expect(screen.queryByText('Handed off')).not.toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });

  it('leaves out a malformed timestamp and keeps the rest', () => {
    renderPanel({ ...HANDOFF, handoffTimestamp: 'not a date' });

    expect(screen.queryByText('Handed off')).not.toBeInTheDocument();
    expect(valueFor('Reason')).toHaveTextContent('AI requested human handoff');
    expect(valueFor('Summary')).toHaveTextContent(HANDOFF.handoffSummary);
  });

  it('treats an empty summary and non-text fields as missing', () => {
    renderPanel({ ...HANDOFF, handoffSummary: '  ', handoffReason: { code: 7 }, opencxSessionId: 12 });

    expect(valueFor('Summary')).toHaveTextContent('No summary provided');
    expect(screen.queryByText('Reason')).not.toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });

  it('leaves out an undetermined language and shows an unnameable one as given', () => {
    const { unmount } = renderPanel({ ...HANDOFF, handoffLanguage: 'und' });
    expect(screen.queryByText('Language')).not.toBeInTheDocument();
    unmount();

    renderPanel({ ...HANDOFF, handoffLanguage: 'klingon!' });
    expect(valueFor('Language')).toHaveTextContent('klingon!');
  });

  it.each([
    ['null', null],
    ['a string', 'handedOff'],
    ['a number', 7],
    ['an array', [HANDOFF]],
    ['a task that was not handed off', { ...HANDOFF, handedOff: false }],
  ])('renders nothing for %s', (_case, attributes) => {
    const { container } = renderPanel(attributes);
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
    expect(container.textContent).toBe('');
  });

  it('collapses a very long summary behind "Show more", then shows all of it', () => {
    const summary = `${'The customer explained the billing problem in detail. '.repeat(30)}END-OF-SUMMARY`;
    renderPanel({ ...HANDOFF, handoffSummary: summary });

    expect(screen.queryByText(/END-OF-SUMMARY/)).not.toBeInTheDocument();
    expect(valueFor('Summary')).toHaveTextContent(/^The customer explained the billing problem in detail\..*…/);

    const more = screen.getByRole('button', { name: 'Show more' });
    expect(more).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(more);

    expect(screen.getByText(/END-OF-SUMMARY/)).toBeVisible();
    expect(screen.getByRole('button', { name: 'Show less' })).toHaveAttribute('aria-expanded', 'true');
    // Expanded, it scrolls: the keyboard reaches it.
    expect(screen.getByRole('region', { name: 'Summary' })).toHaveAttribute('tabindex', '0');
  });

  it('keeps line breaks of a summary short enough to show in full', () => {
    renderPanel({ ...HANDOFF, handoffSummary: 'First line\nSecond line' });
    // toHaveTextContent collapses whitespace: the paragraph's own text and style tell.
    const paragraph = screen.getByText(/First line/, { selector: 'p' });
    expect(paragraph.textContent).toBe('First line\nSecond line');
    expect(paragraph).toHaveStyle({ whiteSpace: 'pre-wrap' });
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
  });

  it('works for a voice task', () => {
    renderPanel({
      ...HANDOFF,
      type: 'inbound',
      direction: 'inbound',
      call_sid: 'CA0123',
      from: '+15550100',
      to: '+15550199',
      conference: { sid: 'CF1', participants: { customer: 'CA0123' } },
    });

    expect(panel()).toBeVisible();
    expect(valueFor('Reason')).toHaveTextContent('AI requested human handoff');
    expect(valueFor('Customer sentiment')).toHaveTextContent('Negative');
  });

  it('keeps the relative time current while the task stays open', () => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2025-11-21T08:00:20.000Z'));
    try {
      renderWithTheme(<HandoffPanel attributes={HANDOFF} locale="en-US" />);
      expect(valueFor('Handed off')).toHaveTextContent('now');

      act(() => {
        jest.advanceTimersByTime(3 * 60_000);
      });
      expect(valueFor('Handed off')).toHaveTextContent('3 minutes ago');
    } finally {
      jest.useRealTimers();
    }
  });

  it('reads attributes given as a JSON string', () => {
    renderPanel(JSON.stringify(HANDOFF));
    expect(valueFor('Reason')).toHaveTextContent('AI requested human handoff');
  });
});

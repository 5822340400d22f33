import React from 'react';
import { act, fireEvent, screen, within } from '@testing-library/react';

import type { InsightsResult } from '../../api/insightsClient';
import { EARLY_TODAY, EMPTY_WEEK, fakeInsightsClient } from '../../testing/fakeInsightsClient';
import { sampleInsights } from '../../testing/insightsSample';
import { renderWithTheme } from '../../testing/render';
import { InsightsView } from '../InsightsView';

const NOW = new Date('2026-11-21T10:30:00Z');
const sample = (period: 'today' | '7d' | '30d'): InsightsResult => ({
  ok: true,
  insights: sampleInsights(period, NOW),
});

function renderView(client = fakeInsightsClient(sample)) {
  renderWithTheme(<InsightsView client={client} token="flex-token" locale="en-US" />);
  return client;
}

/** The figure (a dt/dd group in a card) with this label. */
function figure(label: string): HTMLElement {
  return screen.getByText(label, { selector: 'dt' }).parentElement as HTMLElement;
}

// Plain selectors here: role queries over a table of 200 handoffs take seconds each in jsdom.
const handoffRows = () => Array.from(screen.getByRole('table').querySelectorAll('tbody tr'));

describe('insights view', () => {
  it('loads the last 7 days first and shows every figure of the answer', async () => {
    const client = renderView();
    const week = sampleInsights('7d', NOW);

    await screen.findByText('Conversations per day');
    expect(client.load).toHaveBeenCalledTimes(1);
    expect(client.load).toHaveBeenCalledWith('flex-token', '7d');
    expect(screen.getByRole('button', { name: 'Last 7 days' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('button', { name: 'Today (UTC)' })).toHaveAttribute('aria-pressed', 'false');
    expect(figure('Conversations the AI engaged')).toHaveTextContent(week.engaged.toLocaleString('en-US'));
    expect(figure('Contained')).toHaveTextContent(week.contained.toLocaleString('en-US'));
    expect(figure('Handed off')).toHaveTextContent(`${Math.round(week.handoffRate! * 100)}% handoff rate`);
    expect(figure('“AI unavailable” handoffs')).toHaveTextContent(String(week.aiUnavailableHandoffs));
    expect(figure('Handed back to the AI')).toHaveTextContent(String(week.handbacks));
    expect(figure('“Handoff not needed”')).toHaveTextContent(
      `${week.verdicts.notNeeded} of ${week.verdicts.total} agents’ verdicts`,
    );
    expect(figure('Median time with the AI before a handoff')).toHaveTextContent(/\d+ min \d+ s/);
    expect(screen.getByRole('meter', { name: 'Live now' })).toHaveAttribute(
      'aria-valuetext',
      '37 AI conversations of 100 the AI pool can hold',
    );

    // One bar per day, named with its numbers.
    const days = within(screen.getByRole('list', { name: 'Conversations per day' })).getAllByRole('img');
    expect(days).toHaveLength(7);
    const today = week.daily[6];
    expect(days[6]).toHaveAccessibleName(
      `Sat, Nov 21: ${today.engaged} engaged, ${today.contained} contained, ${today.handedOff} handed off`,
    );
    const [topReason] = week.topReasons;
    expect(screen.getByLabelText(`Show the handoffs for “${topReason.reason}”: ${topReason.count}`)).toHaveTextContent(
      topReason.reason,
    );
    expect(screen.getByText(`Negative: ${week.sentimentAtHandoff.negative}`, { exact: false })).toBeVisible();
  });

  it('shows an empty period as such: zeros, dashes and no handoff list', async () => {
    renderView(fakeInsightsClient(() => ({ ok: true, insights: EMPTY_WEEK })));

    expect(await screen.findByText('The AI engaged no conversations in this period.')).toBeVisible();
    expect(figure('Conversations the AI engaged')).toHaveTextContent('0');
    expect(figure('Handed off')).toHaveTextContent('— handoff rate');
    expect(figure('Median time with the AI before a handoff')).toHaveTextContent('—');
    expect(figure('“Handoff not needed”')).toHaveTextContent('No verdicts from agents yet');
    expect(screen.getByText('No handoffs in this period.')).toBeVisible();
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByRole('meter', { name: 'Live now' })).toHaveAttribute('aria-valuenow', '0');
  });

  it("counts the retiring AI workers' conversations apart from the pool, and nothing when they hold none", async () => {
    const week = sampleInsights('7d', NOW);
    const withDraining = (draining: number) =>
      renderWithTheme(
        <InsightsView
          client={fakeInsightsClient(() => ({ ok: true, insights: { ...week, live: { ...week.live, draining } } }))}
          token="flex-token"
          locale="en-US"
        />,
      );
    const pool = '37 AI conversations of 100 the AI pool can hold';
    for (const [draining, more] of [
      [1250, 'and 1,250 more on AI workers'],
      [1, 'and one more on an AI worker'],
    ] as const) {
      const retiring = withDraining(draining);
      expect(await screen.findByText(`${pool}, ${more} being retired after the peak was lowered`)).toBeVisible();
      // The meter is the pool's slots only.
      expect(screen.getByRole('meter', { name: 'Live now' })).toHaveAttribute('aria-valuetext', pool);
      retiring.unmount();
    }

    withDraining(0);
    expect(await screen.findByText(pool)).toBeVisible();
    expect(screen.queryByText(/being retired/)).toBeNull();
  });

  it("counts the paused AI workers' conversations apart too, after the retiring ones", async () => {
    const week = sampleInsights('7d', NOW);
    const live = { ...week.live, draining: 2, paused: 80 };
    renderWithTheme(
      <InsightsView
        client={fakeInsightsClient(() => ({ ok: true, insights: { ...week, live } }))}
        token="flex-token"
        locale="en-US"
      />,
    );
    const pool = '37 AI conversations of 100 the AI pool can hold';
    const text =
      `${pool}, and 2 more on AI workers being retired after the peak was lowered, ` +
      'and 80 more on paused AI workers, which take no new ones';
    expect(await screen.findByText(text)).toBeVisible();
    expect(screen.getByRole('meter', { name: 'Live now' })).toHaveAttribute('aria-valuetext', pool);
  });

  it('warns when the Function could count only the newest part of the period, and not otherwise', async () => {
    const week = sampleInsights('7d', NOW);
    const partial = renderWithTheme(
      <InsightsView
        client={fakeInsightsClient(() => ({
          ok: true,
          insights: { ...week, coveredFrom: '2026-11-19T12:00:00.000Z' },
        }))}
        token="flex-token"
        locale="en-US"
      />,
    );
    expect(await screen.findByText(/These figures count only what happened since Nov 19, 2026/)).toBeVisible();
    partial.unmount();

    renderView(fakeInsightsClient(() => ({ ok: true, insights: week })));
    expect(await screen.findByText('Conversations the AI engaged', { selector: 'dt' })).toBeVisible();
    expect(screen.queryByText(/These figures count only/)).toBeNull();
  });

  it('shows a partial day: conversations still with the AI, a handoff without a time or a verdict', async () => {
    renderView(fakeInsightsClient(() => ({ ok: true, insights: EARLY_TODAY })));

    await screen.findByRole('table');
    // The days are UTC's, the handoff times the supervisor's own: each says which.
    expect(screen.getByRole('columnheader', { name: 'Handed off (your time)' })).toBeVisible();
    expect(figure('Conversations the AI engaged')).toHaveTextContent('1 still with the AI or not yet ended');
    expect(figure('Handed off')).toHaveTextContent('33% handoff rate');
    expect(figure('“AI unavailable” handoffs')).toHaveTextContent('1');
    const [row] = handoffRows();
    expect(row).toHaveTextContent('AI unavailable');
    expect(row).toHaveTextContent('Neutral');
    expect(row).toHaveTextContent('—');
    expect(row).toHaveTextContent('None yet');
    expect(row).toHaveTextContent(EARLY_TODAY.handoffs[0].taskSid);
  });

  it('filters on "No reason given" (a handoff with no reason), apart from all reasons', async () => {
    const month = sampleInsights('30d', NOW);
    const unexplained = month.handoffs.slice(0, 3).map((handoff) => ({ ...handoff, reason: '' }));
    const handoffs = [...unexplained, ...month.handoffs.slice(3)];
    const topReasons = [{ reason: '', count: 3 }, ...month.topReasons.slice(0, 9)];
    renderView(fakeInsightsClient(() => ({ ok: true, insights: { ...month, handoffs, topReasons } })));
    await screen.findByRole('table');

    const select = screen.getByLabelText('Reason') as HTMLSelectElement;
    const noReason = within(select).getByRole('option', { name: 'No reason given' }) as HTMLOptionElement;
    fireEvent.change(select, { target: { value: noReason.value } });
    expect(select).toHaveDisplayValue('No reason given');
    expect(handoffRows()).toHaveLength(3);
  });

  it('counts the handoffs the list holds, not the conversations: one handed off twice is two', async () => {
    // 210 handoffs of 195 conversations: the latest 200 are listed, and ten more are not.
    const month = sampleInsights('30d', NOW);
    expect(month.handoffs).toHaveLength(200);
    const twice = { ...month, handedOff: 195, handoffCount: 210 };
    renderView(fakeInsightsClient(() => ({ ok: true, insights: twice })));

    await screen.findByRole('table');
    expect(screen.getByText('Showing 25 of the latest 200 (210 in this period)')).toBeVisible();
  });

  it('pages through a large list and drills down into one reason from the chart', async () => {
    const month = sampleInsights('30d', NOW);
    renderView(fakeInsightsClient(() => ({ ok: true, insights: month })));

    await screen.findByRole('table');
    expect(month.handedOff).toBeGreaterThan(200);
    expect(handoffRows()).toHaveLength(25);
    expect(
      screen.getByText(`Showing 25 of the latest 200 (${month.handedOff.toLocaleString('en-US')} in this period)`),
    ).toBeVisible();
    fireEvent.click(screen.getByText('Show more'));
    expect(handoffRows()).toHaveLength(50);

    const reason = month.topReasons[1];
    const listed = month.handoffs.filter((handoff) => handoff.reason === reason.reason);
    fireEvent.click(screen.getByLabelText(`Show the handoffs for “${reason.reason}”: ${reason.count}`));
    expect(screen.getByLabelText('Reason')).toHaveValue(reason.reason);
    expect(handoffRows()).toHaveLength(Math.min(25, listed.length));
    for (const row of handoffRows()) expect(row).toHaveTextContent(reason.reason);
    // The chart counts the whole period; the list holds the latest 200 handoffs.
    expect(reason.count).toBeGreaterThan(listed.length);
    expect(
      screen.getByText(
        `Showing ${Math.min(25, listed.length)} of the latest ${listed.length} (${reason.count} in this period)`,
      ),
    ).toBeVisible();

    // Pressed again, the reason is let go.
    const chartReason = screen.getByLabelText(`Show the handoffs for “${reason.reason}”: ${reason.count}`);
    expect(chartReason).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(chartReason);
    expect(chartReason).toHaveAttribute('aria-pressed', 'false');
    expect(screen.getByLabelText('Reason')).toHaveValue('');
    expect(handoffRows()).toHaveLength(25);

    fireEvent.click(chartReason);
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: '' } });
    expect(handoffRows()).toHaveLength(25);
    // Thirty day columns, labelled about every fourth day so the labels never overlap.
    expect(within(screen.getByRole('list', { name: 'Conversations per day' })).getAllByRole('img')).toHaveLength(30);
  });

  it('moves the focus to the first row "Show more" shows, also when the last page takes the button away', async () => {
    const month = sampleInsights('30d', NOW);
    renderView(fakeInsightsClient(() => ({ ok: true, insights: month })));
    await screen.findByRole('table');
    const showMore = () => {
      const more = screen.getByRole('button', { name: 'Show more' });
      more.focus();
      fireEvent.click(more);
    };
    showMore();
    expect(handoffRows()[25]).toHaveFocus();
    expect(handoffRows()[25]).toHaveAttribute('tabindex', '-1');
    // Back on page one with another reason, and again with all, "Show more" moves the focus again.
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: month.topReasons[0].reason } });
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: '' } });
    showMore();
    expect(handoffRows()[25]).toHaveFocus();

    const pages = Math.ceil(month.handoffs.length / 25);
    for (let page = 2; page < pages; page++) {
      showMore();
      expect(handoffRows()[page * 25]).toHaveFocus();
    }
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
    expect(document.activeElement).toBe(handoffRows()[(pages - 1) * 25]);
  });

  it('loads the chosen period, and drops an answer for a period already left', async () => {
    let answerWeek: (result: InsightsResult) => void = () => undefined;
    const client = fakeInsightsClient((period) =>
      period === '7d'
        ? new Promise<InsightsResult>((resolve) => (answerWeek = resolve))
        : { ok: true, insights: { ...EARLY_TODAY, period } },
    );
    renderView(client);
    expect(screen.getByText('Loading the insights…')).toBeVisible();

    fireEvent.click(screen.getByRole('button', { name: 'Today (UTC)' }));
    await screen.findByRole('table');
    expect(client.load.mock.calls.map(([, period]) => period)).toEqual(['7d', 'today']);
    await act(async () => answerWeek(sample('7d')));
    expect(figure('Conversations the AI engaged')).toHaveTextContent(String(EARLY_TODAY.engaged));

    fireEvent.click(screen.getByRole('button', { name: 'Last 30 days' }));
    await screen.findByRole('table');
    expect(client.load).toHaveBeenLastCalledWith('flex-token', '30d');
  });

  it('says why the insights could not load, and tries again', async () => {
    const answers: InsightsResult[] = [
      { ok: false, error: { code: 'network_error', message: 'The OpenCX Functions could not be reached.' } },
      sample('7d'),
    ];
    const client = renderView(fakeInsightsClient(() => answers.shift()!));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The insights could not be loaded. The OpenCX Functions could not be reached.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('table');
    expect(client.load).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

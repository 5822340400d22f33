import { barLength, capacityLevel, dayLabel, duration, handoffsFor, percent, stillWithAi } from '../insights';
import { sampleInsights } from '../../testing/insightsSample';

describe('insights formatting', () => {
  it('shows rates as whole percentages, tiny ones with a decimal, and a dash for no rate', () => {
    expect(percent(0.2437, 'en-US')).toBe('24%');
    expect(percent(0, 'en-US')).toBe('0%');
    expect(percent(1, 'en-US')).toBe('100%');
    expect(percent(0.004, 'en-US')).toBe('0.4%');
    expect(percent(null, 'en-US')).toBe('—');
  });

  it('shows durations in seconds, minutes or hours', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(45.4)).toBe('45 s');
    expect(duration(200)).toBe('3 min 20 s');
    expect(duration(3900)).toBe('1 h 5 min');
    expect(duration(null)).toBe('—');
  });

  it('labels UTC days whatever the browser’s time zone', () => {
    expect(dayLabel('2026-11-21', 'en-US')).toBe('Sat, Nov 21');
    expect(dayLabel('2026-11-21', 'en-US', true)).toBe('Nov 21');
    expect(dayLabel('not a day', 'en-US')).toBe('not a day');
  });

  it('keeps a bar above zero visible and never longer than the longest', () => {
    expect(barLength(50, 200)).toBe('25.00%');
    expect(barLength(1, 10_000)).toBe('1.00%');
    expect(barLength(0, 10)).toBe('0%');
    expect(barLength(5, 0)).toBe('0%');
    expect(barLength(300, 200)).toBe('100.00%');
  });

  it('counts what is still with the AI, never below zero', () => {
    expect(stillWithAi({ engaged: 10, contained: 6, handedOff: 3 })).toBe(1);
    expect(stillWithAi({ engaged: 2, contained: 2, handedOff: 1 })).toBe(0);
  });

  it('calls the AI pool busy from 80% and full at capacity or without any', () => {
    expect(capacityLevel({ aiConversations: 10, capacity: 100 })).toBe('ok');
    expect(capacityLevel({ aiConversations: 80, capacity: 100 })).toBe('busy');
    expect(capacityLevel({ aiConversations: 100, capacity: 100 })).toBe('full');
    expect(capacityLevel({ aiConversations: 0, capacity: 0 })).toBe('full');
  });

  it('narrows the handoffs to one reason', () => {
    const { handoffs } = sampleInsights('7d', new Date('2026-11-21T10:30:00Z'));
    const refunds = handoffsFor(handoffs, 'Refund above the AI limit');
    expect(refunds.length).toBeGreaterThan(0);
    expect(refunds.every((handoff) => handoff.reason === 'Refund above the AI limit')).toBe(true);
    expect(handoffsFor(handoffs, null)).toBe(handoffs);
  });
});

describe('sample insights', () => {
  it('add up as the contract says', () => {
    for (const period of ['today', '7d', '30d'] as const) {
      const insights = sampleInsights(period, new Date('2026-11-21T10:30:00Z'));
      expect(insights.daily).toHaveLength({ today: 1, '7d': 7, '30d': 30 }[period]);
      expect(insights.contained).toBe(insights.daily.reduce((sum, day) => sum + day.contained, 0));
      expect(insights.handedOff).toBe(insights.daily.reduce((sum, day) => sum + day.handedOff, 0));
      expect(insights.handoffs.length).toBe(Math.min(200, insights.handedOff));
      expect(insights.topReasons.reduce((sum, reason) => sum + reason.count, 0)).toBe(insights.handedOff);
    }
  });
});

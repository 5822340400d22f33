import React from 'react';
import { act, fireEvent, screen } from '@testing-library/react';

import { EARLY_TODAY, fakeInsightsClient } from '../../testing/fakeInsightsClient';
import { fakeFlex, fakeManager } from '../../testing/fakeFlex';
import { renderWithTheme } from '../../testing/render';
import { createInsightsViewSetup, setupInsightsView } from '../insightsView';

const client = () => fakeInsightsClient(() => ({ ok: true, insights: EARLY_TODAY }));
const renderAdded = (element: React.ReactElement, props: object = {}) =>
  renderWithTheme(React.cloneElement(element, props));

describe('insights view registration', () => {
  it.each([[['supervisor']], [['admin']], [['agent', 'supervisor']]])(
    'adds the side-nav entry and the view for roles %p',
    (roles) => {
      const { flex, added } = fakeFlex();
      createInsightsViewSetup({ createClient: () => client() })(flex, fakeManager(roles).manager);

      expect(added('SideNav')).toHaveLength(1);
      expect(added('ViewCollection').map((call) => call.element.props.name)).toEqual(['opencx-insights']);
    },
  );

  it.each([[['agent']], [[]], [undefined]])('adds nothing for roles %p', (roles) => {
    const { flex, calls } = fakeFlex();
    createInsightsViewSetup({ createClient: () => client() })(flex, fakeManager(roles).manager);
    setupInsightsView(flex, fakeManager(roles).manager);
    expect(calls).toEqual([]);
  });

  it('navigates to the view from its side link', () => {
    const { flex, added, invokeAction } = fakeFlex();
    createInsightsViewSetup({ createClient: () => client() })(flex, fakeManager(['supervisor']).manager);

    renderAdded(added('SideNav')[0].element, { activeView: 'opencx-insights' });
    const link = screen.getByRole('button', { name: 'AI insights' });
    expect(link).toHaveAttribute('aria-current', 'page');
    fireEvent.click(link);
    expect(invokeAction).toHaveBeenCalledWith('NavigateToView', { viewName: 'opencx-insights' });
  });

  it("loads with the supervisor's current token", async () => {
    const { flex, added } = fakeFlex();
    const insights = client();
    const { manager, renewToken } = fakeManager(['supervisor'], 'token-1');
    createInsightsViewSetup({ createClient: () => insights })(flex, manager);

    renderAdded(added('ViewCollection')[0].element);
    await screen.findByRole('table');
    expect(insights.load).toHaveBeenCalledWith('token-1', '7d');

    act(() => renewToken('token-2'));
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await screen.findByRole('table');
    expect(insights.load).toHaveBeenLastCalledWith('token-2', '7d');
  });

  it('says what to configure when the Functions URL is not set, to an admin', () => {
    const { flex, added } = fakeFlex();
    createInsightsViewSetup({ env: {} })(flex, fakeManager(['admin'], 'flex-token-1', {}).manager);
    renderAdded(added('ViewCollection')[0].element);
    expect(screen.getByRole('alert')).toHaveTextContent('ui_attributes.custom_data.opencx_functions_domain');
  });

  it('tells a supervisor, who cannot set it, to ask an admin', () => {
    const { flex, added } = fakeFlex();
    createInsightsViewSetup({ env: {} })(flex, fakeManager(['supervisor'], 'flex-token-1', {}).manager);
    renderAdded(added('ViewCollection')[0].element);
    expect(screen.getByRole('alert')).toHaveTextContent(/Ask a Flex admin/);
    expect(screen.getByRole('alert')).not.toHaveTextContent('opencx_functions_domain');
  });
});

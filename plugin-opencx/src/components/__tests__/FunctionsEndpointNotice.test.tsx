import { screen } from '@testing-library/react';
import React from 'react';

import { strings } from '../../strings';
import { renderWithTheme } from '../../testing/render';
import { FunctionsEndpointNotice } from '../FunctionsEndpointNotice';

describe('FunctionsEndpointNotice', () => {
  const url = 'https://opencx-1234-dev.twil.io';

  it('says where the Functions were found in words a translation replaces whole', () => {
    const english = { ...strings };
    Object.assign(strings, {
      settingsFunctionsFound: 'Fonctions OpenCX : {url}, trouvées dans {source}.',
      settingsFunctionsFromBuild: 'la construction du plugin ({variable})',
      settingsFunctionsFromConfig: '{setting} de la configuration Flex',
    });
    try {
      const { unmount } = renderWithTheme(
        <FunctionsEndpointNotice endpoint={{ kind: 'configured', url, source: 'build' }} />,
      );
      expect(
        screen.getByText(
          `Fonctions OpenCX : ${url}, trouvées dans la construction du plugin (FLEX_APP_OPENCX_FUNCTIONS_URL).`,
        ),
      ).toBeInTheDocument();
      unmount();
      renderWithTheme(<FunctionsEndpointNotice endpoint={{ kind: 'configured', url, source: 'flexConfiguration' }} />);
      expect(
        screen.getByText(
          /trouvées dans ui_attributes\.custom_data\.opencx_functions_domain de la configuration Flex\./,
        ),
      ).toBeInTheDocument();
    } finally {
      Object.assign(strings, english);
    }
  });
});

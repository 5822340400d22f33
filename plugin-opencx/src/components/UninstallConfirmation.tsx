// The confirmation before Uninstall: what it removes, and whether the OpenCX data in Sync stays.
// Shown in the page rather than in a Paste modal: the modal's dialog primitive would add about
// 20 KB gzipped to the bundle for this one confirmation.
import React, { useEffect, useRef, useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Callout, CalloutHeading, CalloutList, CalloutListItem, CalloutText } from '@twilio-paste/core/callout';
import { Stack } from '@twilio-paste/core/stack';
import { useUID } from '@twilio-paste/core/uid-library';

import { strings } from '../strings';
import { ConsentCheckbox } from './SetupItems';

export interface UninstallConfirmationProps {
  onConfirm(keepSyncData: boolean): void;
  onCancel(): void;
  /** Another setup change runs: the Functions would refuse the uninstall, and its answer hide that one's. */
  waiting?: boolean;
}

const REMOVED = [
  strings.setupUninstallRemovesFilters,
  strings.setupUninstallRemovesWebhooks,
  strings.setupUninstallRemovesTimers,
  strings.setupUninstallRemovesWorkers,
  strings.setupUninstallRemovesQueue,
  strings.setupUninstallRemovesSync,
];

export function UninstallConfirmation({
  onConfirm,
  onCancel,
  waiting = false,
}: UninstallConfirmationProps): JSX.Element {
  // Each confirmation starts from deleting the data: keeping it is a choice made for one uninstall.
  const [keepSyncData, setKeepSyncData] = useState(false);
  const headingId = useUID();
  const region = useRef<HTMLElement>(null);

  // Focus moves to the question, so a screen reader reads it and Tab reaches its answers first.
  useEffect(() => region.current?.focus(), []);

  return (
    <Box as="section" aria-labelledby={headingId} ref={region} tabIndex={-1}>
      <Callout variant="warning">
        <CalloutHeading as="h3" id={headingId}>
          {strings.setupUninstallHeading}
        </CalloutHeading>
        <CalloutText>{strings.setupUninstallIntro}</CalloutText>
        <CalloutList as="ul">
          {REMOVED.map((text) => (
            <CalloutListItem key={text}>{text}</CalloutListItem>
          ))}
        </CalloutList>
        <CalloutText>{strings.setupUninstallKept}</CalloutText>
        <Stack orientation="vertical" spacing="space50">
          <ConsentCheckbox
            name="keepSyncData"
            checked={keepSyncData}
            onChange={setKeepSyncData}
            label={strings.setupUninstallKeepSync}
            help={strings.setupUninstallKeepSyncHelp}
          />
          <Box display="flex" columnGap="space40">
            <Button variant="destructive" disabled={waiting} onClick={() => onConfirm(keepSyncData)}>
              {strings.setupUninstallConfirm}
            </Button>
            <Button variant="secondary" onClick={onCancel}>
              {strings.setupUninstallCancel}
            </Button>
          </Box>
        </Stack>
      </Callout>
    </Box>
  );
}

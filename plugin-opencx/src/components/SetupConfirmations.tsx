// The confirmations before the setup's two undoing writes: Uninstall (what it removes, and whether
// the OpenCX data in Sync stays) and Undo (which Apply it puts back). Shown in the page rather than
// in a Paste modal: the modal's dialog primitive would add about 20 KB gzipped to the bundle.
import React, { type ReactNode, useEffect, useRef, useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Callout, CalloutHeading, CalloutList, CalloutListItem, CalloutText } from '@twilio-paste/core/callout';
import { Stack } from '@twilio-paste/core/stack';
import { useUID } from '@twilio-paste/core/uid-library';

import type { RestoredBackup } from '../api/settingsClient';
import { absoluteTime } from '../domain/time';
import { format, strings } from '../strings';
import { ConsentCheckbox } from './SetupItems';

interface ConfirmationProps {
  heading: string;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
  /** Another setup change runs: the Functions would refuse this one, and its answer hide that one's. */
  waiting: boolean;
  children: ReactNode;
}

/** A question in the page, with its answers: focus moves to it, so a screen reader reads it and Tab reaches them. */
function Confirmation({ heading, confirmLabel, onConfirm, onCancel, waiting, children }: ConfirmationProps) {
  const headingId = useUID();
  const region = useRef<HTMLElement>(null);
  useEffect(() => region.current?.focus(), []);
  return (
    <Box as="section" aria-labelledby={headingId} ref={region} tabIndex={-1}>
      <Callout variant="warning">
        <CalloutHeading as="h3" id={headingId}>
          {heading}
        </CalloutHeading>
        <Stack orientation="vertical" spacing="space50">
          {children}
          <Box display="flex" columnGap="space40">
            <Button variant="destructive" disabled={waiting} onClick={onConfirm}>
              {confirmLabel}
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

export interface UninstallConfirmationProps {
  onConfirm(keepSyncData: boolean): void;
  onCancel(): void;
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
  return (
    <Confirmation
      heading={strings.setupUninstallHeading}
      confirmLabel={strings.setupUninstallConfirm}
      onConfirm={() => onConfirm(keepSyncData)}
      onCancel={onCancel}
      waiting={waiting}
    >
      <CalloutText>{strings.setupUninstallIntro}</CalloutText>
      <CalloutList as="ul">
        {REMOVED.map((text) => (
          <CalloutListItem key={text}>{text}</CalloutListItem>
        ))}
      </CalloutList>
      <CalloutText>{strings.setupUninstallKept}</CalloutText>
      <ConsentCheckbox
        name="keepSyncData"
        checked={keepSyncData}
        onChange={setKeepSyncData}
        label={strings.setupUninstallKeepSync}
        help={strings.setupUninstallKeepSyncHelp}
      />
    </Confirmation>
  );
}

export interface UndoConfirmationProps {
  /** The Apply Undo would undo, when the last check or write named it. */
  apply?: Omit<RestoredBackup, 'backupId'>;
  onConfirm(): void;
  onCancel(): void;
  waiting?: boolean;
}

/** Undo rewrites the live workflow (chats waiting are routed again) and the webhooks: asked first, naming the Apply. */
export function UndoConfirmation({ apply, onConfirm, onCancel, waiting = false }: UndoConfirmationProps): JSX.Element {
  const when = apply ? new Date(apply.at) : undefined;
  const at = when && !Number.isNaN(when.getTime()) ? absoluteTime(when) : apply?.at;
  const which = !apply
    ? strings.setupUndoTheLast
    : format(apply.by ? strings.setupUndoTheApplyOfBy : strings.setupUndoTheApplyOf, { at: at ?? '', by: apply.by });
  return (
    <Confirmation
      heading={strings.setupUndoHeading}
      confirmLabel={strings.setupUndoConfirm}
      onConfirm={onConfirm}
      onCancel={onCancel}
      waiting={waiting}
    >
      <CalloutText>{format(strings.setupUndoIntro, { apply: which })}</CalloutText>
    </Confirmation>
  );
}

// The confirmation before Uninstall: what it removes, and whether the OpenCX data in Sync stays.
import React, { useEffect, useState } from 'react';
import { AlertDialog } from '@twilio-paste/core/alert-dialog';
import { Checkbox } from '@twilio-paste/core/checkbox';
import { Stack } from '@twilio-paste/core/stack';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import { strings } from '../strings';

export interface UninstallDialogProps {
  isOpen: boolean;
  onConfirm(keepSyncData: boolean): void;
  onDismiss(): void;
}

export function UninstallDialog({ isOpen, onConfirm, onDismiss }: UninstallDialogProps): JSX.Element {
  const [keepSyncData, setKeepSyncData] = useState(false);
  const keepSyncId = useUID();

  // Each opening starts from deleting the data: keeping it is a choice made for one uninstall.
  useEffect(() => {
    if (isOpen) setKeepSyncData(false);
  }, [isOpen]);

  return (
    <AlertDialog
      heading={strings.setupUninstallHeading}
      isOpen={isOpen}
      destructive
      onConfirm={() => onConfirm(keepSyncData)}
      onConfirmLabel={strings.setupUninstallConfirm}
      onDismiss={onDismiss}
      onDismissLabel={strings.setupUninstallCancel}
    >
      <Stack orientation="vertical" spacing="space50">
        <Text as="p">{strings.setupUninstallExplain}</Text>
        <Checkbox
          id={keepSyncId}
          name="keepSyncData"
          checked={keepSyncData}
          helpText={strings.setupUninstallKeepSyncHelp}
          onChange={(event) => setKeepSyncData(event.target.checked)}
        >
          {strings.setupUninstallKeepSync}
        </Checkbox>
      </Stack>
    </AlertDialog>
  );
}

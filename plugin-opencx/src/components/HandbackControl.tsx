import React, { useEffect, useRef, useState } from 'react';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Callout } from '@twilio-paste/core/callout';
import { HelpText } from '@twilio-paste/core/help-text';
import { Label } from '@twilio-paste/core/label';
import { Text } from '@twilio-paste/core/text';
import { TextArea } from '@twilio-paste/core/textarea';
import { useUID } from '@twilio-paste/core/uid-library';

import type { AgentClient, HandbackError } from '../api/agentClient';
import { MAX_INSTRUCTION_LENGTH } from '../domain/history';
import { format, strings } from '../strings';

/** What a hand-back of the task answered: someone else's first, and whether Flex moved the task to wrap-up. */
export interface HandbackOutcome {
  already: boolean;
  wrappedUp: boolean;
}

export interface HandbackControlProps {
  client: Pick<AgentClient, 'handBack'>;
  taskSid: string;
  /** The agent's current Flex token (Flex renews it). */
  token: () => string;
  /** What a hand-back of this task answered before, shown instead of the button. */
  done?: HandbackOutcome;
  /** Told what the hand-back answered, to show it once the task is in wrap-up, where this control is gone. */
  onDone?: (outcome: HandbackOutcome) => void;
}

type State =
  | { step: 'closed' }
  | { step: 'editing'; error?: HandbackError }
  | { step: 'sending' }
  | ({ step: 'done' } & HandbackOutcome);

/** The hand-back's confirmation. */
export function HandbackDone({ already, wrappedUp }: HandbackOutcome): JSX.Element {
  return (
    <Box role="status">
      <Callout variant="success">
        <Text as="span">
          {already ? strings.handbackAlready : wrappedUp ? strings.handbackDone : strings.handbackDoneWrapUpYourself}
        </Text>
      </Callout>
    </Box>
  );
}

/** "Hand back to AI": an optional instruction, then a confirmation; the AI then has the conversation again. */
export function HandbackControl({ client, taskSid, token, done, onDone }: HandbackControlProps): JSX.Element {
  const [state, setState] = useState<State>(done ? { step: 'done', ...done } : { step: 'closed' });
  const [instruction, setInstruction] = useState('');
  // The wrap-up the hand-back causes may take this control away before the answer comes.
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const fieldId = useUID();
  const helpId = useUID();
  const tooLong = instruction.trim().length > MAX_INSTRUCTION_LENGTH;

  if (state.step === 'done') return <HandbackDone already={state.already} wrappedUp={state.wrappedUp} />;
  if (state.step === 'closed') {
    return (
      <Button variant="secondary" size="small" onClick={() => setState({ step: 'editing' })}>
        {strings.handbackButton}
      </Button>
    );
  }

  const sending = state.step === 'sending';
  const error = state.step === 'editing' ? state.error : undefined;
  const fieldError = tooLong
    ? format(strings.handbackInstructionTooLong, { max: MAX_INSTRUCTION_LENGTH })
    : error?.field === 'instruction'
      ? error.message
      : undefined;

  const submit = async (): Promise<void> => {
    setState({ step: 'sending' });
    const result = await client.handBack(token(), { taskSid, instruction });
    if (!result.ok) {
      if (mounted.current) setState({ step: 'editing', error: result.error });
      return;
    }
    const outcome = { already: result.alreadyHandedBack, wrappedUp: result.wrappedUp };
    onDone?.(outcome);
    if (mounted.current) setState({ step: 'done', ...outcome });
  };

  return (
    <Box
      as="form"
      display="flex"
      flexDirection="column"
      rowGap="space30"
      onSubmit={(event: React.FormEvent) => {
        event.preventDefault();
        if (!tooLong) void submit();
      }}
    >
      {error && error.field !== 'instruction' ? (
        <Alert variant="error">
          <Text as="span">{error.message}</Text>
        </Alert>
      ) : null}
      <Box>
        <Label htmlFor={fieldId}>{strings.handbackInstructionLabel}</Label>
        <TextArea
          id={fieldId}
          name="instruction"
          aria-describedby={helpId}
          value={instruction}
          disabled={sending}
          hasError={Boolean(fieldError)}
          onChange={(event) => setInstruction(event.target.value)}
        />
        <HelpText id={helpId} variant={fieldError ? 'error' : 'default'}>
          {fieldError ?? strings.handbackInstructionHelp}
        </HelpText>
      </Box>
      <Box display="flex" columnGap="space30">
        <Button type="submit" variant="primary" size="small" loading={sending} disabled={tooLong}>
          {strings.handbackConfirm}
        </Button>
        <Button variant="secondary" size="small" disabled={sending} onClick={() => setState({ step: 'closed' })}>
          {strings.handbackCancel}
        </Button>
      </Box>
    </Box>
  );
}

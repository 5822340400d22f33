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
import type { HistoryEntry } from '../domain/history';
import { MAX_INSTRUCTION_LENGTH } from '../domain/history';
import { format, strings } from '../strings';
import { useFocusAfterBusy } from './useFocusAfterBusy';

/** What a hand-back of the task answered: someone else's first, and whether Flex moved the task to wrap-up. */
export interface HandbackOutcome {
  already: boolean;
  wrappedUp: boolean;
  /** Another agent's task holds the conversation now, not the AI (End chat after a later handoff). */
  elsewhere?: boolean;
}

/** The answer kept for the task, with who holds the conversation now (the agent's task does not say). */
export type HandbackAnswer = HandbackOutcome & { history?: HistoryEntry[] };

/**
 * Where a task's hand-back stands, kept beyond this control: the agent may switch to another task
 * while it is sent, and the answer (a failure too) must be there when they come back.
 */
export type HandbackProgress =
  | { step: 'sending'; instruction: string }
  /** `seen`: the form showed it while the agent still held the task, so wrap-up does not repeat it. */
  | { step: 'failed'; instruction: string; error: HandbackError; seen?: boolean }
  | ({ step: 'done' } & HandbackAnswer);

export interface HandbackControlProps {
  client: Pick<AgentClient, 'handBack'>;
  taskSid: string;
  /** The agent's current Flex token (Flex renews it). */
  token: () => string;
  /** Where a hand-back of this task stands, shown instead of the button; followed as it changes. */
  progress?: HandbackProgress;
  /** Told each step of the hand-back (undefined: the agent dismissed a failure), shown or not. */
  onProgress?: (progress: HandbackProgress | undefined) => void;
  /** The instruction typed before the agent switched tasks: the form opens with it. */
  draft?: string;
  /** Told the instruction as it is typed; undefined once the form is closed or sent. */
  onDraft?: (instruction: string | undefined) => void;
}

type State =
  | { step: 'closed' }
  | { step: 'editing'; error?: HandbackError }
  | { step: 'sending' }
  | ({ step: 'done' } & HandbackOutcome);

function stateOf(progress: HandbackProgress | undefined): State {
  if (!progress) return { step: 'closed' };
  if (progress.step === 'failed') return { step: 'editing', error: progress.error };
  return progress.step === 'sending' ? { step: 'sending' } : progress;
}

/** The hand-back's confirmation; `focusRef` lets the control move keyboard focus onto it. */
export function HandbackDone({
  already,
  wrappedUp,
  elsewhere,
  focusRef,
}: HandbackOutcome & { focusRef?: React.Ref<HTMLDivElement> }): JSX.Element {
  return (
    <Box role="status" ref={focusRef} tabIndex={focusRef ? -1 : undefined}>
      <Callout variant={elsewhere ? 'neutral' : 'success'}>
        <Text as="span">
          {elsewhere
            ? strings.handbackHeldElsewhere
            : wrappedUp
              ? strings.handbackDone
              : already
                ? strings.handbackAlready
                : strings.handbackDoneWrapUpYourself}
        </Text>
      </Callout>
    </Box>
  );
}

/** "Hand back to AI": an optional instruction, then a confirmation; the AI then has the conversation again. */
export function HandbackControl({
  client,
  taskSid,
  token,
  progress,
  onProgress,
  draft,
  onDraft,
}: HandbackControlProps): JSX.Element {
  const [state, setState] = useState<State>(() =>
    !progress && draft !== undefined ? { step: 'editing' } : stateOf(progress),
  );
  // The draft is the newest: typed after the instruction a failed hand-back sent, it is kept.
  const [instruction, setInstruction] = useState(
    draft ?? (progress && progress.step !== 'done' ? progress.instruction : ''),
  );
  // A hand-back sent before this control was shown again answers here.
  useEffect(() => {
    if (progress) setState(stateOf(progress));
  }, [progress]);
  // A failure this form shows is seen: wrap-up does not repeat it.
  const tell = useRef(onProgress);
  tell.current = onProgress;
  useEffect(() => {
    if (progress?.step === 'failed' && !progress.seen) tell.current?.({ ...progress, seen: true });
  }, [progress]);
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
  // Keyboard focus follows what the agent opened or closed: the button they pressed is gone.
  const field = useRef<HTMLTextAreaElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const done = useRef<HTMLDivElement>(null);
  const form = useRef<HTMLFormElement>(null);
  // A failed send leaves the form: its button, disabled while sending, gets the focus back.
  const submitButton = useFocusAfterBusy<HTMLButtonElement>(state.step === 'sending');
  const moveFocus = useRef<'field' | 'button' | 'done'>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once the step the agent chose is rendered
  useEffect(() => {
    const targets = { field: field.current, button: button.current, done: done.current };
    const target = moveFocus.current ? targets[moveFocus.current] : null;
    moveFocus.current = undefined;
    target?.focus();
  }, [state.step]);

  if (state.step === 'done')
    return (
      <HandbackDone already={state.already} wrappedUp={state.wrappedUp} elsewhere={state.elsewhere} focusRef={done} />
    );
  if (state.step === 'closed') {
    return (
      <Button
        ref={button}
        variant="secondary"
        size="small"
        onClick={() => {
          moveFocus.current = 'field';
          onDraft?.(instruction);
          setState({ step: 'editing' });
        }}
      >
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
    onProgress?.({ step: 'sending', instruction });
    const result = await client.handBack(token(), { taskSid, instruction });
    if (!result.ok) {
      onProgress?.({ step: 'failed', instruction, error: result.error, seen: mounted.current });
      if (mounted.current) setState({ step: 'editing', error: result.error });
      return;
    }
    const outcome = { already: result.alreadyHandedBack, wrappedUp: result.wrappedUp };
    onDraft?.(undefined);
    onProgress?.({ step: 'done', ...outcome, ...(result.history.length > 0 ? { history: result.history } : {}) });
    // The form that held focus goes: the confirmation takes it, and a screen reader reads it. Not when
    // the agent went on elsewhere meanwhile (the message box): what they type there must stay there.
    const focused = document.activeElement;
    if (!focused || focused === document.body || form.current?.contains(focused)) moveFocus.current = 'done';
    if (mounted.current) setState({ step: 'done', ...outcome });
  };

  return (
    <Box
      ref={form}
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
          ref={field}
          id={fieldId}
          name="instruction"
          aria-describedby={helpId}
          value={instruction}
          disabled={sending}
          hasError={Boolean(fieldError)}
          onChange={(event) => {
            setInstruction(event.target.value);
            onDraft?.(event.target.value);
          }}
        />
        <HelpText id={helpId} variant={fieldError ? 'error' : 'default'}>
          {fieldError ?? strings.handbackInstructionHelp}
        </HelpText>
      </Box>
      <Box display="flex" columnGap="space30">
        <Button ref={submitButton} type="submit" variant="primary" size="small" loading={sending} disabled={tooLong}>
          {strings.handbackConfirm}
        </Button>
        <Button
          variant="secondary"
          size="small"
          disabled={sending}
          onClick={() => {
            onProgress?.(undefined);
            onDraft?.(undefined);
            moveFocus.current = 'button';
            setState({ step: 'closed' });
          }}
        >
          {strings.handbackCancel}
        </Button>
      </Box>
    </Box>
  );
}

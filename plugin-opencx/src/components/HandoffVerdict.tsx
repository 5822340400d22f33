import React, { useEffect, useRef, useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { HelpText } from '@twilio-paste/core/help-text';
import { Label } from '@twilio-paste/core/label';
import { Text } from '@twilio-paste/core/text';
import { TextArea } from '@twilio-paste/core/textarea';
import { useUID } from '@twilio-paste/core/uid-library';

import type { SubmitVerdict, VerdictInput } from '../api/agentClient';
import { strings } from '../strings';

export const MAX_COMMENT = 1000;

/** What the agent answered or typed and has not sent: kept when they switch to another task. */
export interface VerdictDraft {
  needed?: boolean;
  summaryRight?: boolean;
  /** A comment box left open, with what it held. */
  comment?: string;
  /** Why the last send failed, also when it failed after the agent had switched tasks. */
  failed?: string;
}

export interface HandoffVerdictProps {
  submit: SubmitVerdict;
  /** The verdict already on the task (its `opencxVerdict` attribute). */
  given?: { needed: boolean; summaryRight: boolean; comment?: string };
  /** The task's unsent verdict from before the agent switched tasks: the form opens with it. */
  draft?: VerdictDraft;
  /** Told what is unsent as it changes; undefined once nothing is. */
  onDraft?: (draft: VerdictDraft | undefined) => void;
}

type Status = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; message: string };

/**
 * The agent's verdict on the handoff: one click for each question; the verdict is sent once both
 * are answered (and again when an answer changes). A comment can follow.
 */
export function HandoffVerdict({ submit, given, draft, onDraft }: HandoffVerdictProps): JSX.Element {
  const [needed, setNeeded] = useState<boolean | undefined>(draft?.needed ?? given?.needed);
  const [summaryRight, setSummaryRight] = useState<boolean | undefined>(draft?.summaryRight ?? given?.summaryRight);
  // The answers last saved: what differs from them is unsent.
  const [saved, setSaved] = useState({ needed: given?.needed, summaryRight: given?.summaryRight });
  const unsentAnswers = needed !== saved.needed || summaryRight !== saved.summaryRight;
  const [status, setStatus] = useState<Status>(
    draft?.failed !== undefined
      ? { kind: 'failed', message: draft.failed }
      : given && !unsentAnswers
        ? { kind: 'saved' }
        : { kind: 'idle' },
  );
  const [commenting, setCommenting] = useState(draft?.comment !== undefined);
  // The comment already on the task is the one to edit: sending replaces it.
  const [comment, setComment] = useState(draft?.comment ?? given?.comment ?? '');
  // biome-ignore lint/correctness/useExhaustiveDependencies: told only when what is unsent changes
  useEffect(() => {
    const unsent: VerdictDraft = {
      ...(unsentAnswers ? { needed, summaryRight } : {}),
      ...(commenting ? { comment } : {}),
      ...(status.kind === 'failed' ? { failed: status.message } : {}),
    };
    onDraft?.(Object.keys(unsent).length > 0 ? unsent : undefined);
  }, [needed, summaryRight, unsentAnswers, commenting, comment, status]);
  // A send still running when the agent switches tasks answers after this form is gone.
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  // A verdict replaces the one before it whole: a changed answer sends the comment again.
  const [sentComment, setSentComment] = useState(given?.comment);
  const commentId = useUID();
  // Keyboard focus follows the comment box: into it when opened, back to its button when it closes.
  const commentBox = useRef<HTMLTextAreaElement>(null);
  const commentButton = useRef<HTMLButtonElement>(null);
  const moveFocus = useRef(false);
  useEffect(() => {
    if (!moveFocus.current) return;
    moveFocus.current = false;
    (commenting ? commentBox.current : commentButton.current)?.focus();
  }, [commenting]);

  async function send(input: VerdictInput): Promise<boolean> {
    setStatus({ kind: 'saving' });
    const result = await submit(input);
    if (!mounted.current) {
      // Kept for the agent's return to the task: what failed to send, and why.
      const { needed: sentNeeded, summaryRight: sentSummaryRight, comment: sentText } = input;
      onDraft?.(
        result.ok
          ? undefined
          : {
              needed: sentNeeded,
              summaryRight: sentSummaryRight,
              // The comment box stays open only for a comment being sent from it.
              ...(commenting && sentText !== undefined ? { comment: sentText } : {}),
              failed: result.error.message,
            },
      );
      return result.ok;
    }
    setStatus(result.ok ? { kind: 'saved' } : { kind: 'failed', message: result.error.message });
    if (result.ok) setSaved({ needed: input.needed, summaryRight: input.summaryRight });
    return result.ok;
  }

  function answer(question: 'needed' | 'summaryRight', value: boolean): void {
    // Busy, not disabled: a disabled button loses the keyboard focus of the agent who just pressed it.
    if (status.kind === 'saving') return;
    // The saved answer clicked again: sending it again would note the verdict on OpenCX's session twice.
    if (status.kind === 'saved' && (question === 'needed' ? needed : summaryRight) === value) return;
    const next = { needed, summaryRight, [question]: value };
    if (question === 'needed') setNeeded(value);
    else setSummaryRight(value);
    if (next.needed !== undefined && next.summaryRight !== undefined)
      void send({
        needed: next.needed,
        summaryRight: next.summaryRight,
        ...(sentComment ? { comment: sentComment } : {}),
      });
  }

  /** The answers shown, sent again after a failed send (clicking a pressed answer is not obvious). */
  async function retry(): Promise<void> {
    if (needed === undefined || summaryRight === undefined) return;
    await send({ needed, summaryRight, ...(sentComment ? { comment: sentComment } : {}) });
  }

  async function sendComment(): Promise<void> {
    if (status.kind === 'saving' || needed === undefined || summaryRight === undefined) return;
    if (await send({ needed, summaryRight, comment })) {
      setSentComment(comment);
      moveFocus.current = true;
      setCommenting(false);
    }
  }

  const saving = status.kind === 'saving';
  const complete = needed !== undefined && summaryRight !== undefined;
  return (
    <Box
      marginTop="space40"
      display="flex"
      flexDirection="column"
      rowGap="space30"
      role="group"
      aria-label={strings.verdictTitle}
    >
      <Question
        label={strings.verdictNeeded}
        value={needed}
        busy={saving}
        onAnswer={(value) => answer('needed', value)}
      />
      <Question
        label={strings.verdictSummaryRight}
        value={summaryRight}
        busy={saving}
        onAnswer={(value) => answer('summaryRight', value)}
      />
      <Box display="flex" alignItems="center" columnGap="space30" aria-live="polite">
        {status.kind === 'saving' ? (
          <Text as="span" color="colorTextWeak">
            {strings.verdictSaving}
          </Text>
        ) : null}
        {status.kind === 'saved' ? (
          <Text as="span" color="colorTextSuccess">
            {strings.verdictSaved}
          </Text>
        ) : null}
        {status.kind === 'idle' && !complete && (needed !== undefined || summaryRight !== undefined) ? (
          <Text as="span" color="colorTextWeak">
            {strings.verdictAnswerBoth}
          </Text>
        ) : null}
        {status.kind === 'failed' ? (
          <Text as="span" color="colorTextError">
            {status.message}
          </Text>
        ) : null}
        {status.kind === 'failed' && complete && !commenting ? (
          <Button variant="link" size="small" onClick={() => void retry()}>
            {strings.verdictTryAgain}
          </Button>
        ) : null}
        {complete && !commenting && status.kind === 'saved' ? (
          <Button
            ref={commentButton}
            variant="link"
            size="small"
            onClick={() => {
              moveFocus.current = true;
              setCommenting(true);
            }}
          >
            {strings.verdictAddComment}
          </Button>
        ) : null}
      </Box>
      {commenting ? (
        <Box>
          <Label htmlFor={commentId}>{strings.verdictComment}</Label>
          <TextArea
            ref={commentBox}
            id={commentId}
            value={comment}
            maxLength={MAX_COMMENT}
            aria-describedby={`${commentId}-help`}
            onChange={(event) => setComment(event.target.value)}
          />
          <HelpText id={`${commentId}-help`}>{strings.verdictCommentHelp}</HelpText>
          <Box marginTop="space30">
            {/* Busy, not disabled, while sending, as the answers are: the agent who pressed it keeps the focus. */}
            <Button
              variant="secondary"
              size="small"
              disabled={!comment.trim()}
              aria-disabled={saving}
              onClick={() => void sendComment()}
            >
              {strings.verdictSendComment}
            </Button>
          </Box>
        </Box>
      ) : null}
    </Box>
  );
}

function Question({
  label,
  value,
  busy,
  onAnswer,
}: {
  label: string;
  value?: boolean;
  /** A verdict is being sent: the answers are not taken, and say so, but keep their focus. */
  busy: boolean;
  onAnswer: (value: boolean) => void;
}): JSX.Element {
  return (
    <Box display="flex" alignItems="center" columnGap="space30" role="group" aria-label={label}>
      <Text as="span" fontWeight="fontWeightSemibold">
        {label}
      </Text>
      <Button
        variant="secondary"
        size="small"
        pressed={value === true}
        aria-disabled={busy}
        onClick={() => onAnswer(true)}
      >
        {strings.verdictYes}
      </Button>
      <Button
        variant="secondary"
        size="small"
        pressed={value === false}
        aria-disabled={busy}
        onClick={() => onAnswer(false)}
      >
        {strings.verdictNo}
      </Button>
    </Box>
  );
}

import React, { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { HelpText } from '@twilio-paste/core/help-text';
import { Label } from '@twilio-paste/core/label';
import { Text } from '@twilio-paste/core/text';
import { TextArea } from '@twilio-paste/core/textarea';
import { useUID } from '@twilio-paste/core/uid-library';

import type { SubmitVerdict, VerdictInput } from '../api/agentClient';
import { format, strings } from '../strings';

export const MAX_COMMENT = 1000;

/** What the agent answered or typed and has not sent: kept when they switch to another task. */
export interface VerdictDraft {
  needed?: boolean;
  summaryRight?: boolean;
  /** A comment box left open, with what it held. */
  comment?: string;
}

/**
 * Where the last send of the task's verdict stands, with the verdict sent. Kept beyond this form:
 * the agent may switch to another task while it is sent, and come back before or after the answer.
 */
export type VerdictSend =
  | { status: 'saving'; verdict: VerdictInput }
  /** `opencxMissed`: on the task, but not noted on OpenCX's session (it can be sent again). */
  | { status: 'saved'; verdict: VerdictInput; opencxMissed?: true }
  | { status: 'failed'; verdict: VerdictInput; message: string };

export interface HandoffVerdictProps {
  submit: SubmitVerdict;
  /** The agent's verdict already on the task (its `opencxVerdict` attribute). */
  given?: { needed: boolean; summaryRight: boolean; comment?: string };
  /** The task's unsent verdict from before the agent switched tasks: the form opens with it. */
  draft?: VerdictDraft;
  /** Told what is unsent as it changes; undefined once nothing is. */
  onDraft?: (draft: VerdictDraft | undefined) => void;
  /** The task's last send, followed as it changes; without `onSend`, this form keeps its own. */
  lastSend?: VerdictSend;
  /** Told each step of a send, also one answered after this form is gone. */
  onSend?: (send: VerdictSend) => void;
}

type Status = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; message: string };

/**
 * The agent's verdict on the handoff: one click for each question; the verdict is sent once both
 * are answered (and again when an answer changes). A comment can follow.
 */
export function HandoffVerdict({
  submit,
  given,
  draft,
  onDraft,
  lastSend: keptSend,
  onSend,
}: HandoffVerdictProps): JSX.Element {
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const [ownSend, setOwnSend] = useState<VerdictSend>();
  const lastSend = onSend ? keptSend : ownSend;
  const keepSend =
    onSend ??
    ((send: VerdictSend) => {
      if (mounted.current) setOwnSend(send);
    });
  const [needed, setNeeded] = useState(draft?.needed ?? lastSend?.verdict.needed ?? given?.needed);
  const [summaryRight, setSummaryRight] = useState(
    draft?.summaryRight ?? lastSend?.verdict.summaryRight ?? given?.summaryRight,
  );
  // The verdict on the task: the last one saved from here, else the one the task came with.
  const saved = lastSend?.status === 'saved' ? lastSend.verdict : given;
  const unsentAnswers = needed !== saved?.needed || summaryRight !== saved?.summaryRight;
  const status: Status =
    lastSend?.status === 'saving'
      ? { kind: 'saving' }
      : lastSend?.status === 'failed'
        ? { kind: 'failed', message: lastSend.message }
        : saved && !unsentAnswers
          ? { kind: 'saved' }
          : { kind: 'idle' };
  const [commenting, setCommenting] = useState(draft?.comment !== undefined);
  // The comment already on the task is the one to edit (the last sent from here, before the task says
  // so): sending replaces it.
  const [comment, setComment] = useState(
    draft?.comment ?? (lastSend ? lastSend.verdict.comment : given?.comment) ?? '',
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: told only when what is unsent changes
  useEffect(() => {
    const unsent: VerdictDraft = {
      ...(unsentAnswers ? { needed, summaryRight } : {}),
      ...(commenting ? { comment } : {}),
    };
    onDraft?.(Object.keys(unsent).length > 0 ? unsent : undefined);
  }, [needed, summaryRight, unsentAnswers, commenting, comment]);
  // A verdict replaces the one before it whole: a changed answer sends the comment again.
  const sentComment = saved?.comment;
  const commentId = useUID();
  // Keyboard focus follows the comment box: into it when opened, back to its button when it closes.
  const commentArea = useRef<HTMLDivElement>(null);
  const commentBox = useRef<HTMLTextAreaElement>(null);
  const commentButton = useRef<HTMLButtonElement>(null);
  const moveFocus = useRef(false);
  // "Try again" goes as its send starts: the focus it had goes to the first question's answer sent again.
  const firstAnswer = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!moveFocus.current) return;
    moveFocus.current = false;
    (commenting ? commentBox.current : commentButton.current)?.focus();
  }, [commenting]);
  // The comment saved closes its box, also when it was saved while the agent was on another task.
  // biome-ignore lint/correctness/useExhaustiveDependencies: on each send's step, not on each key typed
  useLayoutEffect(() => {
    if (lastSend?.status !== 'saved' || !commenting || (lastSend.verdict.comment ?? '') !== comment.trim()) return;
    moveFocus.current = commentArea.current?.contains(document.activeElement) === true;
    setCommenting(false);
  }, [lastSend]);

  async function send(verdict: VerdictInput): Promise<void> {
    keepSend({ status: 'saving', verdict });
    const result = await submit(verdict);
    keepSend(
      result.ok
        ? { status: 'saved', verdict, ...(result.opencxMissed ? { opencxMissed: true as const } : {}) }
        : { status: 'failed', verdict, message: result.error.message },
    );
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

  function sendComment(): void {
    if (status.kind === 'saving' || needed === undefined || summaryRight === undefined) return;
    if (comment.trim().length > MAX_COMMENT) return;
    const kept = comment.trim();
    void send({ needed, summaryRight, ...(kept ? { comment: kept } : {}) });
  }

  const saving = status.kind === 'saving';
  // The verdict is on the task; OpenCX's session missed its note.
  const opencxMissed = lastSend?.status === 'saved' && lastSend.opencxMissed === true && !unsentAnswers;
  const commentTooLong = comment.trim().length > MAX_COMMENT;
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
        pressedRef={firstAnswer}
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
        {status.kind === 'saved' && !opencxMissed ? (
          <Text as="span" color="colorTextSuccess">
            {strings.verdictSaved}
          </Text>
        ) : null}
        {status.kind === 'saved' && opencxMissed ? (
          <Text as="span" color="colorTextWarning">
            {strings.verdictSavedOpencxMissed}
          </Text>
        ) : null}
        {status.kind === 'saved' && opencxMissed && lastSend?.status === 'saved' && !commenting ? (
          <Button
            variant="link"
            size="small"
            onClick={() => {
              firstAnswer.current?.focus();
              void send(lastSend.verdict);
            }}
          >
            {strings.verdictSendToOpencxAgain}
          </Button>
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
        {lastSend?.status === 'failed' && !commenting ? (
          // The verdict that failed, sent again (clicking a pressed answer is not obvious).
          <Button
            variant="link"
            size="small"
            onClick={() => {
              firstAnswer.current?.focus();
              void send(lastSend.verdict);
            }}
          >
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
        <Box ref={commentArea}>
          <Label htmlFor={commentId}>{strings.verdictComment}</Label>
          <TextArea
            ref={commentBox}
            id={commentId}
            value={comment}
            aria-describedby={`${commentId}-help`}
            hasError={commentTooLong}
            onChange={(event) => setComment(event.target.value)}
          />
          {/* Said, not cut: a pasted comment cut at the limit would go without its end unnoticed. */}
          <HelpText id={`${commentId}-help`} variant={commentTooLong ? 'error' : 'default'}>
            {commentTooLong ? format(strings.verdictCommentTooLong, { max: MAX_COMMENT }) : strings.verdictCommentHelp}
          </HelpText>
          <Box marginTop="space30">
            {/* Busy, not disabled, while sending, as the answers are: the agent who pressed it keeps the focus. */}
            {/* An emptied box takes back the comment sent before (it stays in OpenCX's notes). */}
            <Button
              variant="secondary"
              size="small"
              disabled={(!comment.trim() && !sentComment) || commentTooLong}
              aria-disabled={saving}
              onClick={sendComment}
            >
              {comment.trim() || !sentComment ? strings.verdictSendComment : strings.verdictRemoveComment}
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
  pressedRef,
  busy,
  onAnswer,
}: {
  label: string;
  value?: boolean;
  /** Put on the pressed answer. */
  pressedRef?: React.Ref<HTMLButtonElement>;
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
        ref={value === true ? pressedRef : undefined}
        variant="secondary"
        size="small"
        pressed={value === true}
        aria-disabled={busy}
        onClick={() => onAnswer(true)}
      >
        {strings.verdictYes}
      </Button>
      <Button
        ref={value === false ? pressedRef : undefined}
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

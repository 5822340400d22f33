// Every string the plugin shows, in one place. To localise, translate the values; `{name}`
// placeholders are filled by `format`.

export interface OpencxStrings {
  handoffPanelTitle: string;
  handoffReason: string;
  handoffSummary: string;
  handoffSummaryMissing: string;
  handoffShowMore: string;
  handoffShowLess: string;
  handoffSentiment: string;
  handoffLanguage: string;
  handoffTime: string;
  handoffOpenInOpencx: string;
  handbackButton: string;
  handbackInstructionLabel: string;
  handbackInstructionHelp: string;
  handbackInstructionTooLong: string;
  handbackConfirm: string;
  handbackCancel: string;
  handbackDone: string;
  handbackDoneWrapUpYourself: string;
  handbackAlready: string;
  handbackHeldElsewhere: string;
  handbackUnanswered: string;
  handbackEndChatWarning: string;
  handbackEndChatHeldElsewhere: string;
  handbackEndChatUnderWay: string;
  handbackClosedByEndChat: string;
  handbackSendingAfterAccept: string;
  handbackEndChatWaits: string;
  handbackEndChatChecking: string;
  handbackFailedAfterAccept: string;
  handbackWrapupUnconfirmed: string;
  handbackWrapupRefused: string;
  handbackFunctionsUrlMissing: string;
  handbackCanceled: string;
  historyTitle: string;
  historyAi: string;
  historyHuman: string;
  historyHandedBackBy: string;
  historyInstruction: string;
  verdictTitle: string;
  verdictNeeded: string;
  verdictSummaryRight: string;
  verdictYes: string;
  verdictNo: string;
  verdictSaving: string;
  verdictSaved: string;
  verdictSavedOpencxMissed: string;
  verdictSendToOpencxAgain: string;
  verdictAddComment: string;
  verdictComment: string;
  verdictCommentHelp: string;
  verdictSendComment: string;
  verdictRemoveComment: string;
  verdictCommentTooLong: string;
  verdictAnswerBoth: string;
  verdictTryAgain: string;
  externalLinkLabel: string;
  sentimentPositive: string;
  sentimentNeutral: string;
  sentimentNegative: string;
  taskListBadge: string;
  taskListBadgeLabel: string;
  aiMessageBadge: string;
  aiMessageBadgeLabel: string;
  handoffNoteBadge: string;
  handoffNoteBadgeLabel: string;
  handbackNoteBadge: string;
  handbackNoteBadgeLabel: string;
  idleCloseNoteBadge: string;
  idleCloseNoteBadgeLabel: string;

  insightsNavLabel: string;
  insightsTitle: string;
  insightsIntro: string;
  insightsPeriodsLabel: string;
  insightsPeriodToday: string;
  insightsPeriod7d: string;
  insightsPeriod30d: string;
  insightsLoading: string;
  insightsLoadFailed: string;
  insightsRetry: string;
  insightsRefresh: string;
  insightsNoneEngaged: string;
  insightsPartial: string;
  insightsLiveLabel: string;
  insightsLiveValue: string;
  insightsLiveNoCapacity: string;
  insightsLiveDraining: string;
  insightsLiveDrainingOne: string;
  insightsLivePaused: string;
  insightsLivePausedOne: string;
  insightsEngaged: string;
  insightsEngagedDetail: string;
  insightsContained: string;
  insightsContainedDetail: string;
  insightsHandedOff: string;
  insightsHandedOffDetail: string;
  insightsMedianWithAi: string;
  insightsMedianWithAiDetail: string;
  insightsAiUnavailable: string;
  insightsAiUnavailableDetail: string;
  insightsHandbacks: string;
  insightsHandbacksDetail: string;
  insightsNotNeeded: string;
  insightsNotNeededDetail: string;
  insightsNoVerdicts: string;
  insightsNoValue: string;
  insightsDailyTitle: string;
  insightsDailyDay: string;
  insightsDailyInProgress: string;
  insightsReasonsTitle: string;
  insightsReasonShow: string;
  insightsSentimentTitle: string;
  insightsNoHandoffs: string;
  insightsHandoffsTitle: string;
  insightsHandoffsReasonFilter: string;
  insightsHandoffsAllReasons: string;
  insightsHandoffsShowing: string;
  insightsHandoffsShowingLatest: string;
  insightsHandoffsShowMore: string;
  insightsHandoffsNone: string;
  insightsColumnTime: string;
  insightsColumnReason: string;
  insightsColumnSentiment: string;
  insightsColumnWithAi: string;
  insightsColumnVerdict: string;
  insightsColumnTask: string;
  insightsNoReason: string;
  insightsVerdictNeeded: string;
  insightsVerdictNotNeeded: string;
  insightsVerdictSummaryWrong: string;
  insightsVerdictNone: string;
  durationSeconds: string;
  durationMinutes: string;
  durationHours: string;

  settingsNavLabel: string;
  settingsTitle: string;
  settingsIntro: string;
  settingsLoading: string;
  settingsLoadFailed: string;
  settingsLoadRetry: string;
  settingsConnected: string;
  settingsConnectedTo: string;
  settingsNotConfigured: string;
  settingsTokenLabel: string;
  settingsTokenHelpNew: string;
  settingsTokenHelpSaved: string;
  settingsTokenRequired: string;
  settingsExtraTokensLabel: string;
  settingsExtraTokensHelp: string;
  settingsExtraTokensSaved: string;
  settingsExtraTokenRemove: string;
  settingsExtraTokenRemoveLabel: string;
  settingsExtraTokensRemovedUntilSaved: string;
  settingsExtraTokensAddLabel: string;
  settingsExtraTokensTooMany: string;
  settingsQueueLabel: string;
  settingsQueueHelp: string;
  settingsQueueInvalid: string;
  settingsAuthorLabel: string;
  settingsAuthorHelp: string;
  settingsPeakLabel: string;
  settingsPeakUnit: string;
  settingsPeakHelp: string;
  settingsPeakPool: string;
  settingsPeakPoolOne: string;
  settingsPeakInvalid: string;
  settingsWebhookHeading: string;
  settingsWebhookSecretLabel: string;
  settingsWebhookSecretHelpNew: string;
  settingsWebhookSecretHelpSaved: string;
  settingsWebhookSecretSavedPlaceholder: string;
  settingsWebhookUrlLabel: string;
  settingsWebhookUrlHelp: string;
  settingsWebhookUrlMissing: string;
  settingsCopy: string;
  settingsCopyLabel: string;
  settingsCopied: string;
  settingsCopyUnavailable: string;
  settingsHandoffHeading: string;
  settingsAnswerTimeoutLabel: string;
  settingsAnswerTimeoutUnit: string;
  settingsAnswerTimeoutHelp: string;
  settingsAnswerTimeoutInvalid: string;
  settingsIdleCloseLabel: string;
  settingsIdleCloseUnit: string;
  settingsIdleCloseHelp: string;
  settingsIdleCloseInvalid: string;
  settingsIdleCloseNoteLabel: string;
  settingsIdleCloseNoteHelp: string;
  settingsIdleCloseNoteTooLong: string;
  settingsNoteLabel: string;
  settingsNoteHelp: string;
  settingsNoteCount: string;
  settingsNoteTooLong: string;
  settingsTranslationsLabel: string;
  settingsTranslationsHelp: string;
  settingsTranslationLabel: string;
  settingsTranslationLanguageLabel: string;
  settingsTranslationNoteLabel: string;
  settingsTranslationAdd: string;
  settingsTranslationRemove: string;
  settingsTranslationRemoveLabel: string;
  settingsTranslationLanguageRequired: string;
  settingsTranslationLanguageInvalid: string;
  settingsTranslationLanguageDuplicate: string;
  settingsTranslationNoteEmpty: string;
  settingsHandbackNoteLabel: string;
  settingsHandbackNoteHelp: string;
  settingsHandbackTranslationsLabel: string;
  settingsHandbackTranslationLabel: string;
  settingsHandbackTranslationAddLabel: string;
  settingsHandbackTranslationRemoveLabel: string;
  settingsHandbackTranslationNoteEmpty: string;
  settingsWorkspaceLabel: string;
  settingsConversationsServiceLabel: string;
  settingsFlexResourceHelp: string;
  settingsFlexResourceMissing: string;
  settingsWorkspaceMissing: string;
  settingsWorkflowLabel: string;
  settingsWorkflowHelp: string;
  settingsWorkflowDiscoveredOption: string;
  settingsWorkflowMissingOption: string;
  settingsWorkflowInUse: string;
  settingsWorkflowInUseDiscovered: string;
  settingsWorkflowUnclear: string;
  settingsWorkflowConflict: string;
  settingsWorkflowUnsaved: string;
  settingsSave: string;
  settingsSaving: string;
  settingsSaved: string;
  settingsSavedWorkerCreated: string;
  settingsSavedWebhooksNotUpdated: string;
  settingsSavedWorkersAwaitApply: string;
  settingsSavedWorkersNotOpened: string;
  settingsSavedFormerWorkersLeft: string;
  settingsSavedFormerWorkerLeft: string;
  settingsSavedFormerWorkersUnlisted: string;
  settingsSavedKeyUnchecked: string;
  settingsSavedKeysUnchecked: string;
  settingsSaveFailed: string;
  settingsSaveUnfinished: string;
  settingsSaveFailedField: string;
  settingsConfirmChange: string;
  settingsConfirmChangeHelp: string;
  settingsChangedSinceLoaded: string;
  settingsReload: string;
  settingsReloaded: string;
  settingsRefreshFailed: string;
  settingsRefreshed: string;
  settingsChangedUnderEdits: string;
  settingsTheirChangesShown: string;
  settingsRefreshAgain: string;
  settingsFunctionsUrlMissing: string;
  insightsFunctionsUrlMissing: string;
  settingsFunctionsFound: string;
  /** Where `settingsFunctionsFound` found the Functions (its `{source}`). */
  settingsFunctionsFromBuild: string;
  settingsFunctionsFromConfig: string;
  settingsNetworkError: string;
  functionsUnreachableWrite: string;
  settingsUnexpectedResponse: string;
  functionsUnanswered: string;
  functionsUnansweredRead: string;
  functionsUnreachableRead: string;

  setupTitle: string;
  setupIntro: string;
  setupCheck: string;
  setupChecking: string;
  setupApply: string;
  setupApplying: string;
  setupChecksLabel: string;
  setupStatusOk: string;
  setupStatusWarning: string;
  setupStatusProblem: string;
  setupFixLabel: string;
  setupAllOk: string;
  setupChecked: string;
  setupNeedsAttention: string;
  setupHumanQueueLabel: string;
  setupHumanQueueHelp: string;
  setupHumanQueueInvalid: string;
  setupReplaceUrl: string;
  setupReplaceUrlHelp: string;
  setupApplied: string;
  setupAppliedNothing: string;
  setupAppliedSkipped: string;
  setupCheckFailed: string;
  setupApplyFailed: string;
  setupApplyUnfinished: string;
  setupApplyFailedField: string;
  setupApplyStepsFailed: string;
  setupUndo: string;
  setupUndoing: string;
  setupUndone: string;
  setupUndoneBy: string;
  setupUndoNothing: string;
  setupUndoIncomplete: string;
  setupUndoFailed: string;
  setupUndoUnfinished: string;
  setupUndoStepsFailed: string;
  setupUndoHeading: string;
  setupUndoIntro: string;
  setupUndoTheLast: string;
  setupUndoTheApplyOf: string;
  setupUndoTheApplyOfBy: string;
  setupUndoConfirm: string;
  setupUninstall: string;
  setupUninstalling: string;
  setupUninstallHeading: string;
  setupUninstallIntro: string;
  setupUninstallRemovesFilters: string;
  setupUninstallRemovesWebhooks: string;
  setupUninstallRemovesTimers: string;
  setupUninstallRemovesWorkers: string;
  setupUninstallRemovesQueue: string;
  setupUninstallRemovesSync: string;
  setupUninstallKept: string;
  setupUninstallKeepSync: string;
  setupUninstallKeepSyncHelp: string;
  setupUninstallConfirm: string;
  setupUninstallCancel: string;
  setupUninstalled: string;
  setupUninstalledSyncKept: string;
  setupUninstalledSyncDeleted: string;
  setupUninstallIncomplete: string;
  setupUninstallFailed: string;
  setupUninstallUnfinished: string;
  setupUninstallStepsFailed: string;
  setupStepsApplyLabel: string;
  setupStepsUndoLabel: string;
  setupStepsUninstallLabel: string;
  setupStepApplied: string;
  setupStepUnchanged: string;
  setupStepSkipped: string;
  setupStepFailed: string;
  setupCheckAgain: string;
}

export const strings: OpencxStrings = {
  handoffPanelTitle: 'AI handoff',
  handoffReason: 'Reason',
  handoffSummary: 'Summary',
  handoffSummaryMissing: 'No summary provided',
  handoffShowMore: 'Show more',
  handoffShowLess: 'Show less',
  handoffSentiment: 'Customer sentiment',
  handoffLanguage: 'Language',
  handoffTime: 'Handed off',
  handoffOpenInOpencx: 'Open in OpenCX',
  handbackButton: 'Hand back to AI',
  handbackInstructionLabel: 'Instruction for the AI (optional)',
  handbackInstructionHelp:
    'For example: "Collect the shipping address, then close." ' +
    'The AI is also told that you handled part of the conversation.',
  handbackInstructionTooLong: 'The instruction can be at most {max} characters.',
  handbackConfirm: 'Hand back',
  handbackCancel: 'Cancel',
  handbackDone: 'The AI has the conversation again. Your task is in wrap-up: complete it when you are done.',
  handbackDoneWrapUpYourself:
    'The AI has the conversation again. Flex did not move your task to wrap-up: End chat moves it there ' +
    "(the customer's chat stays open, with the AI); then complete it.",
  handbackAlready:
    'This conversation was already handed back to the AI, which is answering the customer: End chat moves ' +
    "your task to wrap-up (the customer's chat stays open, with the AI); then complete it.",
  handbackHeldElsewhere:
    'Another agent has this conversation now (a transfer, or the AI handed it off again). Your task is in ' +
    'wrap-up: complete it when you are done.',
  handbackUnanswered: 'The hand-back got no answer: the AI may have the customer after all, or no one does.',
  handbackEndChatWarning:
    "End chat was stopped: the AI may be answering this customer, and Flex's End chat would close the chat " +
    'for everyone. Your task could not be moved to wrap-up on its own. End chat again to close the chat ' +
    'anyway, or ask a supervisor.',
  handbackEndChatHeldElsewhere:
    "End chat was stopped: another agent has this conversation now, and Flex's End chat would close the chat " +
    'for them too. Your task could not be moved to wrap-up on its own. End chat again to close the chat ' +
    'anyway, or ask a supervisor.',
  handbackEndChatUnderWay:
    'End chat was stopped: a hand-back of this conversation to the AI is under way (from another tab, or an ' +
    'earlier click still being answered). Try End chat again in a moment.',
  handbackClosedByEndChat:
    'End chat closed the conversation for everyone in it after it was handed back: nobody answers the ' +
    'customer in this chat now. Complete your task when you are done.',
  handbackSendingAfterAccept: 'Handing the conversation back to the AI…',
  handbackEndChatWaits:
    'End chat waits for the hand-back: once it is answered, your task moves to wrap-up, or End chat works again.',
  handbackEndChatChecking: 'Checking whether the AI has this conversation before End chat closes it…',
  handbackCanceled:
    'Another customization of Flex stopped the hand-back: nothing was sent, and you still hold the chat.',
  handbackFailedAfterAccept:
    'Hand back to AI was not confirmed, and it cannot be tried again from wrap-up: the customer may have no one ' +
    'answering. Tell a supervisor before you complete your task.',
  handbackWrapupUnconfirmed: 'No answer confirmed it: the AI may have the customer after all, or no one does.',
  handbackWrapupRefused: 'It was refused: the AI does not have the customer.',
  handbackFunctionsUrlMissing:
    'Hand back to AI is not set up: ask your Flex admin to set {setting} in the Flex configuration.',
  historyTitle: 'Who handled this conversation',
  historyAi: 'AI',
  historyHuman: 'Agent',
  historyHandedBackBy: 'Handed back by {agent}',
  historyInstruction: 'Instruction: {instruction}',
  verdictTitle: 'Your verdict on this handoff',
  verdictNeeded: 'Handoff needed?',
  verdictSummaryRight: 'Summary right?',
  verdictYes: 'Yes',
  verdictNo: 'No',
  verdictSaving: 'Saving…',
  verdictSaved: 'Thanks, saved.',
  verdictSavedOpencxMissed: 'Saved on the task, but OpenCX did not get it, so the AI does not learn from it yet.',
  verdictSendToOpencxAgain: 'Send to OpenCX again',
  verdictAddComment: 'Add a comment',
  verdictComment: 'Comment',
  verdictCommentHelp: 'What should the AI have done? It goes to OpenCX with your verdict.',
  verdictSendComment: 'Send comment',
  verdictRemoveComment: 'Remove comment',
  verdictCommentTooLong: 'The comment can be at most {max} characters.',
  verdictAnswerBoth: 'Answer both questions to save your verdict.',
  verdictTryAgain: 'Try again',
  externalLinkLabel: '(opens in a new tab)',
  sentimentPositive: 'Positive',
  sentimentNeutral: 'Neutral',
  sentimentNegative: 'Negative',
  taskListBadge: 'AI handoff',
  taskListBadgeLabel: 'Handed off by the AI, customer sentiment {sentiment}',
  aiMessageBadge: 'AI',
  aiMessageBadgeLabel: 'Sent by the OpenCX AI agent',
  handoffNoteBadge: 'Handoff note',
  handoffNoteBadgeLabel: 'Sent to the customer when the AI handed off; the AI’s summary is in the handoff panel',
  handbackNoteBadge: 'Handback note',
  handbackNoteBadgeLabel: 'Sent to the customer when an agent handed the conversation back to the AI',
  idleCloseNoteBadge: 'Closing note',
  idleCloseNoteBadgeLabel: 'Sent to the customer when the AI closed the conversation after a silence',

  insightsNavLabel: 'AI insights',
  insightsTitle: 'AI insights',
  insightsIntro: 'What the OpenCX AI handled on its own, what it handed to your agents and why. Days are UTC days.',
  insightsPeriodsLabel: 'Period',
  // The periods are UTC days (the Functions count them so); the table's times are the viewer's.
  insightsPeriodToday: 'Today (UTC)',
  insightsPeriod7d: 'Last 7 days',
  insightsPeriod30d: 'Last 30 days',
  insightsLoading: 'Loading the insights…',
  insightsLoadFailed: 'The insights could not be loaded. {message}',
  insightsRetry: 'Try again',
  insightsRefresh: 'Refresh',
  insightsNoneEngaged: 'The AI engaged no conversations in this period.',
  insightsPartial:
    'These figures count only what happened since {since}: the period holds more events than one read can count. ' +
    'Choose a shorter period to see all of it.',
  insightsLiveLabel: 'Live now',
  insightsLiveValue: '{count} AI conversations of {capacity} the AI pool can hold',
  insightsLiveNoCapacity: '{count} AI conversations; the AI pool has no open capacity',
  insightsLiveDraining: '{live}, and {count} more on AI workers being retired after the peak was lowered',
  insightsLiveDrainingOne: '{live}, and one more on an AI worker being retired after the peak was lowered',
  insightsLivePaused: '{live}, and {count} more on paused AI workers, which take no new ones',
  insightsLivePausedOne: '{live}, and one more on a paused AI worker, which takes no new ones',
  insightsEngaged: 'Conversations the AI engaged',
  insightsEngagedDetail: '{open} still with the AI or not yet ended',
  insightsContained: 'Contained',
  insightsContainedDetail: '{rate} ended with the AI',
  insightsHandedOff: 'Handed off',
  insightsHandedOffDetail: '{rate} handoff rate',
  insightsMedianWithAi: 'Median time with the AI before a handoff',
  insightsMedianWithAiDetail: 'From when the AI took the conversation to the handoff',
  insightsAiUnavailable: '“AI unavailable” handoffs',
  insightsAiUnavailableDetail: 'Handed off because the AI was down or too slow',
  insightsHandbacks: 'Handed back to the AI',
  insightsHandbacksDetail: 'By an agent, after a handoff',
  insightsNotNeeded: '“Handoff not needed”',
  insightsNotNeededDetail: '{notNeeded} of {total} agents’ verdicts; summary wrong in {summaryWrong}',
  insightsNoVerdicts: 'No verdicts from agents yet',
  insightsNoValue: '—',
  insightsDailyTitle: 'Conversations per day',
  insightsDailyDay: '{day}: {engaged} engaged, {contained} contained, {handedOff} handed off',
  insightsDailyInProgress: 'Still with the AI',
  insightsReasonsTitle: 'Top handoff reasons',
  insightsReasonShow: 'Show the handoffs for “{reason}”: {count}',
  insightsSentimentTitle: 'Customer sentiment at handoff',
  insightsNoHandoffs: 'No handoffs in this period.',
  insightsHandoffsTitle: 'Handoffs',
  insightsHandoffsReasonFilter: 'Reason',
  insightsHandoffsAllReasons: 'All reasons',
  insightsHandoffsShowing: 'Showing {shown} of {total}',
  insightsHandoffsShowingLatest: 'Showing {shown} of the latest {listed} ({total} in this period)',
  insightsHandoffsShowMore: 'Show more',
  insightsHandoffsNone: 'No handoffs match.',
  insightsColumnTime: 'Handed off (your time)',
  insightsColumnReason: 'Reason',
  insightsColumnSentiment: 'Sentiment',
  insightsColumnWithAi: 'Time with the AI',
  insightsColumnVerdict: 'Agent’s verdict',
  insightsColumnTask: 'Task',
  insightsNoReason: 'No reason given',
  insightsVerdictNeeded: 'Needed',
  insightsVerdictNotNeeded: 'Not needed',
  insightsVerdictSummaryWrong: 'summary wrong',
  insightsVerdictNone: 'None yet',
  durationSeconds: '{seconds} s',
  durationMinutes: '{minutes} min {seconds} s',
  durationHours: '{hours} h {minutes} min',

  settingsNavLabel: 'OpenCX',
  settingsTitle: 'OpenCX settings',
  settingsIntro:
    'Connect Flex to your OpenCX AI support agent. ' +
    'Test & Save checks the API key with OpenCX, then stores the settings ' +
    'and creates the AI worker if it does not exist yet.',
  settingsLoading: 'Loading the OpenCX settings…',
  settingsLoadFailed: 'Could not load the OpenCX settings. {message}',
  settingsLoadRetry: 'Try again',
  settingsConnected: 'Connected',
  settingsConnectedTo: 'Connected to {org}',
  settingsNotConfigured: 'Not configured',
  settingsTokenLabel: 'OpenCX API key',
  settingsTokenHelpNew: 'Create a key in OpenCX under Settings → Access and paste it here. It is never shown again.',
  settingsTokenHelpSaved: 'Saved key: {masked}. Leave empty to keep it, or paste a new key to replace it.',
  settingsTokenRequired: 'Enter the OpenCX API key',
  settingsExtraTokensLabel: 'More API keys of the same organisation',
  settingsExtraTokensHelp:
    'OpenCX allows 100 requests a minute per key: ' +
    'about 50 conversations at one customer message every 30 seconds, however long the AI takes to answer. ' +
    'Each further key of the same organisation adds as much; conversations are spread over the keys. ' +
    'Paste several separated by commas.',
  settingsExtraTokensSaved: 'Saved keys',
  settingsExtraTokenRemove: 'Remove',
  settingsExtraTokenRemoveLabel: 'Remove the key {masked}',
  settingsExtraTokensRemovedUntilSaved: 'A removed key stays in use until you Test & Save.',
  settingsExtraTokensAddLabel: 'Add keys',
  settingsExtraTokensTooMany: 'At most {max} further keys can be saved',
  settingsQueueLabel: 'AI queue SID (optional)',
  settingsQueueHelp: 'The TaskRouter queue that routes conversations to the AI, for example WQ0123…',
  settingsQueueInvalid: 'Expected a queue SID: WQ followed by 32 hexadecimal characters',
  settingsAuthorLabel: 'AI author name',
  settingsAuthorHelp: 'The name customers and agents see on the AI’s messages.',
  settingsPeakLabel: 'Peak of concurrent AI conversations',
  settingsPeakUnit: 'conversations',
  settingsPeakHelp:
    'The most conversations the AI answers at the same time, from {min} to {max}. ' +
    'TaskRouter gives one worker at most {capacity} conversations, so the AI works as a pool of workers.',
  settingsPeakPool:
    'The AI will work as {workers} TaskRouter workers of {capacity} conversations each ({slots} at once). ' +
    'A worker removed by a smaller peak finishes its conversations first.',
  settingsPeakPoolOne: 'The AI will work as one TaskRouter worker of {capacity} conversations.',
  settingsPeakInvalid: 'Enter a whole number of conversations from {min} to {max}',
  settingsWebhookHeading: 'OpenCX webhook',
  settingsWebhookSecretLabel: 'OpenCX webhook signing secret',
  settingsWebhookSecretHelpNew:
    'OpenCX shows a signing secret when you add the webhook below; paste it here. ' +
    'It is never shown again. Without it, slow AI answers cannot reach the customer.',
  settingsWebhookSecretHelpSaved: 'A secret is saved. Leave empty to keep it, or paste a new secret to replace it.',
  settingsWebhookSecretSavedPlaceholder: 'Saved',
  settingsWebhookUrlLabel: 'Webhook URL for OpenCX',
  settingsWebhookUrlHelp:
    'Paste into OpenCX → Settings → Integrations → Webhooks; ' +
    'events: conversation.ai_response, conversation.handoff_to_human',
  settingsWebhookUrlMissing:
    'These Functions do not report their webhook URL. Deploy the current version of the Functions.',
  settingsCopy: 'Copy',
  settingsCopyLabel: 'Copy the webhook URL',
  settingsCopied: 'Copied',
  settingsCopyUnavailable:
    'This browser does not allow copying here. The URL is selected: press Ctrl+C (⌘C on a Mac) to copy it.',
  settingsHandoffHeading: 'Handoff to humans',
  settingsAnswerTimeoutLabel: 'Hand to humans if the AI has not answered within',
  settingsAnswerTimeoutUnit: 'seconds',
  settingsAnswerTimeoutHelp:
    'From 15 to 600 seconds (default 60). ' +
    'The conversation then goes to your agents with the reason “AI unavailable”, ' +
    'without waiting for the customer to write again.',
  settingsAnswerTimeoutInvalid: 'Enter a whole number of seconds from {min} to {max}',
  settingsIdleCloseLabel: 'Close silent AI conversations after',
  settingsIdleCloseUnit: 'minutes',
  settingsIdleCloseHelp:
    '0 = never (the default), or from 10 to 10080 minutes (a week). ' +
    'A customer who leaves holds a slot of the AI worker pool until this closes the conversation; ' +
    'their next message starts a new conversation with the AI. Conversations humans hold are never closed. ' +
    'It applies to conversations the AI starts after you save.',
  settingsIdleCloseInvalid: 'Enter 0 (never) or a whole number of minutes from {min} to {max}',
  settingsIdleCloseNoteLabel: 'Note when a silent chat is closed',
  settingsIdleCloseNoteHelp:
    'What the customer reads just before the AI closes a conversation nobody wrote in ' +
    '(SMS and WhatsApp customers get it too). Leave it empty to close without a note.',
  settingsIdleCloseNoteTooLong: 'Keep the note for a closed silent chat to {max} characters or fewer',
  settingsNoteLabel: 'Message the customer sees at a handoff',
  settingsNoteHelp:
    'Posted into the conversation when the AI hands it to your agents, on every channel, ' +
    'SMS and WhatsApp included. Leave it empty to send no message. ' +
    'The AI’s summary and the customer’s sentiment are shown to agents only.',
  settingsNoteCount: '{count} of {max} characters',
  settingsNoteTooLong: 'Keep the message to {max} characters or fewer',
  settingsTranslationsLabel: 'Translations',
  settingsTranslationsHelp:
    'The message in other languages, chosen by the conversation’s language: ' +
    'the exact tag (es-MX), then its language (es), otherwise the message above. ' +
    'A language with an empty message gets none.',
  settingsTranslationLabel: 'Translation {number}',
  settingsTranslationLanguageLabel: 'Language tag',
  settingsTranslationNoteLabel: 'Message',
  settingsTranslationAdd: 'Add a language',
  settingsTranslationRemove: 'Remove',
  settingsTranslationRemoveLabel: 'Remove translation {number}',
  settingsTranslationLanguageRequired: 'Enter a language tag, for example es or pt-BR',
  settingsTranslationLanguageInvalid: 'Not a language tag: use a code such as es, fr-CA or pt-BR',
  settingsTranslationLanguageDuplicate: '{language} is listed more than once',
  settingsTranslationNoteEmpty:
    'No message: customers writing in {language} see none at a handoff. Enter one, or remove the row.',
  settingsHandbackNoteLabel: 'Message the customer sees when the AI takes over again',
  settingsHandbackNoteHelp:
    'Posted into the conversation when an agent hands it back and the AI resumes, on every channel, ' +
    'SMS and WhatsApp included, so customers know they are chatting with an AI again. ' +
    'Leave it empty to send no message.',
  settingsHandbackTranslationsLabel: 'Translations of the handback message',
  settingsHandbackTranslationLabel: 'Handback translation {number}',
  settingsHandbackTranslationAddLabel: 'Add a language to the handback message',
  settingsHandbackTranslationRemoveLabel: 'Remove handback translation {number}',
  settingsHandbackTranslationNoteEmpty:
    'No message: customers writing in {language} see none when the AI takes over again. ' +
    'Enter one, or remove the row.',
  settingsWorkspaceLabel: 'TaskRouter workspace',
  settingsConversationsServiceLabel: 'Conversations service',
  settingsFlexResourceHelp: 'Taken from this Flex account.',
  settingsFlexResourceMissing: 'Not found in this Flex account’s configuration',
  settingsWorkspaceMissing:
    'Settings not saved: this Flex account’s configuration names no TaskRouter workspace, so there is ' +
    'nowhere to put the AI. Reload Flex; if it stays missing, ask Twilio support to check the ' +
    'account’s Flex configuration.',
  settingsWorkflowLabel: 'Workflow',
  settingsWorkflowHelp: 'Check setup and Apply fixes use the workflow in use.',
  settingsWorkflowDiscoveredOption: 'Use the discovered workflow',
  settingsWorkflowMissingOption: '{sid} (not in the workspace)',
  settingsWorkflowInUse: 'In use: "{name}" ({sid}). {why}',
  settingsWorkflowInUseDiscovered: 'In use: "{name}" ({sid}), discovered in the account: {why}',
  settingsWorkflowUnclear: 'No workflow is in use. {reason} {fix}',
  settingsWorkflowConflict: 'Discovery found a conflict. {reason}',
  settingsWorkflowUnsaved: 'You can choose it once the settings are saved.',
  settingsSave: 'Test & Save',
  settingsSaving: 'Testing the API key with OpenCX and saving…',
  settingsSaved: 'Settings saved.',
  settingsSavedWorkerCreated: 'The AI worker was created in TaskRouter.',
  settingsSavedWorkersAwaitApply:
    'The AI workers stay unavailable, so no chat waits on them, until you Apply fixes below: ' +
    'the workspace events do not come here yet, or no workflow routes chats to the AI.',
  settingsSavedWorkersNotOpened:
    'The AI workers new to these settings could not be opened in TaskRouter, so they take no chats yet: ' +
    'save again to retry.',
  settingsSavedWebhooksNotUpdated:
    'The webhooks could not be told about the new settings: conversations already running keep the ' +
    'previous ones until you Apply fixes below.',
  settingsSavedFormerWorkersLeft:
    '{count} AI workers of the workspace you left still hold conversations: they take no new ones, and ' +
    'a later Test & Save deletes them once they hold none.',
  settingsSavedFormerWorkerLeft:
    'An AI worker of the workspace you left still holds conversations: it takes no new ones, and a ' +
    'later Test & Save deletes it once it holds none.',
  settingsSavedFormerWorkersUnlisted:
    'The AI workers of the workspace you left could not all be listed: a later Test & Save retires them.',
  settingsSavedKeyUnchecked:
    'OpenCX is rate-limiting a saved API key right now, so it was not checked again: it was checked when ' +
    'first saved.',
  settingsSavedKeysUnchecked:
    'OpenCX is rate-limiting {count} saved API keys right now, so they were not checked again: each was ' +
    'checked when first saved.',
  settingsSaveFailed: 'Settings not saved. {message}',
  settingsSaveUnfinished: 'Test & Save may not have finished. {message}',
  settingsSaveFailedField: 'Settings not saved: check the highlighted field.',
  settingsConfirmChange: 'Save this change anyway',
  settingsConfirmChangeHelp: 'Then click Test & Save again. The change applies to the next save only.',
  settingsChangedSinceLoaded:
    'Settings not saved: they were changed since you opened them, by another admin, by Apply, Undo or ' +
    'Uninstall, or by an earlier save of yours whose answer was lost. Saving would have put back the ' +
    'values you loaded. Reload the settings to see the current ones, then make your changes again.',
  settingsReload: 'Reload settings',
  settingsReloaded:
    'The current settings are loaded, with the keys and the secret you pasted and your changes to settings ' +
    'nobody else changed. Check them, make again the changes theirs replaced, then Test & Save.',
  settingsRefreshFailed:
    'The setup change may have changed the stored settings, but they could not be read again ({message}). ' +
    'Read them again before you save: your changes here are kept.',
  settingsRefreshAgain: 'Read the settings again',
  settingsRefreshed: 'The settings are read again: the form shows them, with your unsaved changes kept.',
  settingsChangedUnderEdits:
    'Another admin saved changes to settings you have also changed here. So as not to overwrite theirs, your ' +
    'changes cannot be saved as they are: reload the settings to see the current ones, then make your ' +
    'changes again.',
  settingsTheirChangesShown:
    'Another admin saved changes since you opened the settings: the form now shows them, with your unsaved ' +
    'changes kept. Check them before you save.',
  insightsFunctionsUrlMissing:
    'The AI insights cannot be shown: this Flex account is not told where the OpenCX Functions are. ' +
    'Ask a Flex admin to finish the OpenCX setup.',
  settingsFunctionsUrlMissing:
    'OpenCX Functions not found: set {setting} in the Flex configuration to your Functions domain ' +
    'and reload Flex, or build with {variable}.',
  settingsFunctionsFound:
    'OpenCX Functions: {url}, from {source}. If unreachable, check it is the domain twilio serverless:deploy printed.',
  settingsFunctionsFromBuild: 'the plugin build ({variable})',
  settingsFunctionsFromConfig: '{setting} in the Flex configuration',
  settingsNetworkError:
    'The OpenCX Functions could not be reached. Check your connection and the Functions URL, then try again.',
  functionsUnreachableWrite:
    'The OpenCX Functions could not be reached, or their answer was lost on its way back. Check your connection ' +
    'and the Functions URL, then try again.',
  settingsUnexpectedResponse: 'The OpenCX Functions gave an unexpected answer (HTTP {status}).',
  functionsUnanswered:
    'No answer came from the OpenCX Functions: what you asked may have been done all the same. Check, then try again.',
  functionsUnansweredRead: 'No answer came from the OpenCX Functions. Try again in a moment.',
  functionsUnreachableRead: 'The OpenCX Functions could not be reached. Check your connection, then try again.',

  setupTitle: 'Twilio setup',
  setupIntro:
    'Checks that TaskRouter, Conversations and OpenCX are wired to this deployment, ' +
    'and says how to fix what is not. Apply fixes makes the changes it can for you.',
  setupCheck: 'Check setup',
  setupChecking: 'Checking the Twilio setup…',
  setupApply: 'Apply fixes',
  setupApplying: 'Applying the fixes…',
  setupChecksLabel: 'Setup checks',
  setupStatusOk: 'OK',
  setupStatusWarning: 'Warning',
  setupStatusProblem: 'Problem',
  setupFixLabel: 'How to fix:',
  setupAllOk: 'All {count} checks passed.',
  setupChecked: 'Setup checked. {summary}',
  setupNeedsAttention: '{count} of {total} checks need attention.',
  setupHumanQueueLabel: 'Human queue SID',
  setupHumanQueueHelp:
    'The TaskRouter queue of your human agents (WQ…). Tasks the AI hands off go there: ' +
    'Apply fixes adds a “handedOff == true” filter to the top of the workflow that targets this queue. ' +
    'Leave it empty to apply the other fixes only.',
  setupHumanQueueInvalid: 'Expected a queue SID: WQ followed by 32 hexadecimal characters',
  setupReplaceUrl: 'Replace the existing webhook URL (it may belong to another environment)',
  setupReplaceUrlHelp: 'Without this, Apply fixes leaves a webhook URL that points elsewhere as it is.',
  setupApplied: 'Applied: {list}.',
  setupAppliedNothing: 'Nothing was changed.',
  setupAppliedSkipped: 'Not done: {list} (each step below says why).',
  setupCheckFailed: 'The setup could not be checked. {message}',
  setupApplyFailed: 'Fixes not applied. {message}',
  setupApplyUnfinished: 'Apply fixes may not have finished; the check below shows what is in place. {message}',
  setupApplyFailedField: 'Fixes not applied: check the highlighted field.',
  setupApplyStepsFailed:
    '{failed} of {total} steps failed. The steps that worked are kept; each step’s result is listed below.',
  setupUndo: 'Undo last apply',
  setupUndoing: 'Undoing the last apply…',
  setupUndone: 'Restored the setup as it was before the apply of {at}.',
  setupUndoneBy: 'Restored the setup as it was before the apply of {at} by {by}.',
  setupUndoNothing: 'Nothing to undo: no stored apply has changed this account.',
  setupUndoIncomplete:
    'Undo is not complete: what it kept, and why, is listed below ' +
    '(such as the webhooks while the AI still holds conversations). Undo again once that is resolved.',
  setupUndoFailed: 'Nothing undone. {message}',
  setupUndoUnfinished: 'Undo may not have finished; the check below shows what is in place. {message}',
  setupUndoStepsFailed: 'Undo incomplete: {failed} of {total} steps failed. Each step’s result is listed below.',
  setupUndoHeading: 'Undo the last apply?',
  setupUndoIntro:
    'Undo puts back what {apply} changed (the workflow’s filters, the webhooks, the AI workers, the AI queue it ' +
    'created) as it was before, and chats waiting in the queue are routed again. ' +
    'What was edited since is left as it is.',
  setupUndoTheLast: 'the last apply',
  setupUndoTheApplyOf: 'the apply of {at}',
  setupUndoTheApplyOfBy: 'the apply of {at} by {by}',
  setupUndoConfirm: 'Yes, undo it',
  setupUninstall: 'Uninstall',
  setupUninstalling: 'Uninstalling…',
  setupUninstallHeading: 'Uninstall OpenCX from this Twilio account?',
  setupUninstallIntro:
    'Uninstall removes what the integration added to this account, and new conversations stop reaching the AI:',
  setupUninstallRemovesFilters: 'the workflow filters it added',
  setupUninstallRemovesWebhooks: 'its webhook registrations, restoring the ones from before it',
  setupUninstallRemovesTimers: 'the watchdog timer workspace',
  setupUninstallRemovesWorkers: 'the AI workers, once they hold no conversation',
  setupUninstallRemovesQueue: 'the AI queue, if Apply fixes created it',
  setupUninstallRemovesSync: 'the OpenCX data in Sync, unless you keep it',
  setupUninstallKept: 'Your own filters, queues and webhooks stay as they are.',
  setupUninstallKeepSync: 'Keep the OpenCX data in Sync',
  setupUninstallKeepSyncHelp:
    'Keeps the saved settings and the conversations’ records in the integration’s Sync service, for a later install.',
  setupUninstallConfirm: 'Yes, uninstall',
  setupUninstallCancel: 'Cancel',
  setupUninstalled: 'Uninstalled: everything the integration added is removed.',
  setupUninstalledSyncKept: 'The OpenCX data in Sync is kept.',
  setupUninstalledSyncDeleted: 'The OpenCX data in Sync is deleted.',
  setupUninstallIncomplete:
    'Uninstall is not complete: what remains is listed below, ' +
    'such as AI workers still holding conversations. Run it again once the AI’s conversations end.',
  setupUninstallFailed: 'Nothing uninstalled. {message}',
  setupUninstallUnfinished: 'Uninstall may not have finished; the check below shows what is left. {message}',
  setupUninstallStepsFailed:
    'Uninstall incomplete: {failed} of {total} steps failed. ' +
    'Each step’s result is listed below; run it again once fixed.',
  setupStepsApplyLabel: 'What Apply fixes did',
  setupStepsUndoLabel: 'What Undo did',
  setupStepsUninstallLabel: 'What Uninstall did',
  setupStepApplied: 'Applied',
  setupStepUnchanged: 'Unchanged',
  setupStepSkipped: 'Skipped',
  setupStepFailed: 'Failed',
  setupCheckAgain: 'Check setup again',
};

/** Fills `{name}` placeholders; unknown ones stay as they are. */
export function format(template: string, values: Readonly<Record<string, string | number>>): string {
  // Not Object.hasOwn: the oldest supported browsers lack it.
  const names = Object.keys(values);
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
    names.includes(name) ? String(values[name]) : placeholder,
  );
}

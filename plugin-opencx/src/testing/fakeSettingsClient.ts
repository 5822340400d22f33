// A SettingsClient of jest mocks for the settings view's tests.
import type {
  ApplySetupResult,
  CheckSetupResult,
  LoadResult,
  OpencxSettings,
  SaveResult,
  SettingsClient,
  SetupCheck,
  UndoSetupResult,
  UninstallSetupResult,
} from '../api/settingsClient';
import { FLEX_SERVICE_SID, WORKSPACE_SID } from './fakeFlex';

/** What the Functions answer before the first Test & Save. */
export const UNCONFIGURED: OpencxSettings = {
  configured: false,
  opencxTokenMasked: null,
  opencxExtraTokens: [],
  workspaceSid: null,
  conversationsServiceSid: null,
  aiQueueSid: null,
  workflowSid: null,
  aiAuthorName: 'AI Support Agent',
  aiWorkerSid: null,
  orgName: null,
  opencxWebhookSecretSet: false,
  opencxWebhookUrl: null,
  customerHandoffNote: 'Connecting you with a member of our team.',
  customerHandoffNoteTranslations: {},
  customerHandbackNote: "You're chatting with our AI assistant again.",
  customerHandbackNoteTranslations: {},
  aiAnswerTimeoutSeconds: 60,
  aiIdleCloseMinutes: 0,
  customerIdleCloseNote: 'We closed this chat because it went quiet. Write to us any time to start a new one.',
  aiPeakConversations: 50,
  revision: null,
};

/** What the Functions answer once Test & Save has stored the settings (the fake Flex account's SIDs). */
export const SAVED_SETTINGS: OpencxSettings = {
  ...UNCONFIGURED,
  configured: true,
  opencxTokenMasked: '••••••••1234',
  workspaceSid: WORKSPACE_SID,
  conversationsServiceSid: FLEX_SERVICE_SID,
  aiWorkerSid: 'WK1',
  orgName: 'Acme',
  opencxWebhookSecretSet: true,
  opencxWebhookUrl: 'https://opencx-1234-dev.twil.io/opencx-webhook',
  revision: '3.mixu1b2c3d4',
};

/** Every check of a healthy setup, as the Functions word them (functions/admin-lib/setup/). */
export const HEALTHY_CHECKS: SetupCheck[] = [
  {
    id: 'config',
    status: 'ok',
    title: 'OpenCX settings',
    detail: 'The OpenCX API key, workspace, Conversations service and AI worker are saved.',
    autoFixable: false,
  },
  {
    id: 'opencx_token',
    status: 'ok',
    title: 'OpenCX API key',
    detail: 'OpenCX accepts the saved API key (organisation "Acme").',
    autoFixable: false,
  },
];

export type FakeSettingsClient = {
  [K in keyof SettingsClient]: jest.Mock<ReturnType<SettingsClient[K]>, Parameters<SettingsClient[K]>>;
};

export function fakeSettingsClient(load: LoadResult | Promise<LoadResult>): FakeSettingsClient {
  return {
    load: jest.fn<Promise<LoadResult>, Parameters<SettingsClient['load']>>(() => Promise.resolve(load)),
    save: jest.fn<Promise<SaveResult>, Parameters<SettingsClient['save']>>(),
    checkSetup: jest.fn<Promise<CheckSetupResult>, Parameters<SettingsClient['checkSetup']>>(() =>
      Promise.resolve({ ok: true, checks: HEALTHY_CHECKS }),
    ),
    applySetup: jest.fn<Promise<ApplySetupResult>, Parameters<SettingsClient['applySetup']>>(),
    undoSetup: jest.fn<Promise<UndoSetupResult>, Parameters<SettingsClient['undoSetup']>>(),
    uninstallSetup: jest.fn<Promise<UninstallSetupResult>, Parameters<SettingsClient['uninstallSetup']>>(),
  };
}

/** The Functions' answer when Twilio kept failing part-way through a write (503 twilio_unavailable). */
export const TWILIO_UNAVAILABLE = {
  ok: false as const,
  error: {
    code: 'twilio_unavailable',
    message:
      'Twilio failed or did not answer in time: try again in a moment. What was asked may have been done in part',
    status: 503,
  },
};

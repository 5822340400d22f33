// The integration's configuration, as the admin settings Function stores it in Sync.

export const CONFIG_DOCUMENT = 'opencx_config';
export const DEFAULT_AI_AUTHOR_NAME = 'AI Support Agent';

export interface BridgeConfig {
  /** The OpenCX org API key. Never logged, never returned to the browser. */
  opencxToken: string;
  workspaceSid: string;
  aiWorkerSid: string;
  conversationsServiceSid: string;
  aiAuthorName: string;
  aiQueueSid?: string;
}

/** The stored document: what the bridge reads, plus what the settings view shows. */
export interface ConfigDocument extends BridgeConfig {
  /** The OpenCX organisation's name, as `GET /org` gave it when the token was saved. */
  orgName: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** Every usable (non-blank string, trimmed) field of a stored document, whether or not the whole is complete. */
export function readConfigFields(data: unknown): Partial<ConfigDocument> {
  const d = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const str = (key: keyof ConfigDocument): string | undefined => {
    const value = d[key];
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };
  return {
    opencxToken: str('opencxToken'),
    workspaceSid: str('workspaceSid'),
    aiWorkerSid: str('aiWorkerSid'),
    conversationsServiceSid: str('conversationsServiceSid'),
    aiAuthorName: str('aiAuthorName'),
    aiQueueSid: str('aiQueueSid'),
    orgName: str('orgName'),
    updatedAt: str('updatedAt'),
  };
}

/** Reads a stored config document; undefined when a required field is missing. */
export function parseConfig(data: unknown): BridgeConfig | undefined {
  const { opencxToken, workspaceSid, aiWorkerSid, conversationsServiceSid, aiAuthorName, aiQueueSid } = readConfigFields(data);
  if (!opencxToken || !workspaceSid || !aiWorkerSid || !conversationsServiceSid) return undefined;
  return {
    opencxToken,
    workspaceSid,
    aiWorkerSid,
    conversationsServiceSid,
    aiAuthorName: aiAuthorName ?? DEFAULT_AI_AUTHOR_NAME,
    aiQueueSid,
  };
}

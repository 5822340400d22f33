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

/** Reads a stored config document; undefined when a required field is missing. */
export function parseConfig(data: unknown): BridgeConfig | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  const str = (key: string): string | undefined => (typeof d[key] === 'string' && (d[key] as string).trim() ? (d[key] as string).trim() : undefined);
  const opencxToken = str('opencxToken');
  const workspaceSid = str('workspaceSid');
  const aiWorkerSid = str('aiWorkerSid');
  const conversationsServiceSid = str('conversationsServiceSid');
  if (!opencxToken || !workspaceSid || !aiWorkerSid || !conversationsServiceSid) return undefined;
  return {
    opencxToken,
    workspaceSid,
    aiWorkerSid,
    conversationsServiceSid,
    aiAuthorName: str('aiAuthorName') ?? DEFAULT_AI_AUTHOR_NAME,
    aiQueueSid: str('aiQueueSid'),
  };
}

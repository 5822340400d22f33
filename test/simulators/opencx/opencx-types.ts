/** Wire and state types of the OpenCX simulator (contract: docs/opencx-api.md). */

export const CHANNEL_TYPES = [
  'web',
  'email',
  'phone_voice',
  'slack',
  'sms',
  'whatsapp',
  'instagram',
  'messenger',
  'api',
  'web_voice',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const SESSION_STATUSES = ['open', 'closed_resolved', 'closed_unresolved'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const SENTIMENTS = ['angry', 'happy', 'neutral'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export type AiClosureType = 'assumed_resolved' | 'handed_off' | 'resolved';

/** Session-level custom_data values: scalars only, nested objects are rejected. */
export type CustomDataValue = string | number | boolean;
export type SessionCustomData = Record<string, CustomDataValue>;

export interface SimContact {
  id: string;
  email: string | null;
  name: string | null;
  phone_number: string | null;
  custom_data: Record<string, string>;
}

export interface Attachment {
  name: string;
  url?: string;
  base64?: string;
  mime_type: string;
}

export type MessageSenderType = 'contact' | 'ai' | 'human_agent';

export interface MessageEvent {
  type: 'message';
  sender: { type: MessageSenderType; name: string | null };
  content: { type: 'text'; text: string };
  attachments: Attachment[];
}

export interface HandoffEvent {
  type: 'handoff';
  summary: string;
  sentiment: Sentiment;
}

export interface HumanAgentTakeoverEvent {
  type: 'human_agent_takeover';
  human_agent_id: number | null;
}

export type HistoryEvent = MessageEvent | HandoffEvent | HumanAgentTakeoverEvent;

export interface HistoryItem {
  id: string;
  created_at: string;
  event: HistoryEvent;
}

export interface Handoff {
  summary: string;
  sentiment: Sentiment;
}

/** Everything the simulator knows about a session; `GET /chat/sessions/:id` serves all but `messages`/`handed_off`. */
export interface SimSession {
  id: string;
  status: SessionStatus;
  ai_closure_type: AiClosureType | null;
  sentiment: Sentiment | null;
  channel: { type: ChannelType };
  contact: SimContact | null;
  verified: boolean | null;
  language: string | null;
  custom_data: SessionCustomData;
  handoff: Handoff | null;
  assignee_id: string | null;
  /** True once the AI handed off or a human agent took over: the AI stops answering. */
  handed_off: boolean;
  /** The history events, oldest first. */
  messages: HistoryItem[];
  created_at: string;
  updated_at: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names; `authorization` is always redacted to `Bearer ***`. */
  headers: Record<string, string>;
  /** Parsed JSON; the raw text when it was not valid JSON; undefined when empty. */
  body: unknown;
  /** Null while pending, when the connection was dropped by a fault, or when the client left first. */
  status: number | null;
  /** The client closed the connection before the answer was sent. */
  clientDisconnected: boolean;
  /** Clock time when the request arrived (epoch ms). */
  time: number;
}

export interface ErrorBody {
  statusCode: number;
  message: string;
  error: string;
}

/** Request-body validation for the OpenCX simulator; every failure is an HttpError (400 unless stated). */
import { STATUS_CODES } from 'node:http';
import {
  type Attachment,
  CHANNEL_TYPES,
  type ChannelType,
  type ErrorBody,
  SESSION_STATUSES,
  type SessionCustomData,
  type SessionStatus,
} from './opencx-types';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return errorBody(this.statusCode, this.message);
  }
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, message, error: STATUS_CODES[statusCode] ?? 'Error' };
}

export type JsonObject = Record<string, unknown>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body of a route that takes an object; an absent body counts as `{}` when allowed. */
export function requireObjectBody(body: unknown, allowEmpty: boolean): JsonObject {
  if (body === undefined && allowEmpty) return {};
  if (!isJsonObject(body)) throw badRequest('Request body must be a JSON object');
  return body;
}

export function optionalString(body: JsonObject, field: string, label = field): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${label} must be a string`);
  return value;
}

export function optionalBoolean(body: JsonObject, field: string, label = field): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${label} must be a boolean`);
  return value;
}

export function optionalNullableBoolean(body: JsonObject, field: string): boolean | null | undefined {
  return body[field] === null ? null : optionalBoolean(body, field);
}

export function optionalObject(body: JsonObject, field: string, label = field): JsonObject | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw badRequest(`${label} must be an object`);
  return value;
}

export function optionalUuid(body: JsonObject, field: string): string | undefined {
  const value = optionalString(body, field);
  if (value !== undefined && !UUID_PATTERN.test(value)) throw badRequest(`${field} must be a UUID`);
  return value;
}

export function optionalChannel(body: JsonObject): { type: ChannelType } | undefined {
  const channel = optionalObject(body, 'channel');
  if (channel === undefined) return undefined;
  const type = channel.type;
  if (!isOneOf(CHANNEL_TYPES, type)) {
    throw badRequest(`channel.type must be one of the following values: ${CHANNEL_TYPES.join(', ')}`);
  }
  return { type };
}

export function requireStatus(body: JsonObject): SessionStatus {
  const status = body.status;
  if (!isOneOf(SESSION_STATUSES, status)) {
    throw badRequest(`status must be one of the following values: ${SESSION_STATUSES.join(', ')}`);
  }
  return status;
}

export function isOneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** Session custom_data: a flat object of string | number | boolean. */
export function optionalSessionCustomData(body: JsonObject, label = 'custom_data'): SessionCustomData | undefined {
  const data = optionalObject(body, 'custom_data', label);
  if (data === undefined) return undefined;
  const flat: SessionCustomData = {};
  for (const [key, value] of Object.entries(data)) {
    if (!isScalar(value)) {
      throw badRequest(`${label}.${key} must be a string, number or boolean (nested values are not allowed)`);
    }
    flat[key] = value;
  }
  return flat;
}

function isScalar(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Contact custom_data: string values only. */
function optionalContactCustomData(contact: JsonObject): Record<string, string> | undefined {
  const data = optionalObject(contact, 'custom_data', 'contact.custom_data');
  if (data === undefined) return undefined;
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') throw badRequest(`contact.custom_data.${key} must be a string`);
    strings[key] = value;
  }
  return strings;
}

export interface ContactInput {
  email?: string;
  name?: string;
  phone_number?: string;
  custom_data?: Record<string, string>;
}

export function optionalContact(body: JsonObject): ContactInput | undefined {
  const contact = optionalObject(body, 'contact');
  if (contact === undefined) return undefined;
  const email = optionalString(contact, 'email', 'contact.email');
  if (email !== undefined && !email.includes('@')) throw badRequest('contact.email must be an email');
  return {
    email,
    name: optionalString(contact, 'name', 'contact.name'),
    phone_number: optionalString(contact, 'phone_number', 'contact.phone_number'),
    custom_data: optionalContactCustomData(contact),
  };
}

export interface MessageInput {
  text: string;
  attachments: Attachment[];
}

export function requireTextMessage(body: JsonObject): MessageInput {
  const message = body.message;
  if (!isJsonObject(message)) throw badRequest('message must be an object');
  if (message.type !== 'text') throw badRequest('message.type must be one of the following values: text');
  if (typeof message.text !== 'string') throw badRequest('message.text must be a string');
  return { text: message.text, attachments: optionalAttachments(message) };
}

function optionalAttachments(message: JsonObject): Attachment[] {
  const list = message.attachments;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw badRequest('message.attachments must be an array');
  return list.map(requireAttachment);
}

function requireAttachment(value: unknown, index: number): Attachment {
  const label = `message.attachments.${index}`;
  if (!isJsonObject(value)) throw badRequest(`${label} must be an object`);
  const name = optionalString(value, 'name', `${label}.name`);
  const mimeType = optionalString(value, 'mime_type', `${label}.mime_type`);
  const url = optionalString(value, 'url', `${label}.url`);
  const base64 = optionalString(value, 'base64', `${label}.base64`);
  if (name === undefined || mimeType === undefined) throw badRequest(`${label} needs name and mime_type`);
  if (url === undefined && base64 === undefined) throw badRequest(`${label} needs url or base64`);
  return { name, mime_type: mimeType, ...(url !== undefined && { url }), ...(base64 !== undefined && { base64 }) };
}

export interface AgentInput {
  id: number;
  name: string | null;
  avatar_url: string | null;
}

export function optionalAgent(body: JsonObject): AgentInput | undefined {
  const agent = optionalObject(body, 'agent');
  if (agent === undefined) return undefined;
  if (typeof agent.id !== 'number') throw badRequest('agent.id must be a number');
  return {
    id: agent.id,
    name: optionalString(agent, 'name', 'agent.name') ?? null,
    avatar_url: optionalString(agent, 'avatar_url', 'agent.avatar_url') ?? null,
  };
}

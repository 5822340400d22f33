// Conversations: the service's webhook, the messages of a conversation, and the account's
// configuration (its default service, its addresses) the setup reads.
import { parseJsonObject, textOrNull, TwilioProductApi } from './base';

/** Twilio lists at most 100 messages a page; twilio-node asks for the whole limit in one page unless told. */
const MESSAGES_MAX_PAGE = 100;

/** A Conversations address (an SMS or WhatsApp number) and what creates a conversation for it. */
export interface ConversationsAddress {
  sid: string;
  type: string;
  address: string;
  friendlyName: string;
  /** `auto_creation`: undefined when the address creates no conversation. */
  autoCreation?: {
    enabled: boolean;
    /** `studio`, `webhook` or `default`. */
    type: string;
    conversationServiceSid: string | null;
    studioFlowSid: string | null;
    webhookUrl: string | null;
  };
}

export interface ConversationMessage {
  sid: string;
  author: string;
  body: string;
  attributes: Record<string, unknown>;
  sentAt: number;
  /** The message's position in the conversation. */
  index: number;
  /** Files (a photo) came with it. */
  hasMedia: boolean;
  /** The author's participant; none for what is posted by REST under another name. */
  participantSid?: string;
}

/** A Conversations service's post-event webhook. */
export interface ConversationsWebhook {
  postWebhookUrl: string | null;
  /** The service's one Method, for the pre-event webhook as well as the post-event one. */
  method: string | null;
  filters: string[];
  /** Only when the service has one: its pre-event webhook, called with `method` too. */
  preWebhookUrl?: string;
}

export interface NewMessage {
  author: string;
  body: string;
  attributes: object;
}

export class ConversationsApi extends TwilioProductApi {
  async serviceExists(serviceSid: string): Promise<boolean> {
    return (await this.fetchService(serviceSid)) !== undefined;
  }

  /** Undefined when the service does not exist. */
  async fetchService(serviceSid: string): Promise<{ sid: string; friendlyName: string } | undefined> {
    const service = await this.unlessNotFound(() => this.client.conversations.v1.services(serviceSid).fetch());
    return service && { sid: service.sid, friendlyName: service.friendlyName ?? '' };
  }

  /** The account's default Conversations service; undefined when none is set or Conversations answers 404. */
  async fetchDefaultServiceSid(): Promise<string | undefined> {
    const configuration = await this.unlessNotFound(() => this.client.conversations.v1.configuration().fetch());
    return textOrNull(configuration?.defaultChatServiceSid) ?? undefined;
  }

  /** Every address configuration of the account; none when Conversations answers 404. */
  async listAddresses(): Promise<ConversationsAddress[]> {
    const addresses =
      (await this.unlessNotFound(() => this.client.conversations.v1.addressConfigurations.list())) ?? [];
    return addresses.map((a) => {
      const auto =
        a.autoCreation && typeof a.autoCreation === 'object' ? (a.autoCreation as Record<string, unknown>) : undefined;
      return {
        sid: a.sid,
        type: a.type ?? '',
        address: a.address ?? '',
        friendlyName: a.friendlyName ?? '',
        ...(auto && {
          autoCreation: {
            enabled: auto.enabled === true,
            type: String(auto.type ?? ''),
            conversationServiceSid: textOrNull(auto.conversation_service_sid),
            studioFlowSid: textOrNull(auto.studio_flow_sid),
            webhookUrl: textOrNull(auto.webhook_url),
          },
        }),
      };
    });
  }

  /** Undefined when the service does not exist. */
  async fetchWebhook(serviceSid: string): Promise<ConversationsWebhook | undefined> {
    const webhook = await this.unlessNotFound(() =>
      this.client.conversations.v1.services(serviceSid).configuration.webhooks().fetch(),
    );
    return (
      webhook && {
        postWebhookUrl: webhook.postWebhookUrl || null,
        method: webhook.method || null,
        filters: webhook.filters ?? [],
        // Left out when unset, so the revision of a service without one is what it always was.
        ...(webhook.preWebhookUrl ? { preWebhookUrl: webhook.preWebhookUrl } : {}),
      }
    );
  }

  /** An empty `postWebhookUrl` removes the post-event webhook. */
  async setWebhook(
    serviceSid: string,
    webhook: { postWebhookUrl: string; method: string; filters: string[] },
  ): Promise<void> {
    await this.retry(() => this.client.conversations.v1.services(serviceSid).configuration.webhooks().update(webhook));
  }

  /** Up to `limit` messages, oldest first (`asc`) or newest first (`desc`). */
  async listMessages(
    serviceSid: string,
    conversationSid: string,
    page: { order: 'asc' | 'desc'; limit: number },
  ): Promise<ConversationMessage[]> {
    const messages = await this.retry(() =>
      this.client.conversations.v1
        .services(serviceSid)
        .conversations(conversationSid)
        .messages.list({ order: page.order, limit: page.limit, pageSize: Math.min(page.limit, MESSAGES_MAX_PAGE) }),
    );
    return messages.map((m) => ({
      sid: m.sid,
      author: m.author ?? '',
      body: m.body ?? '',
      attributes: parseJsonObject(m.attributes),
      sentAt: m.dateCreated ? m.dateCreated.getTime() : 0,
      index: m.index,
      hasMedia: Array.isArray(m.media) && m.media.length > 0,
      participantSid: m.participantSid ?? undefined,
    }));
  }

  /**
   * Posts without X-Twilio-Webhook-Enabled, so our own messages trigger no webhook. Retried only
   * on 429: after a 5xx or a lost answer the message may be posted, and the caller checks.
   */
  async postMessage(serviceSid: string, conversationSid: string, message: NewMessage): Promise<string> {
    const posted = await this.retry(
      () =>
        this.client.conversations.v1
          .services(serviceSid)
          .conversations(conversationSid)
          .messages.create({
            author: message.author,
            body: message.body,
            attributes: JSON.stringify(message.attributes),
          }),
      'not-processed-only',
    );
    return posted.sid;
  }
}

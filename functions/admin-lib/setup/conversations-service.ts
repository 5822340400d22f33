// Which Conversations service Flex uses, decided without I/O (see docs/twilio-notes.md, "The Flex
// Conversations service"): Flex's configuration names it in `chat_service_instance_sid` (the Flex
// Chat Service), and Twilio requires it to be the account's default Conversations service; when
// Flex's configuration names none, the default service stands for it.
import type { FlexConfigurationFacts } from '../../common/twilio';
import { type Check, check, fine, manual } from './check';

export interface FlexServiceFacts {
  /** Undefined: the account has no Flex configuration. */
  flexConfiguration?: FlexConfigurationFacts;
  /** The account's default Conversations service, when one is set. */
  defaultServiceSid?: string;
}

export interface ResolvedService {
  sid: string;
  /** Where it was read, for the sentences. */
  source: string;
}

export const FLEX_SERVICE_FIELD = 'chat_service_instance_sid';

/** The service Flex's conversations are in; undefined when the account names none. */
export function flexConversationsService(facts: FlexServiceFacts): ResolvedService | undefined {
  const fromFlex = facts.flexConfiguration?.chatServiceSid;
  if (fromFlex) return { sid: fromFlex, source: `Flex's configuration (${FLEX_SERVICE_FIELD})` };
  if (facts.defaultServiceSid)
    return { sid: facts.defaultServiceSid, source: "the account's default Conversations service" };
  return undefined;
}

export interface ConversationsServiceFacts extends FlexServiceFacts {
  savedSid: string;
  /** Friendly names of the services that exist, by SID (the saved one and Flex's). */
  names: Readonly<Record<string, string>>;
}

export type ServiceVerdict = { status: 'ok' | 'warning'; detail: string; fix?: string };

/**
 * The saved service against Flex's: the bridge only hears the conversations of the service its
 * webhook is on, and customers' conversations are in Flex's. A saved service that differs is
 * the admin's override, so a warning; Flex's service not being the default is one too.
 */
export function conversationsServiceVerdict(facts: ConversationsServiceFacts): ServiceVerdict {
  const label = (sid: string): string =>
    facts.names[sid] !== undefined ? `"${facts.names[sid]}" (${sid})` : `${sid} (not in this account)`;
  const flex = flexConversationsService(facts);
  const saved = `The saved Conversations service ${label(facts.savedSid)}`;
  if (!flex) {
    const why = facts.flexConfiguration
      ? `Flex's configuration names no ${FLEX_SERVICE_FIELD}`
      : 'this account has no Flex configuration';
    return {
      status: 'warning',
      detail: `${saved} cannot be compared with Flex's: ${why} and no default Conversations service is set.`,
      fix: 'Check in Flex Console → Messaging → Conversations that the saved service is the one Flex uses.',
    };
  }
  if (flex.sid !== facts.savedSid) {
    return {
      status: 'warning',
      detail:
        `${saved} is not the one Flex uses: ${flex.source} names ` +
        `${label(flex.sid)}. Customers' conversations are in Flex's service, ` +
        'so the bridge, whose webhook is on the saved one, does not hear them.',
      fix:
        'Unless the saved service is deliberate, open the OpenCX settings, ' +
        `enter ${flex.sid} as the Conversations service (or leave it empty to take ` +
        "Flex's), click Test & Save, then apply setup to register the webhook there.",
    };
  }
  if (facts.defaultServiceSid && facts.defaultServiceSid !== flex.sid) {
    return {
      status: 'warning',
      detail:
        `${saved} is the one Flex uses (${flex.source}), but the account's default Conversations service is ` +
        `${label(facts.defaultServiceSid)}: Twilio requires Flex's service to be the default, ` +
        'or new conversations open elsewhere.',
      fix:
        'In the Twilio Console, open Conversations → Manage → Defaults and ' +
        `choose ${label(flex.sid)} as the Default Conversation Service.`,
    };
  }
  return { status: 'ok', detail: `${saved} is the one Flex uses (${flex.source}).` };
}

export function conversationsServiceCheck(facts: ConversationsServiceFacts): Check {
  const { status, detail, fix } = conversationsServiceVerdict(facts);
  return check('conversations_service', 'Flex Conversations service', status, fix ? manual(detail, fix) : fine(detail));
}

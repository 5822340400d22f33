// What the customer reads when the conversation changes hands, as plain functions: at a handoff
// ("Connecting you with a member of our team.") and when the AI resumes after a handback ("You're
// chatting with our AI assistant again."). Both reach SMS and WhatsApp customers, who see no
// authors: the note is how they learn whether a person or the AI is answering. A silent AI
// conversation closed for its silence gets a note too. The posting is in actions/customer-note.ts.
import {
  type BridgeConfig,
  DEFAULT_CUSTOMER_HANDBACK_NOTE,
  DEFAULT_CUSTOMER_HANDOFF_NOTE,
  DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
} from '../common/config';

/** When a note is posted: the AI hands off to humans, takes the conversation back, or closes it for its silence. */
export type NoteMoment = 'handoff' | 'handback' | 'idle-close';

export type NoteSettings = Pick<
  BridgeConfig,
  | 'customerHandoffNote'
  | 'customerHandoffNoteTranslations'
  | 'customerHandbackNote'
  | 'customerHandbackNoteTranslations'
  | 'customerIdleCloseNote'
>;

const SETTINGS = {
  handoff: {
    note: 'customerHandoffNote',
    translations: 'customerHandoffNoteTranslations',
    default: DEFAULT_CUSTOMER_HANDOFF_NOTE,
  },
  handback: {
    note: 'customerHandbackNote',
    translations: 'customerHandbackNoteTranslations',
    default: DEFAULT_CUSTOMER_HANDBACK_NOTE,
  },
  // No translations: before a handoff the customer's language is rarely known.
  'idle-close': { note: 'customerIdleCloseNote', translations: undefined, default: DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE },
} as const;

/**
 * The note the customer reads at this moment (it reaches SMS and WhatsApp too, so it says nothing
 * an agent-only panel would): the translation for the conversation's language (the exact tag, then
 * its primary subtag), else the note. Empty: no note. Settings without the note (a conversation's
 * copy of settings saved before it existed) read as its default, as a stored config does.
 */
export function customerNote(config: Partial<NoteSettings>, moment: NoteMoment, language: string): string {
  const fields = SETTINGS[moment];
  const translations = (fields.translations && config[fields.translations]) ?? {};
  const lower = Object.fromEntries(Object.entries(translations).map(([tag, text]) => [tag.toLowerCase(), text]));
  // Saved tags are canonical (`tl` is stored as `fil`, `iw` as `he`): OpenCX's is looked up the same way.
  const tag = (canonicalLanguageTag(language) ?? language).toLowerCase();
  const translated = lower[tag] ?? lower[tag.split('-')[0]];
  return (translated ?? config[fields.note] ?? fields.default).trim();
}

/** The tag as `Intl` writes it (case, and replaced codes such as `iw` → `he`); undefined when it is none. */
export function canonicalLanguageTag(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim());
    return canonical;
  } catch {
    return undefined;
  }
}

const KEY_PREFIX: Record<NoteMoment, string> = { handoff: 'note', handback: 'backnote', 'idle-close': 'closenote' };

/**
 * The claim, and the marker, of one moment's note: once per `occasion` (a handoff's AI engagement, a
 * handback's time, a silence that closes the chat).
 */
export function noteKey(moment: NoteMoment, conversationSid: string, occasion: string): string {
  return `${KEY_PREFIX[moment]}_${conversationSid}_${occasion}`;
}

import { DEFAULT_CUSTOMER_HANDBACK_NOTE, DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE } from '../common/config';
import { customerNote, noteKey } from './customer-note';

describe('customerNote at a handback (what the customer reads when the AI takes over again)', () => {
  const settings = {
    customerHandoffNote: 'Connecting you with a member of our team.',
    customerHandoffNoteTranslations: { es: 'Le ponemos con nuestro equipo.' },
    customerHandbackNote: "You're chatting with our AI assistant again.",
    customerHandbackNoteTranslations: { es: 'Vuelve a hablar con nuestro asistente de IA.', 'pt-BR': ' Olá de novo. ' },
  };

  it("is the handback note, never the handoff's", () => {
    expect(customerNote(settings, 'handback', 'en')).toBe("You're chatting with our AI assistant again.");
    expect(customerNote(settings, 'handoff', 'en')).toBe('Connecting you with a member of our team.');
  });

  it("finds a translation saved under a replaced code's canonical tag when OpenCX says the old code", () => {
    // A save stores `tl` as `fil` and `iw` as `he`, as Intl.getCanonicalLocales writes them.
    const saved = {
      ...settings,
      customerHandbackNoteTranslations: { fil: 'Nandito ulit ang AI.', he: 'שוב עם ה-AI.' },
    };
    expect(customerNote(saved, 'handback', 'tl')).toBe('Nandito ulit ang AI.');
    expect(customerNote(saved, 'handback', 'iw-IL')).toBe('שוב עם ה-AI.');
    expect(customerNote(saved, 'handback', 'not a tag')).toBe("You're chatting with our AI assistant again.");
  });

  it('is the translation for the language the handoff found, by full tag, then by primary subtag', () => {
    expect(customerNote(settings, 'handback', 'es-MX')).toBe('Vuelve a hablar con nuestro asistente de IA.');
    expect(customerNote(settings, 'handback', 'pt-br')).toBe('Olá de novo.');
    expect(customerNote(settings, 'handback', 'und')).toBe("You're chatting with our AI assistant again.");
  });

  it('is empty (no note) when the admin emptied it, or its translation for the language', () => {
    expect(customerNote({ ...settings, customerHandbackNote: '' }, 'handback', 'en')).toBe('');
    expect(customerNote({ ...settings, customerHandbackNoteTranslations: { de: '' } }, 'handback', 'de-AT')).toBe('');
  });

  it('is the default for settings saved before the handback note existed', () => {
    const older = { customerHandoffNote: '', customerHandoffNoteTranslations: {} };
    expect(customerNote(older, 'handback', 'es')).toBe(DEFAULT_CUSTOMER_HANDBACK_NOTE);
  });
});

describe('customerNote when a silent chat is closed', () => {
  it("is the admin's note whatever the language, empty when emptied, the default for older settings", () => {
    const translated = { customerHandoffNote: 'x', customerHandoffNoteTranslations: { es: 'Le ponemos.' } };
    expect(customerNote({ ...translated, customerIdleCloseNote: ' Closed. ' }, 'idle-close', 'es')).toBe('Closed.');
    expect(customerNote({ customerIdleCloseNote: '' }, 'idle-close', 'und')).toBe('');
    expect(customerNote(translated, 'idle-close', 'es')).toBe(DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE);
  });
});

describe('noteKey', () => {
  it("tells a handback's note from a handoff's at the same time, and keeps the handoff's key as it was", () => {
    const at = '2024-05-01T10:00:00.000Z';
    expect(noteKey('handoff', 'CH1', at)).toBe(`note_CH1_${at}`);
    expect(noteKey('handback', 'CH1', at)).not.toBe(noteKey('handoff', 'CH1', at));
    expect(noteKey('idle-close', 'CH1', 'session-1')).toBe('closenote_CH1_session-1');
  });
});

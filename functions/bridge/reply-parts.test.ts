import { MAX_MESSAGE_LENGTH, replyParts } from './reply-parts';

describe('replyParts', () => {
  test('a reply that fits is one part, trimmed', () => {
    expect(replyParts('  Your order ships tomorrow.  ')).toEqual(['Your order ships tomorrow.']);
    expect(replyParts('')).toEqual([]);
  });

  test('a long reply is split at sentence boundaries, in order, losing no text', () => {
    const sentence = 'This sentence is about forty characters. ';
    const text = sentence.repeat(100).trim();
    const parts = replyParts(text);
    expect(parts.length).toBe(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
      expect(part.endsWith('characters.')).toBe(true);
    }
    expect(parts.join(' ')).toBe(text);
  });

  test('without sentences it cuts between words', () => {
    const text = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    const parts = replyParts(text, 100);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(100);
      expect(part).toMatch(/^word\d+( word\d+)*$/);
    }
    expect(parts.join(' ')).toBe(text);
  });

  test('an emoji at the cut is never split in half', () => {
    // 1,599 letters then emoji: a plain slice(0, 1600) would cut the surrogate pair.
    const text = 'a'.repeat(1599) + '😀'.repeat(10);
    const parts = replyParts(text);
    expect(parts[0]).toBe('a'.repeat(1599));
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(() => encodeURIComponent(part)).not.toThrow();
  });

  test('a family emoji (one grapheme of several code points) stays whole', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = 'x'.repeat(95) + family + 'y'.repeat(20);
    const parts = replyParts(text, 100);
    expect(parts.some((p) => p.includes(family))).toBe(true);
    expect(parts.join('')).toBe(text);
  });

  test.each([
    ['a letter under more accents than a message holds', `Sure: a${'\u0301'.repeat(1700)} done`],
    ['an emoji sequence longer than a message', `Look: ${Array(600).fill('👨').join('\u200d')}!`],
  ])('%s is cut between its code points, never between the halves of one, losing no text', (_case, text) => {
    const parts = replyParts(text);
    expect(parts.join('')).toBe(text.replace(/: /, ':'));
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
      expect(() => encodeURIComponent(part)).not.toThrow();
    }
  });

  test('paragraph breaks are preferred over sentences', () => {
    const first = 'First paragraph. '.repeat(4).trim();
    const second = 'Second paragraph. '.repeat(4).trim();
    const parts = replyParts(`${first}\n\n${second}`, 100);
    expect(parts[0]).toBe(first);
  });
});

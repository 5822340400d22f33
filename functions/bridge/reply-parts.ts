// Long AI replies become several messages: Conversations (and SMS/WhatsApp) refuse a body over
// 1,600 characters, and cutting one mid-character makes the post fail with 21617.

export const MAX_MESSAGE_LENGTH = 1600;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Twilio counts UTF-16 code units; a grapheme (emoji, accented letter) is never split. */
function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * Splits `text` into parts of at most `max` UTF-16 units, in order, preferring a paragraph,
 * then a sentence, then a word boundary, and never cutting inside a character.
 */
export function replyParts(text: string, max = MAX_MESSAGE_LENGTH): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** Where to cut `text` (longer than `max`): the last good boundary within the first `max` units. */
function cutPoint(text: string, max: number): number {
  let fits = 0;
  for (const g of graphemes(text.slice(0, max + 16))) {
    if (fits + g.length > max) break;
    fits += g.length;
  }
  // One character longer than a message (a letter under hundreds of accents, a long emoji sequence):
  // cut between its code points, never inside a surrogate pair, rather than never cut at all.
  if (fits === 0) return isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  const head = text.slice(0, fits);
  const floor = Math.floor(max / 2);
  for (const boundary of [/\n\s*\n/g, /[.!?…。！？]["'”’)\]]*\s/g, /\s/g]) {
    let last = -1;
    for (const match of head.matchAll(boundary)) last = match.index + match[0].length;
    if (last >= floor) return last;
  }
  return fits;
}

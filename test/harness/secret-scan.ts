// Finds a secret in text in the forms it could leak in: as is, URL- or form-encoded, JSON-escaped,
// base64 or base64url (at any byte alignment inside a longer encoded string) and hex.

/** The substrings that betray `secret`, each named by its encoding. */
export function secretNeedles(secret: string): { encoding: string; needle: string }[] {
  const bytes = Buffer.from(secret, 'utf8');
  const needles = [
    { encoding: 'raw', needle: secret },
    { encoding: 'url-encoded', needle: encodeURIComponent(secret) },
    { encoding: 'form-encoded', needle: new URLSearchParams({ s: secret }).toString().slice(2) },
    { encoding: 'json-escaped', needle: JSON.stringify(secret).slice(1, -1) },
    { encoding: 'json-escaped twice', needle: JSON.stringify(JSON.stringify(secret)).slice(3, -3) },
    { encoding: 'hex', needle: bytes.toString('hex') },
  ];
  for (let offset = 0; offset < 3; offset++) {
    // The characters of base64(prefix + secret) that depend on the secret's bytes alone.
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    needles.push({ encoding: `base64 (offset ${offset})`, needle: core });
    needles.push({ encoding: `base64url (offset ${offset})`, needle: core.replace(/\+/g, '-').replace(/\//g, '_') });
  }
  const seen = new Set<string>();
  return needles.filter(({ needle }) => needle.length >= 8 && !seen.has(needle) && seen.add(needle));
}

export interface SecretLeak {
  secretName: string;
  encoding: string;
  where: string;
  excerpt: string;
}

/**
 * Every place one of `secrets` (name → value) shows up in `texts`
 * (where → text). Case-insensitive for the hex and percent forms.
 */
export function findSecrets(
  secrets: Record<string, string>,
  texts: Iterable<[where: string, text: string]>,
): SecretLeak[] {
  const patterns = Object.entries(secrets).flatMap(([secretName, secret]) =>
    secretNeedles(secret).map(({ encoding, needle }) => ({
      secretName,
      encoding,
      needle,
      foldCase: encoding === 'hex' || needle.includes('%'),
    })),
  );
  const leaks: SecretLeak[] = [];
  for (const [where, text] of texts) {
    const folded = text.toLowerCase();
    for (const { secretName, encoding, needle, foldCase } of patterns) {
      const at = foldCase ? folded.indexOf(needle.toLowerCase()) : text.indexOf(needle);
      if (at >= 0)
        leaks.push({ secretName, encoding, where, excerpt: text.slice(Math.max(0, at - 40), at + needle.length + 40) });
    }
  }
  return leaks;
}

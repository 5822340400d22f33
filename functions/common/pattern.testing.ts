/** One regular expression from consecutive parts, so that a long pattern reads over several lines. */
export function pattern(...parts: RegExp[]): RegExp {
  return new RegExp(parts.map((part) => part.source).join(''));
}

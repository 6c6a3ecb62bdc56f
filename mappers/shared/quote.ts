/**
 * Quoting a sender's value in an issue or error message. The value is what lets a facility find
 * the problem, but a hostile or broken sender can put megabytes in one field: messages are stored
 * with every record, answered in every 202/4xx and read in admin screens, so they quote a bounded
 * prefix and say how long the value was.
 */

/** Most code points of a sender's value that a message quotes. */
export const QUOTE_MAX_CHARS = 32;

/**
 * `value` as a JSON string literal (quotes added, control characters escaped so a message stays on
 * one line): whole when it has at most `max` code points, else its first `max` code points, `…` and
 * its length, e.g. `"46001999…" (4005 characters)`. Cut by code point, never inside a surrogate pair.
 */
export function quoteValue(value: string, max = QUOTE_MAX_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  let head = '';
  let points = 0;
  for (const ch of value) {
    if (points === max) return `${JSON.stringify(`${head}…`)} (${value.length} characters)`;
    head += ch;
    points += 1;
  }
  return JSON.stringify(value); // at most `max` code points, some of them astral
}

/** The first `max` items of a list of sender values, each quoted, with how many more there were. */
export function quoteList(values: readonly string[], max = 5): string {
  const shown = values.slice(0, max).map((v) => quoteValue(v)).join(', ');
  return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}

/**
 * The first `max` code points of `value`, exactly as `Array.from(value).slice(0, max).join('')`
 * but cheap for a huge value: cut by code units first (`max * 2` always holds `max` code points),
 * so a surrogate pair is never split and a 30-million-character string is never spread into an array.
 */
export function firstCodePoints(value: string, max: number): string {
  if (value.length <= max) return value;
  return Array.from(value.slice(0, max * 2)).slice(0, max).join('');
}

/**
 * Vietnamese name and birth-date comparison, fair to how staff type them: case, diacritics,
 * spacing, đ/d, NFC vs NFD ("Nguyễn Văn A" / "NGUYEN VAN A" / "Nguyen  Van A").
 * Pure functions, no I/O: the identity stage and the match scorer (`match-score.ts`) build on them.
 */

/** How two names agree: identical once case and spacing are ignored, equal once diacritics and đ/d are folded, or different. */
export type NameAgreement = 'exact' | 'variant' | 'different';

/** How two birth dates of FHIR `date` precision agree: the same, one a prefix of the other (`1990` / `1990-05-12`), or different. */
export type DateAgreement = 'exact' | 'compatible' | 'different';

// Apostrophes belong inside Central Highlands names (Ê Đê "H'Hen Niê", "Y'Moan"): dropped, not turned into a word break.
const APOSTROPHES = /['’ʼ`´]/gu;
// Anything that is not a letter, a combining mark or a digit separates words (dots, commas, hyphens, NBSP, tabs).
const NON_NAME_CHARS = /[^\p{L}\p{M}\p{Nd}]+/gu;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
// đ/Đ (U+0111/U+0110) is a letter of its own, not d + a mark, so NFD leaves it alone. Ð (U+00D0, Icelandic eth)
// and Ɖ (U+0189) look the same and come out of some input methods and OCR.
const D_LETTERS = /[ĐđÐðƉɖ]/g;

/**
 * The exact comparison key of a name: NFC, upper case, letters and digits only, single spaces.
 * Vietnamese has no locale-specific case mapping (unlike Turkish), so plain `toUpperCase` is used.
 */
export function normaliseNameExact(s: string): string {
  return s
    .normalize('NFC')
    .replace(APOSTROPHES, '')
    .replace(NON_NAME_CHARS, ' ')
    .trim()
    .toUpperCase()
    .normalize('NFC');
}

/**
 * The variant key of a name: the exact key without diacritics and with Đ → D, e.g. "Đặng Thị Đào" → `DANG THI DAO`.
 * NFC and NFD input fold to the same key, because the exact key is NFC before it is decomposed here.
 */
export function foldName(s: string): string {
  return normaliseNameExact(s)
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(D_LETTERS, 'D')
    .normalize('NFC');
}

/**
 * 'exact' when the exact keys are equal, 'variant' when only the folded keys are, else 'different'.
 * An empty or whitespace-only name never agrees with anything, itself included: no evidence is not a match.
 */
export function compareNames(a: string, b: string): NameAgreement {
  const exactA = normaliseNameExact(a);
  const exactB = normaliseNameExact(b);
  if (!exactA || !exactB) return 'different';
  if (exactA === exactB) return 'exact';
  return foldName(a) === foldName(b) ? 'variant' : 'different';
}

/**
 * How alike two typed names are, in [0, 1] on the folded names (1 when equal, 0 when either is empty), for slips
 * such as "NGUYEN VAN AN" / "NGUYEN VAN AN H". Jaro–Winkler over the whole name alone rates any two
 * "Nguyễn Văn …" about 0.94 (An / Bình), because siblings share the family and middle names: so the whole-name
 * score is averaged with the score of what follows the leading words the two names share (given names kept).
 */
export function nameSimilarity(a: string, b: string): number {
  const foldedA = foldName(a);
  const foldedB = foldName(b);
  if (!foldedA || !foldedB) return 0;
  if (foldedA === foldedB) return 1;
  const [restA, restB] = dropSharedLeadingWords(foldedA.split(' '), foldedB.split(' '));
  return (jaroWinkler(foldedA, foldedB) + jaroWinkler(restA, restB)) / 2;
}

// Keeps at least the last word of the shorter name: its given name ("AN" / "AN H").
function dropSharedLeadingWords(a: string[], b: string[]): [string, string] {
  const max = Math.min(a.length, b.length) - 1;
  let shared = 0;
  while (shared < max && a[shared] === b[shared]) shared++;
  return [a.slice(shared).join(' '), b.slice(shared).join(' ')];
}

/**
 * Jaro–Winkler similarity of two strings as given (Winkler 1990: prefix bonus up to 4 characters, scale 0.1):
 * MARTHA / MARHTA ≈ 0.961, DWAYNE / DUANE = 0.84. 0 when either is empty.
 */
export function jaroWinkler(a: string, b: string): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  const jaro = jaroSimilarity(a, b);
  return jaro + commonPrefixLength(a, b, 4) * 0.1 * (1 - jaro);
}

/** Jaro similarity: matches within a window of ⌊max/2⌋ − 1, transpositions counted by halves (Jaro 1989). */
function jaroSimilarity(a: string, b: string): number {
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const matchedA = new Array<boolean>(a.length).fill(false);
  const matchedB = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const end = Math.min(b.length, i + window + 1);
    for (let j = Math.max(0, i - window); j < end; j++) {
      if (matchedB[j] || a[i] !== b[j]) continue;
      matchedA[i] = true;
      matchedB[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let outOfOrder = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    if (!matchedA[i]) continue;
    while (!matchedB[j]) j++;
    if (a[i] !== b[j]) outOfOrder++;
    j++;
  }
  const transpositions = outOfOrder / 2;
  return (matches / a.length + matches / b.length + (matches - transpositions) / matches) / 3;
}

function commonPrefixLength(a: string, b: string, max: number): number {
  let n = 0;
  while (n < max && n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

const FHIR_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/**
 * Compare two FHIR `date` values (`yyyy`, `yyyy-mm`, `yyyy-mm-dd`; a `dateTime` counts by its first 10 characters).
 * 'exact' when equal at the same precision, 'compatible' when the shorter is a prefix of the longer (a partial
 * birth date, QĐ 130 allows year only), 'different' otherwise. undefined when either is missing or not a date:
 * no evidence either way.
 */
export function compareBirthDates(a: string | undefined, b: string | undefined): DateAgreement | undefined {
  const dateA = toFhirDate(a);
  const dateB = toFhirDate(b);
  if (!dateA || !dateB) return undefined;
  if (dateA === dateB) return 'exact';
  const [shorter, longer] = dateA.length <= dateB.length ? [dateA, dateB] : [dateB, dateA];
  return shorter.length < longer.length && longer.startsWith(shorter) ? 'compatible' : 'different';
}

function toFhirDate(value: string | undefined): string | undefined {
  const date = value?.trim().slice(0, 10);
  return date && FHIR_DATE.test(date) ? date : undefined;
}

// Placeholders staff type for an infant registered under the mother (Huế report), folded, longest first.
// Each is followed by the mother's name ("Con bà Lan", "CB Nguyễn Thị Lan", "SS Trần Thị B") or not ("Bé Na").
const MOTHER_PREFIXES = ['CON CUA BA ', 'CON CUA CHI ', 'CON CUA ', 'CON BA ', 'CON CHI ', 'SO SINH ', 'CB ', 'SS '];
const CHILD_PREFIXES = [...MOTHER_PREFIXES, 'BE GAI ', 'BE TRAI ', 'CON ', 'BE '];
// A name that is nothing but the placeholder: "Sơ sinh", "Bé gái".
const CHILD_BARE_NAMES = new Set(['SO SINH', 'SS', 'BE GAI', 'BE TRAI']);
// "Bé" folds to BE, but so does Bế, a common Tày surname (Bế Văn Đàn): a first word typed with other
// diacritics than "bé" is a surname, not the placeholder.
const BE_SPELLINGS = new Set(['BÉ'.normalize('NFC'), 'BE']);

/**
 * True when the name is an infant placeholder at its start ("Con bà Lan", "CB Nguyễn Thị Lan", "Bé Na",
 * "SS Trần Thị B", "Sơ sinh"), case and diacritics aside; "Trần Bé Na" and "Bế Văn Đàn" are real names.
 */
export function isChildNamePattern(name: string): boolean {
  const folded = foldName(name);
  if (CHILD_BARE_NAMES.has(folded)) return true;
  const prefix = CHILD_PREFIXES.find((p) => folded.startsWith(p));
  if (!prefix) return false;
  return !prefix.startsWith('BE ') || BE_SPELLINGS.has(firstWord(name));
}

/**
 * The mother's name (folded) inside an infant placeholder: `NGUYEN THI LAN` for "CB Nguyễn Thị Lan" or
 * "Con của bà Nguyễn Thị Lan". undefined when there is none: "Bé Na" is the child's nickname, not the mother.
 */
export function motherNameOfChildPattern(name: string): string | undefined {
  const folded = foldName(name);
  const prefix = MOTHER_PREFIXES.find((p) => folded.startsWith(p));
  const rest = prefix ? folded.slice(prefix.length) : '';
  return rest || undefined;
}

function firstWord(name: string): string {
  return normaliseNameExact(name).split(' ')[0] ?? '';
}

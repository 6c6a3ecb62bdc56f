/**
 * A small HL7 v2 ER7 ("pipe and hat") parser: one segment at a time, values addressed as
 * field / repetition / component / subcomponent, escape sequences decoded last (HL7 v2.5.1
 * Chapter 2, §2.5 Message construction rules, §2.7 Use of escape sequences in text fields).
 * Why not a library: docs/formats/hl7v2.md.
 */

/** The delimiters a message declares in MSH-1 (field) and MSH-2 (component, repetition, escape, subcomponent). */
export interface Er7Separators {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

/** The delimiters every ACK this gateway writes uses (HL7 v2 recommended values). */
export const STANDARD_SEPARATORS: Er7Separators = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** One segment: its id and its raw fields, `fields[n]` being SEG-n (for MSH/FHS/BHS, `fields[1]` is MSH-1 itself). */
export interface Er7Segment {
  id: string;
  fields: string[];
}

/**
 * A value as sent: a string, `null` for the explicit HL7 null `""` (the receiver should delete
 * what it holds, §2.5.3), `undefined` when the value is absent (empty: the receiver keeps what it holds).
 */
export type Er7Value = string | null | undefined;

/** Segments whose MSH-1/MSH-2 define the separators: message, file and batch headers. */
const HEADER_SEGMENTS = new Set(['MSH', 'FHS', 'BHS']);

/**
 * The separators of a header segment (MSH, FHS, BHS): MSH-1 is the 4th character, MSH-2 the
 * following 4 (a 5th, the v2.7 truncation character, is accepted and ignored). Undefined when the
 * line is not a header or its delimiters are missing, repeated, alphanumeric or line breaks.
 */
export function separatorsOf(line: string): Er7Separators | undefined {
  if (!HEADER_SEGMENTS.has(line.slice(0, 3))) return undefined;
  const field = line.charAt(3);
  const end = line.indexOf(field, 4);
  const encoding = end < 0 ? line.slice(4) : line.slice(4, end);
  if (encoding.length < 4 || encoding.length > 5) return undefined;
  const [component, repetition, escape, subcomponent] = encoding as unknown as string[];
  const all = [field, component!, repetition!, escape!, subcomponent!];
  if (new Set(all).size !== all.length || all.some((c) => /[\s0-9A-Za-z]/.test(c))) return undefined;
  return { field, component: component!, repetition: repetition!, escape: escape!, subcomponent: subcomponent! };
}

/** Split one segment line into its fields (MSH-1 and MSH-2 kept as they are, so MSH-n is `fields[n]`). */
export function splitSegment(line: string, seps: Er7Separators): Er7Segment {
  const parts = line.split(seps.field);
  const id = parts[0] ?? '';
  if (HEADER_SEGMENTS.has(id)) return { id, fields: [id, seps.field, ...parts.slice(1)] };
  return { id, fields: parts };
}

/** Where in a field: repetition (0-based), component and subcomponent (1-based, as HL7 counts). */
export interface Er7Position {
  rep?: number;
  comp?: number;
  sub?: number;
}

function nullOrAbsent(raw: string | undefined): Er7Value {
  if (raw === undefined || raw === '') return undefined;
  if (raw === '""') return null;
  return raw;
}

/** The raw repetitions of field `n` (MSH-2 is never split: it holds the delimiters). */
export function repetitionsOf(seg: Er7Segment, n: number, seps: Er7Separators): string[] {
  const raw = seg.fields[n];
  if (raw === undefined || raw === '') return [];
  if (HEADER_SEGMENTS.has(seg.id) && n <= 2) return [raw];
  return raw.split(seps.repetition);
}

/**
 * One value of a segment, escape sequences decoded: `value(pid, 5, { comp: 2 })` is PID-5.2 of the
 * first repetition. A piece that is exactly `""` is `null`; an empty or missing piece is `undefined`.
 */
export function valueAt(seg: Er7Segment | undefined, n: number, seps: Er7Separators, pos: Er7Position = {}): Er7Value {
  if (!seg) return undefined;
  const whole = seg.fields[n];
  if (whole === '""') return null;
  const rep = repetitionsOf(seg, n, seps)[pos.rep ?? 0];
  if (rep === undefined) return undefined;
  if (HEADER_SEGMENTS.has(seg.id) && n <= 2) return rep;
  const comp = rep.split(seps.component)[(pos.comp ?? 1) - 1];
  if (nullOrAbsent(comp) === null) return null;
  const sub = comp?.split(seps.subcomponent)[(pos.sub ?? 1) - 1];
  const raw = nullOrAbsent(sub);
  return typeof raw === 'string' ? decodeEscapes(raw, seps) : raw;
}

/** Like {@link valueAt} but `null` and `undefined` both become `undefined`, surrounding spaces trimmed, empty dropped. */
export function textAt(seg: Er7Segment | undefined, n: number, seps: Er7Separators, pos: Er7Position = {}): string | undefined {
  const v = valueAt(seg, n, seps, pos)?.trim();
  return v ? v : undefined;
}

/** `\Xhh…\`: bytes in hexadecimal, read as UTF-8 (the gateway's only character set); undefined when malformed. */
function decodeHex(hex: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const text = Buffer.from(hex, 'hex').toString('utf8');
  return text.includes('\uFFFD') ? undefined : text;
}

/**
 * Decode HL7 escape sequences (§2.7): `\F\ \S\ \T\ \R\ \E\` → the delimiters, `\Xhh…\` → UTF-8
 * bytes, `\.br\` → a line break; other formatting and character-set sequences (`\H\ \N\ \.sp\
 * \Cxxyy\ \Mxxyyzz\ \Zxx\`) carry no text and are dropped. A malformed or unterminated sequence is
 * kept as it was sent.
 */
export function decodeEscapes(raw: string, seps: Er7Separators): string {
  const esc = seps.escape;
  if (!raw.includes(esc)) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i]!;
    const close = ch === esc ? raw.indexOf(esc, i + 1) : -1;
    if (close < 0) {
      out += ch;
      i += 1;
      continue;
    }
    const body = raw.slice(i + 1, close);
    const decoded = decodeEscapeBody(body, seps);
    if (decoded === undefined) {
      out += ch;
      i += 1;
      continue;
    }
    out += decoded;
    i = close + 1;
  }
  return out;
}

function decodeEscapeBody(body: string, seps: Er7Separators): string | undefined {
  switch (body) {
    case 'F': return seps.field;
    case 'S': return seps.component;
    case 'T': return seps.subcomponent;
    case 'R': return seps.repetition;
    case 'E': return seps.escape;
    case '.br': return '\n';
    case 'H': case 'N': return '';
    default:
      if (body.startsWith('X')) return decodeHex(body.slice(1));
      if (/^(\.(sp|fi|nf|ce|in|ti|sk)[+-]?\d*|[CM][0-9A-Fa-f]{4,6}|Z[^\\]*)$/.test(body)) return '';
      return undefined;
  }
}

/** Escape text for an ER7 field written with the given separators (the reverse of {@link decodeEscapes}). */
export function encodeText(text: string, seps: Er7Separators = STANDARD_SEPARATORS): string {
  let out = '';
  for (const ch of text) {
    if (ch === seps.escape) out += `${seps.escape}E${seps.escape}`;
    else if (ch === seps.field) out += `${seps.escape}F${seps.escape}`;
    else if (ch === seps.component) out += `${seps.escape}S${seps.escape}`;
    else if (ch === seps.subcomponent) out += `${seps.escape}T${seps.escape}`;
    else if (ch === seps.repetition) out += `${seps.escape}R${seps.escape}`;
    else if (ch === '\r' || ch === '\n') out += `${seps.escape}.br${seps.escape}`;
    else out += ch;
  }
  return out;
}

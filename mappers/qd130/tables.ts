/**
 * Inner table documents of a QĐ 130 envelope (`NOIDUNGFILE`, vn-health-data §1.2–1.3): base64 → text →
 * records, in one pass over the XML.
 *
 * Parser choice (2026-12, Node 20, shared 2-core machine, median of 7 runs, two sessions):
 *                                          fast-xml-parser 5.12          saxes 6 (this file)
 *                                          validate+parse   parse only
 *   XML1 from inpatient-complete (2.6 KB)   220–350 µs       160–260 µs    55–90 µs
 *   XML2, 2 000 CHI_TIET_THUOC (2.9 MB)     500–520 ms       460–500 ms    115–140 ms
 *   XML3, 2 000 CHI_TIET_DVKT (3.4 MB)      550–670 ms       420–470 ms    140–160 ms
 * saxes (one pass, well-formedness checked, character references decoded by the parser) is about
 * 3–4× faster than the former validate-then-parse and faster than fast-xml-parser's parse alone, so
 * option (b) (one fast-xml-parser pass plus our own decoder, which would also have to keep CDATA apart
 * so `&amp;` inside CDATA is not decoded) cannot win. Equivalence with the former parser was checked
 * on ~40 000 generated and mutated documents: identical output whenever both accept and no `&#` is
 * present; saxes refuses some inputs fast-xml-parser let through (see parseTable).
 *
 * Output shape: the tree is built exactly as fast-xml-parser built it with the options used until 2026-12
 * (ignoreAttributes, string values, trimValues, comments and processing instructions dropped), so records
 * and unknown-table `document`s are unchanged for every well-formed document without `&#` references:
 *   - an element with neither child elements nor text is `""`; with text only, that text (a string);
 *   - with child elements, an object whose keys are the child names in first-appearance order, a name
 *     seen again becoming an array in document order; its own text, if any, goes last under `#text`;
 *   - text is trimmed per run between markup (comments do not end a run; CDATA, processing instructions
 *     and tags do), CDATA is kept untrimmed, and the runs are joined without a separator; a run is
 *     trimmed after decoding, so `&#32;` or `&#xA0;` at its edge is trimmed like a literal space;
 *   - element names `__proto__`, `constructor`, `prototype` are refused; `hasOwnProperty`, `toString`,
 *     `valueOf` and the `__define/lookup{G,S}etter__` names get a `__` prefix;
 *   - an element opened inside more than 100 open elements is refused as too costly.
 * A record field holding child elements is that object as JSON (`{"B":["1","2"],"#text":"x"}`).
 */
import { SaxesParser } from 'saxes';
import { MappingError } from '../errors.js';
import { decodeUtf8Document, isUtf8Label } from '../shared/charset.js';
import { quoteValue } from '../shared/quote.js';

/** Record tags per table (QĐ 130/4750/3176; XML1–XML5 keep their QĐ 4210 tags). vn-health-data §1.3. */
export const RECORD_TAGS: Readonly<Record<string, string>> = {
  XML0: 'TRANG_THAI_KCB',
  XML1: 'TONG_HOP',
  XML2: 'CHI_TIET_THUOC',
  XML3: 'CHI_TIET_DVKT',
  XML4: 'CHI_TIET_CLS',
  XML5: 'CHI_TIET_DIEN_BIEN_BENH',
  XML6: 'HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS',
  XML7: 'CHI_TIEU_DU_LIEU_GIAY_RA_VIEN',
  XML8: 'CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN',
  XML9: 'DU_LIEU_GIAY_CHUNG_SINH',
  XML10: 'CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI',
  XML11: 'CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI',
  XML13: 'CHI_TIEU_GIAYCHUYENTUYEN',
  XML14: 'CHI_TIEU_GIAYHEN_KHAMLAI',
  XML15: 'CHITIET_DIEUTRI_BENHLAO',
};

/** One field-name → text record of a table (values are kept as strings: `0000`, `01` must not become numbers). */
export type TableRecord = Record<string, string>;

/** A decoded, parsed table of one episode. Unknown tables keep their whole content in `document`. */
export interface ParsedTable {
  loaiHoSo: string;
  rootTag: string;
  /** Records found by their tag at any depth; empty for tables whose record tag is unknown. */
  records: TableRecord[];
  /** The parsed document, kept only for tables we do not know (so nothing is lost). */
  document?: unknown;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decode `NOIDUNGFILE`: strict base64 of UTF-8 bytes; a leading BOM is dropped. A document whose BOM
 * or XML declaration names another encoding is refused (`not-supported`, 415), and so are bytes that
 * are not UTF-8 (`invalid`, 400, naming the offset and element): never decoded into U+FFFD.
 */
export function decodeNoiDungFile(base64: string, location: string): string {
  const compact = base64.replace(/\s+/g, '');
  if (compact.length === 0) throw new MappingError('NOIDUNGFILE is empty', location, 'invalid');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new MappingError('NOIDUNGFILE is not valid base64', location, 'invalid');
  }
  const decoded = decodeUtf8Document(Buffer.from(compact, 'base64'));
  if ('problem' in decoded) throw new MappingError(`NOIDUNGFILE ${decoded.problem.message}`, location, decoded.problem.code);
  const { text } = decoded;
  // XML 1.0 §2.2 forbids NUL; it would also be refused by PostgreSQL jsonb.
  if (text.includes('\u0000')) throw new MappingError('NOIDUNGFILE contains NUL characters, which XML does not allow', location, 'invalid');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Names that would reach Object.prototype: refused. */
const REFUSED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** Names that shadow Object.prototype methods: stored with a `__` prefix. */
const PREFIXED_NAMES = new Set(['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);
/** An element opened inside more than this many open elements is refused. */
const MAX_OPEN_ELEMENTS = 100;
const TEXT_KEY = '#text';

/** One open element while the tree is built. */
interface Frame {
  name: string;
  obj: Record<string, unknown>;
  keys: number;
  /** Text of this element so far (trimmed runs and CDATA). */
  text: string;
  /** The current run of character data, not yet trimmed. */
  run: string;
}

function keyFor(name: string, loaiHoSo: string, location: string): string {
  if (REFUSED_NAMES.has(name)) {
    throw new MappingError(`${loaiHoSo} document cannot be parsed: element name "${name}" is reserved`, location, 'structure');
  }
  return PREFIXED_NAMES.has(name) ? `__${name}` : name;
}

/** The value of a closed element (see the shape at the top of this file). */
function valueOf(frame: Frame): unknown {
  if (frame.keys === 0) return frame.text;
  if (frame.text.length > 0) frame.obj[TEXT_KEY] = frame.text;
  return frame.obj;
}

function attach(parent: Frame, key: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(parent.obj, key)) {
    const prev = parent.obj[key];
    if (Array.isArray(prev)) prev.push(value);
    else parent.obj[key] = [prev, value];
  } else {
    parent.obj[key] = value;
    parent.keys += 1;
  }
}

function endRun(frame: Frame): void {
  if (frame.run.length === 0) return;
  frame.text += frame.run.trim();
  frame.run = '';
}

/** The entity name of saxes' "undefined entity." error, read back from the source at the parser position. */
function entityAt(xml: string, position: number): string {
  const m = /&([^&;<>\s]{1,64});$/.exec(xml.slice(Math.max(0, position - 70), position));
  return m ? m[1]! : '?';
}

/** Parse `xml` once with saxes into the `{ root: value }` tree described at the top of this file. */
function buildTree(loaiHoSo: string, xml: string, location: string): Record<string, unknown> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const doc: Frame = { name: '', obj: {}, keys: 0, text: '', run: '' };
  const stack: Frame[] = [];
  const top = (): Frame | undefined => stack[stack.length - 1];
  const fail = (message: string, code: MappingError['code'] = 'structure'): never => {
    throw new MappingError(`${loaiHoSo} document ${message}`, location, code);
  };
  parser.on('doctype', () => fail('contains a DTD; entity expansion is disabled', 'security'));
  parser.on('xmldecl', (decl) => {
    // Also read from the bytes before decoding (decodeNoiDungFile); this catches any declaration that sniffing missed.
    if (decl.encoding !== undefined && !isUtf8Label(decl.encoding)) fail(`declares encoding ${quoteValue(decl.encoding)}; only UTF-8 is accepted`, 'not-supported');
  });
  parser.on('error', (err) => {
    const m = /^(\d+):(\d+): (.*)$/s.exec(err.message);
    const [line, col, msg] = m ? [m[1], m[2], m[3]!] : [String(parser.line), String(parser.column), err.message];
    // XML 1.0 §4.1: only the five predefined entities exist without a DTD, and DTDs are refused.
    const what = msg === 'undefined entity.'
      ? `uses the entity &${entityAt(xml, parser.position)}; which is not defined (only &lt; &gt; &amp; &quot; &apos; and character references are allowed)`
      : msg === 'malformed character entity.' ? `has a character reference to a code point XML does not allow (${msg})` : msg;
    fail(`is not well-formed XML: ${what} (line ${line}, column ${col})`);
  });
  parser.on('opentag', (tag) => {
    const parent = top();
    if (parent) endRun(parent);
    if (!tag.isSelfClosing && stack.length > MAX_OPEN_ELEMENTS) fail(`cannot be parsed: elements are nested deeper than ${MAX_OPEN_ELEMENTS + 1} levels`, 'too-costly');
    stack.push({ name: keyFor(tag.name, loaiHoSo, location), obj: {}, keys: 0, text: '', run: '' });
  });
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    endRun(frame);
    attach(top() ?? doc, frame.name, valueOf(frame));
  });
  parser.on('text', (t) => {
    const frame = top();
    if (frame) frame.run += t;
  });
  parser.on('cdata', (t) => {
    const frame = top()!;
    endRun(frame);
    frame.text += t;
  });
  parser.on('processinginstruction', () => {
    const frame = top();
    if (frame) endRun(frame);
  });
  parser.write(xml).close();
  return doc.obj;
}

function flatten(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function collect(node: unknown, tag: string, out: TableRecord[]): void {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === tag) {
      for (const item of Array.isArray(value) ? value : [value]) {
        const record: TableRecord = {};
        if (item && typeof item === 'object') {
          for (const [field, v] of Object.entries(item as Record<string, unknown>)) record[field] = flatten(v);
        }
        out.push(record);
      }
    } else {
      collect(value, tag, out);
    }
  }
}

/**
 * Parse one decoded table document in a single pass. DTDs are refused (no entity expansion); CDATA is
 * read as text; character references and the five predefined entities are decoded once (XML 1.0 §4.1,
 * §4.6); any other entity, or a reference to a code point outside XML 1.0 §2.2 `Char`, is refused.
 * Throws MappingError with the location (and line/column) when the document is not well-formed.
 * Stricter than the fast-xml-parser validator used before 2026-12: raw control characters other than
 * tab/LF/CR (§2.2), `]]>` in text (§2.4), a malformed `<?xml …?>` declaration, `</ NAME>`, text or a
 * second element after the root are now refused.
 */
export function parseTable(loaiHoSo: string, xml: string, location: string): ParsedTable {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new MappingError(`${loaiHoSo} document contains a DTD; entity expansion is disabled`, location, 'security');
  }
  const doc = buildTree(loaiHoSo, xml, location);
  const rootTag = Object.keys(doc)[0];
  if (!rootTag) throw new MappingError(`${loaiHoSo} document has no root element`, location);
  const recordTag = RECORD_TAGS[loaiHoSo];
  const records: TableRecord[] = [];
  if (recordTag) {
    // Single-record tables (XML7, XML8, …) may use the root itself as the record.
    collect(rootTag === recordTag ? doc : doc[rootTag], recordTag, records);
    return { loaiHoSo, rootTag, records };
  }
  return { loaiHoSo, rootTag, records, document: doc[rootTag] };
}

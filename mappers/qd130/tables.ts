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
 * Fast path (2026-12-02, same machine, `npx tsx scripts/bench-inner-xml.ts`, medians, six runs):
 *                                          saxes (buildTree)   simple-xml.ts (buildTreeFast)
 *   XML1, makeXml1 + xml1Document (1.5 k)   136–147 µs          22–24 µs       5.8–6.5×
 *   XML1 from inpatient-complete (2.7 k)    211–228 µs          27–31 µs       7.1–8.0×
 *   XML2, 2 000 CHI_TIET_THUOC (2.9 M)      240–258 ms          42–44 ms       5.6–6.0×
 * and parseTable as a whole, XML2: 266–274 ms before, 47–50 ms after (XML1: ~155 µs → 25–27 µs).
 * (saxes was slower that day than in the table above; compare within a row.) Inner tables are almost
 * always simple XML (no attributes, comments, PIs or DTD), so buildTreeFast reads them with
 * indexOf/charCodeAt and gives saxes only the rest; it builds the tree through the same table-tree.ts
 * helpers and a differential property test (simple-xml.fuzz.test.ts, 20 000 cases a run) checks that
 * whatever it accepts, saxes accepts with the very same tree. Records reuse the tree's objects when
 * every field is text (toRecord): copying them had become a third of parseTable on XML2.
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
import { buildTreeFast } from './simple-xml.js';
import { attach, endRun, keyFor, MAX_OPEN_ELEMENTS, newFrame, valueOf, type Frame } from './table-tree.js';

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

/** The entity name of saxes' "undefined entity." error, read back from the source at the parser position. */
function entityAt(xml: string, position: number): string {
  const m = /&([^&;<>\s]{1,64});$/.exec(xml.slice(Math.max(0, position - 70), position));
  return m ? m[1]! : '?';
}

/**
 * Parse `xml` once with saxes into the `{ root: value }` tree described at the top of this file; throws
 * MappingError (with line and column) for anything that is not well-formed. The reference for
 * `buildTreeFast`, which parseTable tries first.
 */
export function buildTree(loaiHoSo: string, xml: string, location: string): Record<string, unknown> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const doc = newFrame('');
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
    stack.push(newFrame(keyFor(tag.name, loaiHoSo, location)));
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

/**
 * One record from the element `item`: field name → text, a field holding child elements as its JSON.
 * When every field is text already (the usual case), the tree's own object is the record: the tree
 * is not kept for tables with a record tag, and copying 2 000 × 40 fields cost more than parsing them.
 */
function toRecord(item: unknown): TableRecord {
  if (!item || typeof item !== 'object') return {};
  const obj = item as Record<string, unknown>;
  const fields = Object.keys(obj);
  let n = 0;
  while (n < fields.length && typeof obj[fields[n]!] === 'string') n += 1;
  if (n === fields.length) return obj as TableRecord;
  const record: TableRecord = {};
  for (const field of fields) record[field] = flatten(obj[field]);
  return record;
}

function collect(node: unknown, tag: string, out: TableRecord[]): void {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key !== tag) collect(value, tag, out);
    else if (Array.isArray(value)) for (const item of value) out.push(toRecord(item));
    else out.push(toRecord(value));
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
  // The simple subset (almost every document) is read by the fast scanner; saxes reads the rest and words the errors.
  const doc = buildTreeFast(loaiHoSo, xml, location) ?? buildTree(loaiHoSo, xml, location);
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

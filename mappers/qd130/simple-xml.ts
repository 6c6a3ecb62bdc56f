/**
 * Fast reader for the simple XML that inner QĐ 130 tables (XML1…XML15) almost always are: an optional
 * XML declaration, elements without attributes, character data with the predefined entities and
 * character references, CDATA sections and whitespace. It scans the string with indexOf/charCodeAt
 * and builds exactly the tree saxes would (`buildTree` in tables.ts, through the same table-tree.ts
 * helpers). Anything outside that subset, well-formed or not, gives `undefined`, and parseTable
 * hands the document to saxes, which reads it or words the error; so this reader never has to be
 * a full XML parser, only to be right about what it accepts. Checked against saxes by a
 * differential property test (simple-xml.fuzz.test.ts).
 */
import { isUtf8Label } from '../shared/charset.js';
import { attach, endRun, keyFor, MAX_OPEN_ELEMENTS, newFrame, valueOf, type Frame } from './table-tree.js';

/**
 * XML 1.0 §2.8 XMLDecl, restricted to version 1.0 (1.1 changes §2.2 and §2.11), with an optional
 * EncodingDecl (§4.3.3, EncName) and SDDecl (§2.9), either quote style; only at the very start.
 */
const XML_DECL = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|'1\.0')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>/;
/**
 * A character outside XML 1.0 §2.2 Char: C0 controls other than tab, LF and CR, U+FFFE, U+FFFF and,
 * with the `u` flag (which reads a valid surrogate pair as one code point), lone surrogates. The `u`
 * scan is ~5× slower, so it only runs when the plain one found a control or any surrogate.
 */
const NOT_CHAR = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDFFF]/u;
const NOT_CHAR_OR_SURROGATE = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/;
/** XML 1.0 §2.11 end-of-line handling: CR LF and a lone CR become LF. */
const CR_LF = /\r\n?/g;
/** The five predefined entities (XML 1.0 §4.6); without a DTD no other entity exists. */
const PREDEFINED = new Map([['lt', '<'], ['gt', '>'], ['amp', '&'], ['quot', '"'], ['apos', "'"]]);
/** Longest reference body between `&` and `;` read here (`#x10FFFF` is 8); longer ones go to saxes. */
const MAX_REFERENCE = 10;
/**
 * Element names seen lately and their keys, by a hash of the name: a name found here is not sliced,
 * hashed and looked up again (table field names repeat within a document and across documents).
 * Entries are flat copies, so the cache never keeps a document alive.
 */
const NAME_SLOTS = 4096;
const cachedNames: Array<string | undefined> = new Array(NAME_SLOTS);
const cachedKeys: Array<string | undefined> = new Array(NAME_SLOTS);

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const HASH = 0x23;
const LOWER_X = 0x78;

/** ASCII names only (a subset of XML 1.0 §2.3 Name, without `:`): 2 = may start a name, 1 = may continue one. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) NAME_CHAR[c] = 2;
  else if (/[0-9.-]/.test(ch)) NAME_CHAR[c] = 1;
}

/** A copy of an ASCII `name` that shares no memory with the document it was sliced from. */
function flatCopy(name: string): string {
  return Buffer.from(name, 'latin1').toString('latin1');
}

/** XML 1.0 §2.3 S: space, tab, LF, CR. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function skipSpaces(xml: string, from: number): number {
  let i = from;
  while (isSpace(xml.charCodeAt(i))) i += 1;
  return i;
}

/** A code point XML 1.0 §2.2 allows (what a character reference must name, §4.1 WFC: Legal Character). */
function isXmlChar(cp: number): boolean {
  return cp >= 0x20 ? cp <= 0xd7ff || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff) : cp === 0x09 || cp === 0x0a || cp === 0x0d;
}

/** The character of the reference `&body;` with `body` = s[from, to): predefined entity (§4.6) or CharRef (§4.1); else undefined. */
function reference(s: string, from: number, to: number): string | undefined {
  if (to - from > MAX_REFERENCE) return undefined;
  if (s.charCodeAt(from) !== HASH) return PREDEFINED.get(s.slice(from, to));
  const hex = s.charCodeAt(from + 1) === LOWER_X; // §4.1: `&#x` is lowercase only
  const start = hex ? from + 2 : from + 1;
  if (start >= to) return undefined;
  let cp = 0;
  for (let i = start; i < to; i++) {
    const c = s.charCodeAt(i);
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (hex && c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (hex && c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else return undefined;
    cp = cp * (hex ? 16 : 10) + digit;
  }
  return isXmlChar(cp) ? String.fromCodePoint(cp) : undefined;
}

/** Character data with its references decoded (XML 1.0 §4.4 "included"), or undefined for any other `&`. */
function decodeReferences(s: string, firstAmp: number): string | undefined {
  let out = '';
  let last = 0;
  for (let amp = firstAmp; amp >= 0; amp = s.indexOf('&', last)) {
    const semi = s.indexOf(';', amp + 1);
    if (semi < 0) return undefined;
    const ch = reference(s, amp + 1, semi);
    if (ch === undefined) return undefined;
    out += s.slice(last, amp) + ch;
    last = semi + 1;
  }
  return out + s.slice(last);
}

/**
 * The character data xml[from, to) (no `<` inside) as saxes reports it: line ends normalized
 * (§2.11) before references are decoded, so `&#13;` stays a CR; `]]>` (§2.4) gives undefined.
 */
function charData(xml: string, from: number, to: number, hasCr: boolean): string | undefined {
  let s = xml.slice(from, to);
  if (s.includes(']]>')) return undefined;
  if (hasCr && s.includes('\r')) s = s.replace(CR_LF, '\n');
  const amp = s.indexOf('&');
  return amp < 0 ? s : decodeReferences(s, amp);
}

/**
 * When the content from `from` on is character data and then the end tag of `name` (§3.1 ETag:
 * '</' Name S? '>'), the index of that end tag's '<'; else -1.
 */
function leafEndTag(xml: string, from: number, name: string): number {
  const lt = xml.indexOf('<', from);
  if (lt < 0 || xml.charCodeAt(lt + 1) !== SLASH || !xml.startsWith(name, lt + 2)) return -1;
  return xml.charCodeAt(skipSpaces(xml, lt + 2 + name.length)) === GT ? lt : -1;
}

/** One pass over a document, from the root's '<' on; every method returns false outside the subset. */
class Scanner {
  /** Where the scan is: always at a '<' between steps. */
  i: number;
  readonly doc = newFrame('');
  private readonly stack: Frame[] = [];
  /** Element names as written, for matching end tags (the stack holds the keys). */
  private readonly names: string[] = [];
  private readonly hasCr: boolean;

  constructor(private readonly xml: string, start: number, private readonly loaiHoSo: string, private readonly location: string) {
    this.i = start;
    this.hasCr = xml.includes('\r');
  }

  /** Read the root element: one piece of markup, then the character data up to the next '<', and so on. */
  root(): boolean {
    for (;;) {
      const c = this.xml.charCodeAt(this.i + 1);
      if (!(c === SLASH ? this.endTag() : c === BANG ? this.cdata() : this.startTag(c))) return false;
      if (this.stack.length === 0) return true;
      if (!this.text()) return false;
    }
  }

  /** §3.1 ETag: '</' Name S? '>', naming the element it closes (WFC: Element Type Match). */
  private endTag(): boolean {
    const { xml, stack, names } = this;
    const top = stack[stack.length - 1];
    const name = names[names.length - 1];
    if (top === undefined || name === undefined || !xml.startsWith(name, this.i + 2)) return false;
    const gt = skipSpaces(xml, this.i + 2 + name.length);
    if (xml.charCodeAt(gt) !== GT) return false;
    stack.pop();
    names.pop();
    endRun(top);
    attach(stack[stack.length - 1] ?? this.doc, top.name, valueOf(top));
    this.i = gt + 1;
    return true;
  }

  /** §2.7 CDSect, kept as it is but for §2.11 line ends; anything else after '<!' is not read here. */
  private cdata(): boolean {
    const { xml } = this;
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || !xml.startsWith('[CDATA[', this.i + 2)) return false;
    const end = xml.indexOf(']]>', this.i + 9);
    if (end < 0) return false;
    const cdata = xml.slice(this.i + 9, end);
    endRun(top);
    top.text += this.hasCr && cdata.includes('\r') ? cdata.replace(CR_LF, '\n') : cdata;
    this.i = end + 3;
    return true;
  }

  /** §3.1 STag / EmptyElemTag without attributes: '<' Name S? '>' or '<' Name S? '/>'; a leaf is read whole. */
  private startTag(c: number): boolean {
    const { xml, stack } = this;
    if (!(c < 128 && NAME_CHAR[c] === 2)) return false;
    let j = this.i + 2;
    let h = c;
    for (let d = xml.charCodeAt(j); d < 128 && NAME_CHAR[d] !== 0; d = xml.charCodeAt(j)) {
      h = (h * 31 + d) | 0;
      j += 1;
    }
    const slot = (h ^ (j - this.i)) & (NAME_SLOTS - 1);
    let name = cachedNames[slot];
    let key = cachedKeys[slot];
    if (name === undefined || key === undefined || name.length !== j - this.i - 1 || !xml.startsWith(name, this.i + 1)) {
      name = xml.slice(this.i + 1, j);
      key = undefined;
    }
    j = skipSpaces(xml, j);
    const selfClosing = xml.charCodeAt(j) === SLASH;
    if (selfClosing) j += 1;
    if (xml.charCodeAt(j) !== GT) return false;
    const top = stack[stack.length - 1];
    if (top !== undefined) endRun(top);
    if (!selfClosing && stack.length > MAX_OPEN_ELEMENTS) return false;
    if (key === undefined) {
      key = flatCopy(keyFor(name, this.loaiHoSo, this.location));
      name = flatCopy(name);
      cachedNames[slot] = name;
      cachedKeys[slot] = key;
    }
    this.i = j + 1;
    const endLt = selfClosing ? this.i : leafEndTag(xml, this.i, name);
    if (endLt < 0) {
      stack.push(newFrame(key));
      this.names.push(name);
      return true;
    }
    // A leaf (`<NAME/>`, `<NAME>text</NAME>`) needs no frame: its value is its trimmed text, as valueOf gives.
    const text = endLt > this.i ? charData(xml, this.i, endLt, this.hasCr) : '';
    if (text === undefined) return false;
    attach(top ?? this.doc, key, text.trim());
    if (!selfClosing) this.i = skipSpaces(xml, endLt + 2 + name.length) + 1;
    return true;
  }

  /** Character data up to the next '<', as the current run of the open element. */
  private text(): boolean {
    const { xml } = this;
    const lt = xml.indexOf('<', this.i);
    if (lt < 0) return false;
    // Whitespace between tags (indentation) trims to nothing: not even sliced.
    if (skipSpaces(xml, this.i) < lt) {
      const text = charData(xml, this.i, lt, this.hasCr);
      if (text === undefined) return false;
      this.stack[this.stack.length - 1]!.run = text;
    }
    this.i = lt;
    return true;
  }
}

/**
 * Read `xml` into the `{ root: value }` tree `buildTree` (tables.ts) gives, when the document lies in the
 * simple subset: optional `<?xml version="1.0" …?>` (a UTF-8 encoding label only) at the very start, one
 * root element, ASCII names without `:`, no attributes, character data with the five predefined entities
 * and character references to allowed code points, CDATA sections, whitespace around the root, and at
 * most `MAX_OPEN_ELEMENTS` + 1 levels. Returns undefined for anything else (comments, processing
 * instructions, a DTD, a BOM, bad characters, mismatched tags…): saxes then decides. Throws only what
 * `keyFor` throws for a reserved element name, exactly as saxes' path would at that element.
 */
export function buildTreeFast(loaiHoSo: string, xml: string, location: string): Record<string, unknown> | undefined {
  if (NOT_CHAR_OR_SURROGATE.test(xml) && NOT_CHAR.test(xml)) return undefined;
  let start = 0;
  if (xml.startsWith('<?xml')) {
    const decl = XML_DECL.exec(xml);
    const encoding = decl?.[1] ?? decl?.[2];
    if (!decl || (encoding !== undefined && !isUtf8Label(encoding))) return undefined;
    start = decl[0].length;
  }
  start = skipSpaces(xml, start);
  if (xml.charCodeAt(start) !== LT) return undefined;
  const scanner = new Scanner(xml, start, loaiHoSo, location);
  // §2.8 Misc after the root: whitespace only here (comments and PIs go to saxes).
  return scanner.root() && skipSpaces(xml, scanner.i) === xml.length ? scanner.doc.obj : undefined;
}

import { SaxesParser } from 'saxes';
import { MappingError } from '../errors.js';
import { isUtf8Label } from '../shared/charset.js';
import { quoteValue } from '../shared/quote.js';
import { SaxesUnitMeter } from './saxes-units.js';

/** A facility code (MA_CSKCB, 5 characters: province + facility number). */
export const FACILITY_CODE = /^[0-9A-Z]{5}$/i;
/** Where the one facility code of an envelope sits (QĐ 130 §1.2). */
const MACSKCB_PATH = 'GIAMDINHHS/THONGTINDONVI/MACSKCB';

/** One `FILEHOSO`: a table of an episode, still base64 (QĐ 130 §1.2 `LOAIHOSO` + `NOIDUNGFILE`). */
export interface EnvelopeFile {
  loaiHoSo: string;
  base64: string;
}

/** One `HOSO` (one treatment episode) in document order; `index` is 1-based as in XPath. */
export interface EnvelopeHoso {
  index: number;
  files: EnvelopeFile[];
}

/** Header fields of `GIAMDINHHS` (`THONGTINDONVI/MACSKCB`, `THONGTINHOSO/NGAYLAP`, `SOLUONGHOSO`). */
export interface EnvelopeHeader {
  /** The one facility code of the envelope: set (and checked) once its element closes, before any HOSO. */
  macskcb?: string;
  ngayLap?: string;
  soLuongHoSo?: string;
}

/**
 * Limits that keep one envelope from exhausting memory. Every text node, tag, comment, CDATA section
 * and processing instruction is bounded, captured or not, because saxes buffers each one whole.
 */
export interface EnvelopeLimits {
  maxHoso: number;
  /** Longest `NOIDUNGFILE` (base64 characters; MAX_FIELD_MB). */
  maxFileChars: number;
  /** Longest header field (`MACSKCB`, `NGAYLAP`, `SOLUONGHOSO`, `LOAIHOSO`); default 4 096. */
  maxHeaderChars?: number;
  /** Longest other text node, tag, comment or processing instruction (never kept); default 65 536, at least 1 024. */
  maxTextChars?: number;
  /** All `NOIDUNGFILE` of one `HOSO` together (held until the HOSO closes); default `maxFileChars`. */
  maxHosoChars?: number;
  /** Deepest element nesting (saxes keeps one entry per open element); default 64. */
  maxDepth?: number;
}

const HEADER_FIELDS = new Set(['MACSKCB', 'NGAYLAP', 'SOLUONGHOSO', 'LOAIHOSO']);
const NOIDUNGFILE_OPEN = '<NOIDUNGFILE>';
/** Base64 (RFC 4648 §4) and the whitespace exports wrap it with: nothing saxes would treat specially. */
const BASE64_TEXT = /^[A-Za-z0-9+/=\r\n\t ]*$/;
const CAPTURED = new Set([...HEADER_FIELDS, 'NOIDUNGFILE']);


/**
 * Streaming reader of the `GIAMDINHHS` envelope. Feed it text chunks with `write`; every finished
 * `HOSO` is handed to `onHoso` at once, so a month's export (100 MB+) is never held as one tree.
 * DTDs are refused outright (no entity expansion, no external entities). The envelope names exactly
 * one facility, `GIAMDINHHS/THONGTINDONVI/MACSKCB`, a 5-character code, before its first `HOSO`:
 * none, two, one elsewhere or one after the episodes is refused (the facility check needs one answer).
 * An XML declaration naming an encoding other than UTF-8 is refused (docs/input-rules.md).
 */
export class Qd130EnvelopeReader {
  readonly header: EnvelopeHeader = {};
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly path: string[] = [];
  private readonly max: Required<EnvelopeLimits>;
  /** Pieces fed to saxes: a unit longer than this always spans a boundary, where it is measured. */
  private readonly pieceChars: number;
  private text: string[] = [];
  private textChars = 0;
  private hoso: EnvelopeHoso | undefined;
  private hosoChars = 0;
  private file: Partial<EnvelopeFile> | undefined;
  private hosoCount = 0;
  private macskcbCount = 0;
  private sawRoot = false;
  /** Inside `<NOIDUNGFILE>` and reading its base64 past saxes (see `writePiece`). */
  private bypass = false;
  /** What saxes is buffering now, measured before each piece reaches it. */
  private readonly units = new SaxesUnitMeter();
  /** Lines and columns of text read past saxes, so error locations stay true. */
  private skippedLines = 0;
  private colShift = { line: -1, cols: 0 };
  private skippedCr = false;

  constructor(
    private readonly onHoso: (hoso: EnvelopeHoso) => void,
    limits: EnvelopeLimits,
  ) {
    this.max = {
      maxHoso: limits.maxHoso,
      maxFileChars: limits.maxFileChars,
      maxHeaderChars: limits.maxHeaderChars ?? 4096,
      maxTextChars: Math.max(limits.maxTextChars ?? 65_536, 1024),
      maxHosoChars: limits.maxHosoChars ?? limits.maxFileChars,
      maxDepth: limits.maxDepth ?? 64,
    };
    this.pieceChars = Math.min(65_536, this.max.maxTextChars);
    const p = this.parser;
    p.on('doctype', () => this.fail('DOCTYPE is not allowed in a GIAMDINHHS envelope (entity expansion is disabled)', 'security'));
    p.on('xmldecl', (decl) => {
      // The body was decoded as UTF-8; a declaration saying otherwise means it was not (XML 1.0 §4.3.3).
      if (decl.encoding !== undefined && !isUtf8Label(decl.encoding)) {
        this.fail(`the GIAMDINHHS envelope declares encoding ${quoteValue(decl.encoding)}; only UTF-8 is accepted`, 'not-supported');
      }
    });
    p.on('opentag', (tag) => this.open(tag.name));
    p.on('closetag', (tag) => this.close(tag.name));
    p.on('text', (t) => this.addText(t));
    p.on('cdata', (t) => this.addText(t));
    p.on('error', (err) => {
      throw new MappingError(`envelope is not well-formed XML: ${err.message}`, this.where());
    });
  }

  /** Feed the next piece of the document. */
  write(chunk: string): void {
    for (let i = 0; i < chunk.length; i += this.pieceChars) this.writePiece(chunk.length <= this.pieceChars ? chunk : chunk.slice(i, i + this.pieceChars));
  }

  /** Signal the end of the document; throws if it was incomplete or not an envelope. */
  end(): void {
    this.parser.close();
    if (!this.sawRoot) throw new MappingError('root element GIAMDINHHS not found', '/');
    if (this.macskcbCount === 0) throw new MappingError('the envelope has no MACSKCB: THONGTINDONVI/MACSKCB must name the facility', MACSKCB_PATH, 'invalid');
  }

  /**
   * Fast path for the bulk of an envelope: the base64 text of a `NOIDUNGFILE` (QĐ 130 §1.2) is
   * taken as it is, past saxes, which would otherwise examine it one character at a time. Only a
   * literal `<NOIDUNGFILE>` that saxes itself opened enters it, only base64 characters and
   * whitespace are taken (anything else, e.g. a character reference, goes back through saxes), and
   * it ends at the next `<`, so saxes still sees every tag and buffers no text of its own meanwhile.
   */
  private writePiece(s: string): void {
    let rest = s;
    while (rest.length) {
      if (this.bypass) {
        const lt = rest.indexOf('<');
        const seg = lt < 0 ? rest : rest.slice(0, lt);
        if (!BASE64_TEXT.test(seg)) {
          this.bypass = false; // saxes takes it from here (it has buffered nothing of this text)
          continue;
        }
        this.skip(seg);
        rest = rest.slice(seg.length);
        if (lt >= 0) this.bypass = false;
        if (lt >= 0) this.skippedCr = false;
        continue;
      }
      const open = rest.indexOf(NOIDUNGFILE_OPEN);
      if (open < 0 || this.units.unit !== 'text') {
        this.writeThroughSaxes(rest);
        return;
      }
      const upTo = open + NOIDUNGFILE_OPEN.length;
      this.writeThroughSaxes(rest.slice(0, upTo));
      rest = rest.slice(upTo);
      this.bypass = this.path[this.path.length - 1] === 'NOIDUNGFILE' && this.units.unit === 'text' && this.file !== undefined;
    }
  }

  /** Take base64 text read past saxes as NOIDUNGFILE content, and remember the lines and columns it spanned. */
  private skip(raw: string): void {
    if (!raw) return;
    // XML 1.0 §2.11 end-of-line handling, as saxes does: CR LF and lone CR become LF, also across pieces.
    const seg = (this.skippedCr && raw.startsWith('\n') ? raw.slice(1) : raw).replace(/\r\n?/g, '\n');
    this.skippedCr = raw.endsWith('\r');
    this.addText(seg);
    const lastNl = seg.lastIndexOf('\n');
    const line = this.parser.line;
    if (lastNl < 0) {
      this.colShift = { line, cols: (this.colShift.line === line ? this.colShift.cols : 0) + seg.length };
    } else {
      let n = 0;
      for (let i = seg.indexOf('\n'); i >= 0; i = seg.indexOf('\n', i + 1)) n += 1;
      this.skippedLines += n;
      this.colShift = { line, cols: seg.length - lastNl - 1 - this.parser.column };
    }
  }

  /** Measure the unit carried over from earlier pieces before saxes buffers more of it; refuse it past its limit. */
  private writeThroughSaxes(s: string): void {
    const unit = this.units.unit;
    const before = this.units.unitChars;
    const head = this.units.scan(s);
    const top = this.path[this.path.length - 1];
    const inField = unit === 'text' || unit === 'cdata';
    const limit = inField && top === 'NOIDUNGFILE' ? this.max.maxFileChars : this.max.maxTextChars;
    if (before + head > limit) {
      // Parse exactly what fits, so the outcome does not depend on how the body was cut into chunks.
      if (limit > before) this.parser.write(s.slice(0, limit - before));
      if (inField) this.fail(`${top ?? 'text outside the root element'} is longer than ${limit} characters`, 'too-costly');
      this.fail(`a tag, comment, CDATA section or processing instruction is longer than ${limit} characters`, 'too-costly');
    }
    this.parser.write(s);
  }

  private where(): string {
    const path = this.path.length ? `/${this.path.join('/')}` : '/';
    const column = this.parser.column + (this.colShift.line === this.parser.line ? this.colShift.cols : 0);
    return `${path} (line ${this.parser.line + this.skippedLines}, column ${column})`;
  }

  private fail(message: string, code: MappingError['code'] = 'structure', location = this.where()): never {
    throw new MappingError(message, location, code);
  }

  private open(name: string): void {
    if (this.path.length === 0) {
      if (name !== 'GIAMDINHHS') this.fail(`root element must be GIAMDINHHS, found ${quoteValue(name)}`);
      this.sawRoot = true;
    }
    if (this.path.length >= this.max.maxDepth) this.fail(`elements are nested deeper than ${this.max.maxDepth} levels`, 'too-costly');
    this.path.push(name);
    if (name === 'MACSKCB') this.openMacskcb();
    if (name === 'HOSO') {
      if (this.header.macskcb === undefined) this.fail('THONGTINDONVI/MACSKCB must come before the first HOSO: the envelope names no facility yet', 'invalid', MACSKCB_PATH);
      this.hosoCount += 1;
      if (this.hosoCount > this.max.maxHoso) {
        this.fail(`more than ${this.max.maxHoso} HOSO in one envelope; split the export`, 'too-costly');
      }
      this.hoso = { index: this.hosoCount, files: [] };
      this.hosoChars = 0;
    } else if (name === 'FILEHOSO') {
      this.file = {};
    }
    if (CAPTURED.has(name)) {
      this.text = [];
      this.textChars = 0;
    }
  }

  /** Exactly one MACSKCB, and only at GIAMDINHHS/THONGTINDONVI/MACSKCB (`path` already ends with it). */
  private openMacskcb(): void {
    if (this.path.length !== 3 || this.path[1] !== 'THONGTINDONVI') this.fail(`MACSKCB is only allowed at ${MACSKCB_PATH}`, 'invalid');
    this.macskcbCount += 1;
    if (this.macskcbCount > 1) this.fail('the envelope has more than one MACSKCB; exactly one THONGTINDONVI/MACSKCB names the facility', 'invalid');
  }

  private addText(t: string): void {
    const current = this.path[this.path.length - 1];
    if (!current || !CAPTURED.has(current)) return;
    this.textChars += t.length;
    const limit = HEADER_FIELDS.has(current) ? this.max.maxHeaderChars : this.max.maxFileChars;
    if (this.textChars > limit) this.fail(`${current} is longer than ${limit} characters`, 'too-costly');
    this.text.push(t);
  }

  private close(name: string): void {
    const value = CAPTURED.has(name) ? this.text.join('').trim() : '';
    switch (name) {
      case 'MACSKCB':
        if (!FACILITY_CODE.test(value)) this.fail(`MACSKCB ${quoteValue(value)} is not a 5-character facility code (MA_CSKCB)`, 'invalid');
        this.header.macskcb = value;
        break;
      case 'NGAYLAP':
        this.header.ngayLap = value;
        break;
      case 'SOLUONGHOSO':
        this.header.soLuongHoSo = value;
        break;
      case 'LOAIHOSO':
        if (this.file) this.file.loaiHoSo = value.toUpperCase();
        break;
      case 'NOIDUNGFILE':
        if (this.file) {
          this.hosoChars += value.length;
          if (this.hoso && this.hosoChars > this.max.maxHosoChars) {
            this.fail(`the FILEHOSO of HOSO ${this.hoso.index} are longer than ${this.max.maxHosoChars} characters together`, 'too-costly');
          }
          this.file.base64 = value;
        }
        break;
      case 'FILEHOSO':
        if (!this.file?.loaiHoSo) this.fail(`FILEHOSO ${(this.hoso?.files.length ?? 0) + 1} has no LOAIHOSO`);
        this.hoso?.files.push({ loaiHoSo: this.file.loaiHoSo, base64: this.file.base64 ?? '' });
        this.file = undefined;
        break;
      case 'HOSO':
        if (this.hoso) this.onHoso(this.hoso);
        this.hoso = undefined;
        break;
    }
    if (CAPTURED.has(name)) this.text = [];
    this.path.pop();
  }
}

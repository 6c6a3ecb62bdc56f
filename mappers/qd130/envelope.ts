import { SaxesParser } from 'saxes';
import { MappingError } from '../errors.js';

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
  macskcb?: string;
  ngayLap?: string;
  soLuongHoSo?: string;
}

/** Limits that keep one envelope from exhausting memory. */
export interface EnvelopeLimits {
  maxHoso: number;
  maxFileChars: number;
}

const CAPTURED = new Set(['MACSKCB', 'NGAYLAP', 'SOLUONGHOSO', 'LOAIHOSO', 'NOIDUNGFILE']);

/**
 * Streaming reader of the `GIAMDINHHS` envelope. Feed it text chunks with `write`; every finished
 * `HOSO` is handed to `onHoso` at once, so a month's export (100 MB+) is never held as one tree.
 * DTDs are refused outright (no entity expansion, no external entities).
 */
export class Qd130EnvelopeReader {
  readonly header: EnvelopeHeader = {};
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly path: string[] = [];
  private text: string[] = [];
  private textChars = 0;
  private hoso: EnvelopeHoso | undefined;
  private file: Partial<EnvelopeFile> | undefined;
  private hosoCount = 0;
  private sawRoot = false;

  constructor(
    private readonly onHoso: (hoso: EnvelopeHoso) => void,
    private readonly limits: EnvelopeLimits,
  ) {
    const p = this.parser;
    p.on('doctype', () => this.fail('DOCTYPE is not allowed in a GIAMDINHHS envelope (entity expansion is disabled)', 'security'));
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
    this.parser.write(chunk);
  }

  /** Signal the end of the document; throws if it was incomplete or not an envelope. */
  end(): void {
    this.parser.close();
    if (!this.sawRoot) throw new MappingError('root element GIAMDINHHS not found', '/');
  }

  private where(): string {
    const path = this.path.length ? `/${this.path.join('/')}` : '/';
    return `${path} (line ${this.parser.line}, column ${this.parser.column})`;
  }

  private fail(message: string, code: MappingError['code'] = 'structure'): never {
    throw new MappingError(message, this.where(), code);
  }

  private open(name: string): void {
    if (this.path.length === 0) {
      if (name !== 'GIAMDINHHS') this.fail(`root element must be GIAMDINHHS, found ${name}`);
      this.sawRoot = true;
    }
    this.path.push(name);
    if (name === 'HOSO') {
      this.hosoCount += 1;
      if (this.hosoCount > this.limits.maxHoso) {
        this.fail(`more than ${this.limits.maxHoso} HOSO in one envelope; split the export`, 'too-costly');
      }
      this.hoso = { index: this.hosoCount, files: [] };
    } else if (name === 'FILEHOSO') {
      this.file = {};
    }
    if (CAPTURED.has(name)) {
      this.text = [];
      this.textChars = 0;
    }
  }

  private addText(t: string): void {
    const current = this.path[this.path.length - 1];
    if (!current || !CAPTURED.has(current)) return;
    this.textChars += t.length;
    if (this.textChars > this.limits.maxFileChars) {
      this.fail(`${current} is longer than ${this.limits.maxFileChars} characters`, 'too-costly');
    }
    this.text.push(t);
  }

  private close(name: string): void {
    const value = CAPTURED.has(name) ? this.text.join('').trim() : '';
    switch (name) {
      case 'MACSKCB':
        if (this.path.includes('THONGTINDONVI')) this.header.macskcb = value;
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
        if (this.file) this.file.base64 = value;
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

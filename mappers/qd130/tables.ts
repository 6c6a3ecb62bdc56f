import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MappingError } from '../errors.js';

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

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decode `NOIDUNGFILE`: strict base64 of UTF-8 bytes; a leading BOM is dropped. */
export function decodeNoiDungFile(base64: string, location: string): string {
  const compact = base64.replace(/\s+/g, '');
  if (compact.length === 0) throw new MappingError('NOIDUNGFILE is empty', location, 'invalid');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new MappingError('NOIDUNGFILE is not valid base64', location, 'invalid');
  }
  const bytes = Buffer.from(compact, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // XML 1.0 §2.2 forbids NUL; it would also be refused by PostgreSQL jsonb.
  if (text.includes('\u0000')) throw new MappingError('NOIDUNGFILE contains NUL characters, which XML does not allow', location, 'invalid');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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
 * Parse one decoded table document. DTDs are refused (no entity expansion); CDATA is read as text.
 * Throws MappingError with the location when the document is not well-formed.
 */
export function parseTable(loaiHoSo: string, xml: string, location: string): ParsedTable {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new MappingError(`${loaiHoSo} document contains a DTD; entity expansion is disabled`, location, 'security');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new MappingError(`${loaiHoSo} document is not well-formed XML: ${msg} (line ${line}, column ${col})`, location);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (err) {
    throw new MappingError(`${loaiHoSo} document cannot be parsed: ${(err as Error).message}`, location, /nested/i.test((err as Error).message) ? 'too-costly' : 'structure');
  }
  const rootTag = Object.keys(doc)[0];
  if (!rootTag) throw new MappingError(`${loaiHoSo} document has no root element`, location);
  const recordTag = RECORD_TAGS[loaiHoSo];
  const records: TableRecord[] = [];
  if (recordTag) {
    if (rootTag === recordTag) collect(doc, recordTag, records);
    else collect(doc[rootTag], recordTag, records);
    // Single-record tables (XML7, XML8, …) use the root itself as the record.
    if (records.length === 0 && rootTag === recordTag) collect(doc, rootTag, records);
    return { loaiHoSo, rootTag, records };
  }
  return { loaiHoSo, rootTag, records, document: doc[rootTag] };
}

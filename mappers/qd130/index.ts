import type { FormatMapper, MapContext, MappedItem, RecordFacts, RecordIssue } from '../contract.js';
import { MappingError } from '../errors.js';
import { quoteValue } from '../shared/quote.js';
import { FACILITY_CODE, Qd130EnvelopeReader, type EnvelopeHoso } from './envelope.js';
import { decodeNoiDungFile, parseTable, type ParsedTable } from './tables.js';
import { checkXml1 } from './xml1-checks.js';
import { xml1Conditions, xml1Encounter, xml1Person, xml9Birth } from './xml1-facts.js';
import { MAPPED_XML1_FIELDS, normalizeXml1 } from './xml1-fields.js';

export { Qd130EnvelopeReader, type EnvelopeHeader, type EnvelopeHoso } from './envelope.js';
export type { ParsedTable } from './tables.js';

/** Decode and parse every FILEHOSO of a HOSO once; throws MappingError naming `HOSO[i]/FILEHOSO[j]` on bad base64 or XML. */
export function parseHosoTables(hoso: EnvelopeHoso): ParsedTable[] {
  return hoso.files.map((file, j) => {
    const location = `GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO[${hoso.index}]/FILEHOSO[${j + 1}]/NOIDUNGFILE (${file.loaiHoSo})`;
    return parseTable(file.loaiHoSo, decodeNoiDungFile(file.base64, location), location);
  });
}

/**
 * Map one QĐ 130 (or QĐ 4210) episode to facts: XML1 → person, encounter, diagnoses; XML9 → the
 * births of a delivery episode. Pure: no I/O, no clock. Every table is kept as the payload.
 */
export function mapQd130Hoso(hoso: EnvelopeHoso, ctx: MapContext): MappedItem {
  const tables = parseHosoTables(hoso);
  const xml1 = tables.filter((t) => t.loaiHoSo === 'XML1').flatMap((t) => t.records);
  const anyKey = tables.flatMap((t) => t.records).find((rec) => rec.MA_LK)?.MA_LK;
  const fallbackKey = anyKey ?? `HOSO[${hoso.index}]`;
  const facts = (f: Partial<RecordFacts> & { key: string; facility: string; issues: RecordIssue[] }): MappedItem => ({
    seq: hoso.index, payload: tables, kind: 'encounter', facts: { conditions: [], immunizations: [], births: [], unmapped: [], ...f },
  });

  if (xml1.length !== 1) {
    return facts({
      key: fallbackKey,
      facility: ctx.envelopeFacility,
      issues: [{
        category: 'SCHEMA',
        field: 'XML1.TONG_HOP',
        message: xml1.length === 0 ? `HOSO ${hoso.index} has no XML1 (TONG_HOP) record` : `HOSO ${hoso.index} has ${xml1.length} XML1 (TONG_HOP) records; expected exactly one`,
      }],
    });
  }
  const r = normalizeXml1(xml1[0]!);
  const facility = r.MA_CSKCB || ctx.envelopeFacility;
  const key = r.MA_LK || fallbackKey;
  const { issues, dates } = checkXml1(r);
  if (!FACILITY_CODE.test(facility)) {
    issues.unshift({ category: 'SCHEMA', field: 'XML1.MA_CSKCB', message: `MA_CSKCB ${quoteValue(facility)} is not a 5-character facility code` });
  }
  const unmapped = Object.keys(r).filter((f) => r[f] && !MAPPED_XML1_FIELDS.has(f)).map((f) => `XML1.${f}`);
  for (const t of tables) if (t.loaiHoSo !== 'XML1') unmapped.push(t.loaiHoSo);
  return facts({
    key, facility, issues, unmapped,
    person: xml1Person(r, dates),
    encounter: xml1Encounter(r, key, facility, dates),
    conditions: xml1Conditions(r, dates),
    births: tables.filter((t) => t.loaiHoSo === 'XML9').flatMap((t) => t.records).map(xml9Birth),
  });
}

/** The QĐ 130 / 4750 / 3176 (and QĐ 4210) claim envelope, `POST /ingest/qd130`. */
export const qd130Format: FormatMapper<EnvelopeHoso> = {
  format: 'qd130',
  description: 'Ministry claim XML (GIAMDINHHS envelope, QĐ 130/4750/3176 and QĐ 4210)',
  contentTypes: /^(application|text)\/xml\b/i,
  createReader(onItem, limits) {
    const reader = new Qd130EnvelopeReader(onItem, {
      maxHoso: limits.maxItems, maxFileChars: limits.maxFieldChars,
      ...(limits.maxHeaderChars ? { maxHeaderChars: limits.maxHeaderChars } : {}), ...(limits.maxTextChars ? { maxTextChars: limits.maxTextChars } : {}),
    });
    return {
      write: (chunk) => reader.write(chunk),
      end: () => reader.end(),
      get header() {
        return { ...reader.header, ...(reader.header.macskcb !== undefined ? { facility: reader.header.macskcb } : {}) };
      },
    };
  },
  mapItem: mapQd130Hoso,
  checkEnd(header, itemCount) {
    if (itemCount === 0) throw new MappingError('envelope contains no HOSO', 'GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO');
    // The reader has already refused an envelope without exactly one well-formed THONGTINDONVI/MACSKCB.
    const macskcb = header.facility;
    if (typeof macskcb !== 'string' || !FACILITY_CODE.test(macskcb)) {
      throw new MappingError('THONGTINDONVI/MACSKCB must be a 5-character facility code', 'GIAMDINHHS/THONGTINDONVI/MACSKCB', 'invalid');
    }
  },
  goldenDir: 'test/golden/qd130',
};

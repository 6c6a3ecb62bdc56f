import type { EpisodeMapping, MapContext, RecordIssue } from '../types.js';
import type { EnvelopeHoso } from './envelope.js';
import { mapConditions, mapEncounter, mapOrganization, encounterIdFor, organizationIdFor } from './encounter.js';
import { mapPatient, patientIdForCccd } from './patient.js';
import { decodeNoiDungFile, parseTable, type ParsedTable } from './tables.js';
import { checkXml1 } from './xml1-checks.js';
import { MAPPED_XML1_FIELDS, normalizeXml1 } from './xml1-fields.js';

export { Qd130EnvelopeReader, type EnvelopeHeader, type EnvelopeHoso } from './envelope.js';
export type { ParsedTable } from './tables.js';

/** One episode (HOSO) after decoding: the mapping plus every table, kept whole for review and later mappers. */
export interface Qd130Episode {
  mapping: EpisodeMapping;
  tables: ParsedTable[];
}

/** Decode and parse every FILEHOSO of a HOSO; throws MappingError naming `HOSO[i]/FILEHOSO[j]` on bad base64 or XML. */
export function parseHosoTables(hoso: EnvelopeHoso): ParsedTable[] {
  return hoso.files.map((file, j) => {
    const location = `GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO[${hoso.index}]/FILEHOSO[${j + 1}]/NOIDUNGFILE (${file.loaiHoSo})`;
    return parseTable(file.loaiHoSo, decodeNoiDungFile(file.base64, location), location);
  });
}

/**
 * Map one QĐ 130 (or QĐ 4210) episode: XML1 → Patient + Encounter + Conditions + Organization.
 * Pure: no I/O, no clock. Records that fail a check carry issues and no resources.
 */
export function mapQd130Episode(hoso: EnvelopeHoso, ctx: MapContext): Qd130Episode {
  const tables = parseHosoTables(hoso);
  const xml1Tables = tables.filter((t) => t.loaiHoSo === 'XML1');
  const xml1 = xml1Tables.flatMap((t) => t.records);
  const anyKey = tables.flatMap((t) => t.records).find((rec) => rec.MA_LK)?.MA_LK;
  const fallbackKey = anyKey ?? `HOSO[${hoso.index}]`;
  const reject = (issue: RecordIssue, facility = ctx.envelopeFacility, key = fallbackKey): Qd130Episode => ({
    mapping: { key, facility, resources: [], issues: [issue], unmapped: [] }, tables,
  });

  if (xml1.length !== 1) {
    return reject({
      category: 'SCHEMA',
      field: 'XML1.TONG_HOP',
      message: xml1.length === 0 ? `HOSO ${hoso.index} has no XML1 (TONG_HOP) record` : `HOSO ${hoso.index} has ${xml1.length} XML1 (TONG_HOP) records; expected exactly one`,
    });
  }
  const r = normalizeXml1(xml1[0]!);
  const facility = r.MA_CSKCB || ctx.envelopeFacility;
  const key = r.MA_LK || fallbackKey;
  const motherCccds = tables.filter((t) => t.loaiHoSo === 'XML9').flatMap((t) => t.records).map((b) => b.SO_CCCD_NND ?? '').filter(Boolean);
  const { issues, dates, cccd } = checkXml1(r, motherCccds);
  if (!/^[0-9A-Z]{5}$/i.test(facility)) {
    issues.unshift({ category: 'SCHEMA', field: 'XML1.MA_CSKCB', message: `MA_CSKCB "${facility}" is not a 5-character facility code` });
  }
  const unmapped = Object.keys(r).filter((f) => r[f] && !MAPPED_XML1_FIELDS.has(f)).map((f) => `XML1.${f}`);
  for (const t of tables) if (t.loaiHoSo !== 'XML1') unmapped.push(t.loaiHoSo);
  if (issues.length || !cccd) return { mapping: { key, facility, resources: [], issues, unmapped }, tables };

  const patientId = patientIdForCccd(ctx, cccd);
  const encounterId = encounterIdFor(ctx, facility, key);
  const organizationId = organizationIdFor(ctx, facility);
  const conditions = mapConditions(r, encounterId, patientId, dates);
  const resources = [
    mapOrganization(facility, ctx),
    mapPatient(r, cccd, dates, ctx),
    mapEncounter(r, { encounterId, patientId, organizationId, facility }, conditions, dates, ctx),
    ...conditions,
  ];
  return { mapping: { key, facility, resources, issues: [], unmapped }, tables };
}

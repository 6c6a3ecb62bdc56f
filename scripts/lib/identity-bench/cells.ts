/**
 * Feed rows as CSV for `POST /ingest/csv?kind=immunization`, by the default column names of
 * docs/formats/csv.md (the guardian, CMND, passport and patient-number columns included), and
 * registry rows as the roster CSV of docs/registry.md.
 */
import { STYLES, type Draft } from './draft.js';
import { upperName } from './names.js';
import { addressText, communes } from './places.js';
import { isoDay, type Random } from './random.js';
import { REGISTRY_COLUMNS, type RegistryRow } from './registry.js';
import type { FeedRow } from './types.js';

/** The header of every feed file, in this order. */
export const FEED_COLUMNS = [
  'facility_code', 'immunization_identifier', 'patient_cccd', 'patient_cmnd', 'patient_passport', 'patient_bhyt', 'patient_mrn',
  'patient_name', 'patient_birth_date', 'patient_gender', 'patient_address', 'guardian_cccd', 'guardian_name', 'guardian_relationship',
  'vaccine_national_code', 'vaccine_name', 'occurrence', 'dose_number', 'lot_number', 'status',
] as const;

const COMMUNE_BY_CODE = new Map(communes.map((c) => [c.code, c]));

/** The cells of a draft, as its facility's export writes them. */
export function cellsOf(r: Random, d: Draft): Record<string, string> {
  const style = STYLES.get(d.facility)!;
  const id = d.id;
  const name = style.upperNames && !d.kinds.includes('infant-under-mother') ? upperName(id.name) : id.name;
  const gender = style.genderWords ? (id.gender === 'male' ? 'nam' : 'nữ') : id.gender === 'male' ? '1' : '2';
  const time = r.chance(0.4) ? ` ${String(r.int(7, 16)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}` : '';
  const commune = COMMUNE_BY_CODE.get(d.person.commune);
  return {
    facility_code: d.facility, immunization_identifier: d.identifier,
    patient_cccd: id.cccd, patient_cmnd: id.cmnd, patient_passport: id.passport, patient_bhyt: id.bhyt, patient_mrn: id.mrn,
    patient_name: name, patient_birth_date: id.birthDate, patient_gender: gender, patient_address: commune ? addressText(r, commune) : '',
    guardian_cccd: id.guardianCccd, guardian_name: id.guardianName, guardian_relationship: id.guardianRelationship,
    vaccine_national_code: d.vaccine.code, vaccine_name: d.vaccine.name, occurrence: `${isoDay(d.day)}${time}`,
    dose_number: String(d.dose), lot_number: d.lot, status: '2',
  };
}

/** One CSV cell, quoted when it holds a separator, a quote or a line break (RFC 4180). */
export function csvCell(value: string): string {
  return /[",\r\n;]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A CSV file of feed rows: the header line, then one line per row (CRLF, as Excel writes). */
export function feedCsv(rows: readonly FeedRow[]): string {
  const lines = [FEED_COLUMNS.join(',')];
  for (const row of rows) lines.push(FEED_COLUMNS.map((c) => csvCell(row.cells[c] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The roster header line. */
export function registryHeader(): string {
  return `${REGISTRY_COLUMNS.join(',')}\n`;
}

/** One roster line. */
export function registryLine(row: RegistryRow): string {
  return `${REGISTRY_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`;
}

/** A whole roster CSV (for tests and small extracts; the driver streams). */
export function registryCsv(rows: Iterable<RegistryRow>): string {
  let out = registryHeader();
  for (const row of rows) out += registryLine(row);
  return out;
}

import { createHash } from 'node:crypto';
import type { PersonFacts, RecordIssue } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { rowGuardian } from './guardian-row.js';
import type { CsvRow } from './reader.js';
import { cccdDamage, isProblem, parseCsvDate, parseGender } from './values.js';

/** What mapping a row needs besides the row: the facility to fall back on and a profile's date patterns. */
export interface RowContext {
  fallbackFacility: string;
  datePatterns: readonly RegExp[];
}

/** An issue's field: the data row and the field its column names, e.g. `row 7, column patient.cccd`. */
export function cellField(row: CsvRow, field: string): string {
  return `row ${row.row}, column ${field}`;
}

/** Collects a row's issues, each naming the row and the field. */
export class RowIssues {
  readonly list: RecordIssue[] = [];
  constructor(private readonly row: CsvRow) {}

  add(category: RecordIssue['category'], field: string, message: string): void {
    this.list.push({ category, field: cellField(this.row, field), message });
  }

  /** A SCHEMA issue for each of `fields` the row leaves empty (the national minimum data set). */
  requireAll(fields: readonly string[], what: string): void {
    for (const f of fields) if (!this.row.fields[f]) this.add('SCHEMA', f, `${f} is empty: ${what}`);
  }
}

const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;

/** The row's facility: its `facility.code` cell, else the submitting key's facility; checked as a 5-character code. */
export function rowFacility(row: CsvRow, fallback: string, issues: RowIssues): string {
  const facility = row.fields['facility.code'] ?? fallback;
  if (!facility) issues.add('SCHEMA', 'facility.code', 'facility.code is empty and the submitting key names no facility');
  else if (!FACILITY_CODE.test(facility)) issues.add('SCHEMA', 'facility.code', `facility.code ${quoteValue(facility)} is not a 5-character facility code (MA_CSKCB)`);
  return facility;
}

/**
 * The person of a row: CCCD (Excel damage named), BHYT card, the old CMND and a passport
 * (`otherIds`, as sent), the facility's patient number (`patient.mrn`), name, gender, birth date,
 * address, and the mother or guardian (`guardian-row.ts`). `unusable` collects fields sent but not used.
 */
export function rowPerson(row: CsvRow, issues: RowIssues, context: RowContext, unusable: string[] = []): PersonFacts {
  const f = row.fields;
  const cccd = f['patient.cccd'] ?? '';
  const damage = cccd ? cccdDamage(cccd, 'patient.cccd') : undefined;
  if (damage) issues.add(damage.category, 'patient.cccd', damage.message);
  const person: PersonFacts = {
    cccd: { value: cccd, field: cellField(row, 'patient.cccd') },
    cards: f['patient.bhyt'] ? [{ value: f['patient.bhyt'] }] : [],
    cardField: cellField(row, 'patient.bhyt'),
  };
  for (const [type, field] of [['cmnd', 'patient.cmnd'], ['passport', 'patient.passport']] as const) {
    if (f[field]) (person.otherIds ??= []).push({ type, value: f[field], field: cellField(row, field) });
  }
  if (f['patient.mrn']) person.patientNumber = f['patient.mrn'];
  if (f['patient.name']) person.name = f['patient.name'].normalize('NFC');
  if (f['patient.gender']) {
    const gender = parseGender(f['patient.gender']);
    if (gender) person.gender = gender;
    else issues.add('SCHEMA', 'patient.gender', `patient.gender ${quoteValue(f['patient.gender'])} is not male, female, unknown, nam, nữ or 1/2/3`);
  }
  if (f['patient.birthDate']) {
    const birth = parseCsvDate(f['patient.birthDate'], 'patient.birthDate', false, context.datePatterns);
    if (isProblem(birth)) issues.add(birth.category, 'patient.birthDate', birth.message);
    else person.birth = birth;
  }
  const codes = { province: f['patient.provinceCode'], district: f['patient.districtCode'], ward: f['patient.communeCode'] };
  if (f['patient.address'] || codes.province || codes.district || codes.ward) {
    person.address = {
      ...(f['patient.address'] ? { text: f['patient.address'].normalize('NFC') } : {}),
      ...(codes.province ? { province: codes.province } : {}), ...(codes.district ? { district: codes.district } : {}), ...(codes.ward ? { ward: codes.ward } : {}),
    };
  }
  const guardian = rowGuardian(row, unusable);
  if (guardian) person.guardian = guardian;
  return person;
}

/**
 * Fields recognised but not mapped (kept in the payload), then fields sent but not used (a guardian's
 * CCCD that is not 12 digits), reported as unmapped with the unknown columns.
 */
export function unmappedOf(row: CsvRow, notMapped: readonly string[], unusable: readonly string[] = []): string[] {
  return [...notMapped.filter((f) => row.fields[f]), ...unusable, ...row.unknownColumns.map((h) => `column ${h}`)];
}

/**
 * The record key when the row carries no identifier: a hash of the row's identity cells as sent,
 * so a resend of the same file lands on the same records (and a file keeps no ID in the key).
 */
export function hashedKey(prefix: string, row: CsvRow, fields: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of fields) h.update(`${f}=${row.fields[f] ?? ''}\u0000`, 'utf8');
  return `${prefix}-${h.digest('hex').slice(0, 20)}`;
}

/** A SCHEMA issue when a row's cell count differs from the header's (a broken row: an unquoted line break or separator). */
export function checkCellCount(row: CsvRow, issues: RowIssues): void {
  if (row.cellCount !== row.headerCount) {
    issues.list.push({
      category: 'SCHEMA', field: `row ${row.row}`,
      message: `row ${row.row} (line ${row.line}) has ${row.cellCount} cells but the header has ${row.headerCount}: a cell holding the separator or a line break must be quoted`,
    });
  }
}

/** What every row kind starts with: its issues, the cell-count check, its facility, its person and the person's fields not used. */
export function rowStart(row: CsvRow, context: RowContext): { issues: RowIssues; facility: string; person: PersonFacts; unusable: string[] } {
  const issues = new RowIssues(row);
  checkCellCount(row, issues);
  const facility = rowFacility(row, context.fallbackFacility, issues);
  const unusable: string[] = [];
  return { issues, facility, person: rowPerson(row, issues, context, unusable), unusable };
}

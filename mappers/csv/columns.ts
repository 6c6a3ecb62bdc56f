/**
 * The CSV field vocabulary and the default column set of each kind (docs/formats/csv.md). A header cell
 * names a field either by the kind's default column (`patient_cccd`) or by the field itself
 * (`patient.cccd`); both are matched after Unicode NFC, trimming and case folding.
 */

/** What one CSV file holds: one dose per row, or one encounter per row. */
export type CsvKind = 'immunization' | 'encounter';
export const CSV_KINDS: readonly CsvKind[] = ['immunization', 'encounter'];

/** Fields every kind reads: the facility and the person. */
const COMMON_COLUMNS = {
  facility_code: 'facility.code',
  patient_cccd: 'patient.cccd',
  patient_name: 'patient.name',
  patient_birth_date: 'patient.birthDate',
  patient_gender: 'patient.gender',
  patient_bhyt: 'patient.bhyt',
  patient_mrn: 'patient.mrn',
  patient_local_id: 'patient.localId',
  patient_address: 'patient.address',
  guardian_name: 'guardian.name',
  guardian_cccd: 'guardian.cccd',
} as const;

/** Default header → field, per kind. */
export const DEFAULT_COLUMNS: Readonly<Record<CsvKind, Readonly<Record<string, string>>>> = {
  immunization: {
    ...COMMON_COLUMNS,
    immunization_identifier: 'immunization.identifier',
    vaccine_national_code: 'immunization.vaccineCode.national',
    vaccine_cvx: 'immunization.vaccineCode.cvx',
    vaccine_local_code: 'immunization.vaccineCode.local',
    vaccine_name: 'immunization.vaccineName',
    occurrence: 'immunization.occurrence',
    dose_number: 'immunization.doseNumber',
    lot_number: 'immunization.lotNumber',
    expiration_date: 'immunization.expirationDate',
    status: 'immunization.status',
    status_reason: 'immunization.statusReasonText',
    note: 'immunization.note',
  },
  encounter: {
    ...COMMON_COLUMNS,
    encounter_identifier: 'encounter.identifier',
    encounter_class: 'encounter.class',
    encounter_type: 'encounter.type',
    department: 'encounter.department',
    period_start: 'encounter.periodStart',
    period_end: 'encounter.periodEnd',
    diagnosis_main: 'encounter.diagnosisMain',
    diagnosis_other: 'encounter.diagnosisOther',
    diagnosis_text: 'encounter.diagnosisText',
  },
};

/** A header cell as matched: NFC, trimmed, case-folded. */
export function normalizeHeader(cell: string): string {
  return cell.normalize('NFC').trim().toLowerCase();
}

/** The field a header cell names for a kind (a profile's own columns first), or undefined (an unknown column, kept as unmapped). */
export function fieldOfHeader(kind: CsvKind, cell: string, profileColumns: Readonly<Record<string, string>> = {}): string | undefined {
  const h = normalizeHeader(cell);
  if (Object.hasOwn(profileColumns, h)) return profileColumns[h];
  const columns = DEFAULT_COLUMNS[kind];
  if (Object.hasOwn(columns, h)) return columns[h];
  return Object.values(columns).find((field) => field.toLowerCase() === h);
}

/** The header cell the default column set uses for a field (for messages), e.g. `patient_cccd`. */
export function defaultColumnOf(kind: CsvKind, field: string): string | undefined {
  return Object.entries(DEFAULT_COLUMNS[kind]).find(([, f]) => f === field)?.[0];
}

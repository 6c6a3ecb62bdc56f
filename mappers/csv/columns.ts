/**
 * The CSV field vocabulary and the default column set of each kind (docs/formats/csv.md). A header cell
 * names a field by the kind's default column (`patient_cccd`), by a Vietnamese alias of it (`MA_BN`,
 * {@link COLUMN_ALIASES}) or by the field itself (`patient.cccd`); all are matched after Unicode NFC,
 * trimming and case folding.
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
  patient_cmnd: 'patient.cmnd',
  patient_passport: 'patient.passport',
  patient_mrn: 'patient.mrn',
  patient_local_id: 'patient.localId',
  patient_address: 'patient.address',
  patient_province_code: 'patient.provinceCode',
  patient_district_code: 'patient.districtCode',
  patient_commune_code: 'patient.communeCode',
  mother_name: 'mother.name',
  mother_cccd: 'mother.cccd',
  guardian_name: 'guardian.name',
  guardian_cccd: 'guardian.cccd',
  guardian_relationship: 'guardian.relationship',
} as const;

/**
 * Other headers of the person's fields, as Vietnamese HIS and NIIS exports name them (QĐ 130 style
 * upper-case names, matched case-folded): every kind reads them; the default column stays the name
 * messages use. The mother's columns (`*_ME`) are fields of their own, so a file may carry both the
 * mother's and another guardian's.
 */
const COLUMN_ALIASES = {
  so_cmnd: 'patient.cmnd',
  cmnd: 'patient.cmnd',
  so_ho_chieu: 'patient.passport',
  ho_chieu: 'patient.passport',
  passport: 'patient.passport',
  ma_bn: 'patient.mrn',
  ma_benh_nhan: 'patient.mrn',
  patient_number: 'patient.mrn',
  so_cccd_me: 'mother.cccd',
  cccd_me: 'mother.cccd',
  ho_ten_me: 'mother.name',
  ten_me: 'mother.name',
  so_cccd_nguoi_giam_ho: 'guardian.cccd',
  cccd_nguoi_giam_ho: 'guardian.cccd',
  ho_ten_nguoi_giam_ho: 'guardian.name',
  quan_he: 'guardian.relationship',
  // Residence codes as QĐ 130 XML1 names them (GSO codes, QĐ 124/2004 and the 2025 reform).
  matinh_cu_tru: 'patient.provinceCode',
  mahuyen_cu_tru: 'patient.districtCode',
  maxa_cu_tru: 'patient.communeCode',
  ma_xa: 'patient.communeCode',
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
    ...COLUMN_ALIASES,
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
    ...COLUMN_ALIASES,
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

/** The header cell the default column set uses for a field (for messages), e.g. `patient_cccd` (never an alias: defaults come first). */
export function defaultColumnOf(kind: CsvKind, field: string): string | undefined {
  return Object.entries(DEFAULT_COLUMNS[kind]).find(([, f]) => f === field)?.[0];
}

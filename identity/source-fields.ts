import type { VerificationField } from './registry/port.js';

/** Per source, the field each registry-compared detail came from, found from the field the CCCD came from. */
const BY_PREFIX: ReadonlyArray<{ test: (cccdField: string) => boolean; fields: (cccdField: string) => Record<VerificationField, string> }> = [
  // QĐ 130 XML1 (vn-health-data §1.3): HO_TEN, NGAY_SINH, GIOI_TINH, MATINH_CU_TRU.
  { test: (f) => f.startsWith('XML1.'), fields: () => ({ name: 'XML1.HO_TEN', birthDate: 'XML1.NGAY_SINH', gender: 'XML1.GIOI_TINH', address: 'XML1.MATINH_CU_TRU' }) },
  // HL7 v2.5.1 PID-5 name, PID-7 birth, PID-8 sex, PID-11 address.
  { test: (f) => f.startsWith('PID'), fields: () => ({ name: 'PID-5', birthDate: 'PID-7', gender: 'PID-8', address: 'PID-11' }) },
  // CSV: the same row, the person's columns (docs/formats/csv.md).
  {
    test: (f) => f.includes('patient.cccd'),
    fields: (f) => ({ name: f.replace('patient.cccd', 'patient.name'), birthDate: f.replace('patient.cccd', 'patient.birthDate'), gender: f.replace('patient.cccd', 'patient.gender'), address: f.replace('patient.cccd', 'patient.address') }),
  },
  // FHIR Patient (the identifier's path names the entry).
  {
    test: (f) => f.includes('identifier'),
    fields: (f) => { const base = f.replace(/\.identifier.*$/, ''); return { name: `${base}.name`, birthDate: `${base}.birthDate`, gender: `${base}.gender`, address: `${base}.address` }; },
  },
];

/** The source field of a registry-compared detail, named like the record's CCCD field (`XML1.HO_TEN`, `PID-7`, `row 3, column patient.gender`). */
export function sourceFieldOf(cccdField: string, detail: VerificationField): string {
  const rule = BY_PREFIX.find((r) => r.test(cccdField));
  return rule ? rule.fields(cccdField)[detail] : `person.${detail}`;
}

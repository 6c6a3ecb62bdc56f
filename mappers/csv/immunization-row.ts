import type { ImmunizationFacts, RecordFacts } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { hashedKey, rowStart, unmappedOf, type RowContext } from './person-row.js';
import type { CsvRow } from './reader.js';
import { isProblem, parseCsvDate, parseDoseStatus } from './values.js';

/** The national minimum data set of a dose besides the person's ID and the vaccine (docs/formats/csv.md). */
const DOSE_MINIMUM = ['patient.name', 'patient.birthDate', 'patient.gender', 'immunization.occurrence'] as const;
const VACCINE_CODES = ['immunization.vaccineCode.national', 'immunization.vaccineCode.cvx', 'immunization.vaccineCode.local'] as const;
/** Identity cells of a keyless dose: who, which vaccine, when (the dose id recipe's ingredients, as sent). */
const KEY_FIELDS = ['patient.cccd', ...VACCINE_CODES, 'immunization.vaccineName', 'immunization.occurrence'] as const;
/** Recognised, kept in the payload, not mapped to FHIR yet. */
const NOT_MAPPED = ['patient.localId'] as const;

/** One immunization row (one dose, given or not) → facts: person, the dose, and every problem named by row and column. */
export function immunizationRowFacts(row: CsvRow, context: RowContext): RecordFacts {
  const f = row.fields;
  const { issues, facility, person, unusable } = rowStart(row, context);
  issues.requireAll(DOSE_MINIMUM, 'it is part of the national minimum data set of a dose');
  if (!VACCINE_CODES.some((c) => f[c])) {
    issues.add('SCHEMA', 'immunization.vaccineCode.national', 'the row names no vaccine code (immunization.vaccineCode.national, .cvx or .local): a dose needs one');
  }

  const dose: ImmunizationFacts = {
    vaccine: {},
    vaccineField: `row ${row.row}, column immunization.vaccineCode`,
    occurrenceField: `row ${row.row}, column immunization.occurrence`,
    status: 'completed',
  };
  if (f['immunization.identifier']) dose.key = f['immunization.identifier'];
  const national = f['immunization.vaccineCode.national'];
  if (national) dose.vaccine.national = national;
  const cvx = f['immunization.vaccineCode.cvx'];
  if (cvx && /^\d{1,3}$/.test(cvx)) dose.vaccine.cvx = cvx;
  else if (cvx) issues.add('SCHEMA', 'immunization.vaccineCode.cvx', `immunization.vaccineCode.cvx ${quoteValue(cvx)} is not a CVX code (1–3 digits)`);
  const name = f['immunization.vaccineName']?.normalize('NFC');
  if (f['immunization.vaccineCode.local']) dose.vaccine.local = { code: f['immunization.vaccineCode.local'], ...(name ? { display: name } : {}) };
  if (name) dose.vaccine.text = name;

  if (f['immunization.occurrence']) {
    const when = parseCsvDate(f['immunization.occurrence'], 'immunization.occurrence', true, context.datePatterns);
    if (isProblem(when)) issues.add(when.category, 'immunization.occurrence', when.message);
    else dose.occurrence = when;
  }
  if (f['immunization.status']) {
    const status = parseDoseStatus(f['immunization.status']);
    if (!status) {
      issues.add('SCHEMA', 'immunization.status', `immunization.status ${quoteValue(f['immunization.status'])} is not a dose status (2 đã tiêm, 3 chống chỉ định, 4 không đồng ý tiêm, 5 tạm hoãn, completed, not-done)`);
    } else {
      dose.status = status.status;
      const text = f['immunization.statusReasonText']?.normalize('NFC') ?? status.reasonText;
      if (status.status === 'not-done' && (status.reasonCode || text)) {
        dose.statusReason = { ...(status.reasonCode ? { code: status.reasonCode } : {}), ...(text ? { text } : {}) };
      }
    }
  }
  if (f['immunization.doseNumber']) {
    const n = f['immunization.doseNumber'];
    if (/^\d{1,3}$/.test(n) && Number(n) > 0) dose.doseNumber = Number(n);
    else issues.add('SCHEMA', 'immunization.doseNumber', `immunization.doseNumber ${quoteValue(n)} is not a whole number from 1`);
  } else if (dose.status === 'completed') {
    issues.add('SCHEMA', 'immunization.doseNumber', 'immunization.doseNumber is empty: a given dose needs its number (national minimum data set)');
  }
  if (f['immunization.lotNumber']) dose.lotNumber = f['immunization.lotNumber'];
  if (f['immunization.expirationDate']) {
    const exp = parseCsvDate(f['immunization.expirationDate'], 'immunization.expirationDate', false, context.datePatterns);
    if (isProblem(exp)) issues.add(exp.category, 'immunization.expirationDate', exp.message);
    else dose.expirationDate = exp.fhirDate;
  }
  if (f['immunization.note']) dose.note = f['immunization.note'].normalize('NFC');

  return {
    key: dose.key ?? hashedKey('imm', row, KEY_FIELDS),
    facility,
    person,
    conditions: [],
    immunizations: [dose],
    births: [],
    issues: issues.list,
    unmapped: unmappedOf(row, NOT_MAPPED, unusable),
  };
}

import type { ConditionFacts, EncounterFacts, RecordFacts } from '../contract.js';
import { MA_LOAI_KCB_TABLE } from '../shared/code-maps/index.js';
import { hisDateOrderKey } from '../shared/dates.js';
import { parseIcd10 } from '../shared/icd10.js';
import { quoteValue } from '../shared/quote.js';
import { hashedKey, rowStart, unmappedOf, type RowContext } from './person-row.js';
import type { CsvRow } from './reader.js';
import { isProblem, parseCsvDate } from './values.js';

/** v3-ActCode encounter classes a CSV may name (`encounter.class`). */
const CLASSES = new Set(['AMB', 'IMP', 'EMER', 'SS', 'HH', 'VR', 'ACUTE', 'NONAC', 'OBSENC', 'PRENC']);
/** Identity cells of a keyless encounter: who, when, where. */
const KEY_FIELDS = ['patient.cccd', 'encounter.periodStart', 'encounter.class', 'encounter.type', 'encounter.department'] as const;
const NOT_MAPPED = ['patient.localId'] as const;

/** A `;`- or `,`-joined list cell (quoted when it holds the file's separator). */
function listOf(cell: string | undefined): string[] {
  return (cell ?? '').split(/[;,]/).map((s) => s.trim()).filter(Boolean);
}

/** One encounter row → facts: person, the encounter (class, MA_LOAI_KCB type, period, departments) and its ICD-10 diagnoses. */
export function encounterRowFacts(row: CsvRow, context: RowContext): RecordFacts {
  const f = row.fields;
  const { issues, facility, person, unusable } = rowStart(row, context);
  issues.requireAll(['encounter.periodStart'], 'an encounter needs its start');
  const key = f['encounter.identifier'] ?? hashedKey('enc', row, KEY_FIELDS);
  const e: EncounterFacts = { key, facility, reasons: [], emergency: false, departments: listOf(f['encounter.department']) };
  if (f['patient.mrn']) e.patientNumber = f['patient.mrn'];

  for (const [field, slot] of [['encounter.periodStart', 'start'], ['encounter.periodEnd', 'end']] as const) {
    if (!f[field]) continue;
    const d = parseCsvDate(f[field], field, true, context.datePatterns);
    if (isProblem(d)) issues.add(d.category, field, d.message);
    else e[slot] = d;
  }
  if (e.start && e.end && hisDateOrderKey(e.end) < hisDateOrderKey(e.start)) {
    issues.add('DATE_ORDER', 'encounter.periodEnd', `encounter.periodEnd ${e.end.fhirDateTime} is before encounter.periodStart ${e.start.fhirDateTime}`);
  }
  const type = f['encounter.type'];
  if (type) {
    const day = e.start?.fhirDate;
    const kcb = day ? MA_LOAI_KCB_TABLE.lookup(type, day) : MA_LOAI_KCB_TABLE.anyVersion(type);
    e.type = { code: type, ...(kcb ? { display: kcb.display } : {}) };
    if (kcb) e.classCode = kcb.class;
  }
  const cls = f['encounter.class']?.toUpperCase();
  if (cls && CLASSES.has(cls)) e.classCode = cls;
  else if (cls) issues.add('SCHEMA', 'encounter.class', `encounter.class ${quoteValue(f['encounter.class']!)} is not a v3-ActCode encounter class (AMB, IMP, EMER, SS, HH, VR, …)`);
  e.emergency = e.classCode === 'EMER';

  const conditions: ConditionFacts[] = [];
  const codes: Array<[string, string]> = [
    ...(f['encounter.diagnosisMain'] ? [['encounter.diagnosisMain', f['encounter.diagnosisMain']] as [string, string]] : []),
    ...listOf(f['encounter.diagnosisOther']).map((c) => ['encounter.diagnosisOther', c] as [string, string]),
  ];
  for (const [field, raw] of codes) {
    const code = parseIcd10(raw);
    if (!code) {
      issues.add('SCHEMA', field, `${field} ${quoteValue(raw)} is not an ICD-10 code`);
      continue;
    }
    const text = field === 'encounter.diagnosisMain' ? f['encounter.diagnosisText']?.normalize('NFC') : undefined;
    conditions.push({ code, ...(text ? { text } : {}), ...(e.end ? { recorded: e.end } : {}) });
  }
  if (!f['encounter.diagnosisMain'] && f['encounter.diagnosisOther']) {
    issues.add('SCHEMA', 'encounter.diagnosisMain', 'encounter.diagnosisMain is empty but encounter.diagnosisOther is not: the principal diagnosis comes first');
  }

  return { key, facility, person, encounter: e, conditions, immunizations: [], births: [], issues: issues.list, unmapped: unmappedOf(row, NOT_MAPPED, unusable) };
}

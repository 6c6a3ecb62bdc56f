import type { ConditionFacts, EncounterFacts } from '../contract.js';
import { parseIcd10 } from '../shared/icd10.js';
import { quoteValue } from '../shared/quote.js';
import { parseHl7Dtm } from './dtm.js';
import { textAt } from './er7.js';
import { location, segmentsOf, type Hl7Issues, type Hl7Message } from './message.js';

/**
 * PV1-2 patient class (HL7 table 0004) → v3-ActCode class as EncounterFacts allows (AMB, IMP, …):
 * I inpatient → IMP; O outpatient, R recurring → AMB; E emergency → AMB with `emergency` (as the
 * claim-XML path marks "cấp cứu"); P preadmit, B obstetrics, C commercial, N, U → unknown class.
 */
const PATIENT_CLASS: Record<string, { classCode: string; emergency: boolean }> = {
  I: { classCode: 'IMP', emergency: false },
  O: { classCode: 'AMB', emergency: false },
  R: { classCode: 'AMB', emergency: false },
  E: { classCode: 'AMB', emergency: true },
};

/** ICD-10 coding systems of DG1-3.3 (HL7 table 0396: I10, plus names VN HIS send). */
const ICD10_SYSTEMS = new Set(['I10', 'ICD10', 'ICD-10', 'I10C', 'ICD10VN', '']);

/**
 * PV1 → the encounter (HL7 v2.5.1 §3.4.3): key PV1-19 visit number (so an A08 lands on the A01's
 * Encounter), class from PV1-2, emergency from PV1-2 E or PV1-4 admission type E, period
 * PV1-44 admit / PV1-45 discharge. `discharged` (A03) requires PV1-45.
 */
export function pv1Encounter(
  msg: Hl7Message, facility: string, patientNumber: string | undefined, issues: Hl7Issues, unmapped: string[], discharged: boolean,
): EncounterFacts | undefined {
  const pv1 = segmentsOf(msg, 'PV1')[0];
  if (!pv1) {
    issues.add('SCHEMA', 'PV1', 'the PV1 (patient visit) segment is required in ADT messages and missing', '100');
    return undefined;
  }
  const { seps } = msg;
  const key = textAt(pv1, 19, seps);
  if (!key) {
    issues.add('SCHEMA', 'PV1-19', 'PV1-19 (visit number) is required and missing: it keys the Encounter', '101');
    return undefined;
  }
  const patientClass = textAt(pv1, 2, seps)?.toUpperCase();
  const cls = patientClass ? PATIENT_CLASS[patientClass] : undefined;
  const e: EncounterFacts = {
    key, facility, reasons: [], departments: [],
    emergency: !!cls?.emergency || textAt(pv1, 4, seps)?.toUpperCase() === 'E',
  };
  if (patientNumber) e.patientNumber = patientNumber;
  if (cls) e.classCode = cls.classCode;
  const date = (n: 44 | 45) => {
    const raw = textAt(pv1, n, seps);
    const d = parseHl7Dtm(raw);
    if (raw && !d) issues.add('SCHEMA', `PV1-${n}`, `PV1-${n} ${quoteValue(raw)} is not an HL7 DTM`, '102');
    return d;
  };
  const start = date(44);
  const end = date(45);
  if (start) e.start = start;
  if (end) e.end = end;
  if (discharged && !end && !textAt(pv1, 45, seps)) issues.add('SCHEMA', 'PV1-45', 'PV1-45 (discharge date/time) is required in ADT^A03', '101');
  const pv2 = segmentsOf(msg, 'PV2')[0];
  const reason = textAt(pv2, 3, seps, { comp: 2 }) ?? textAt(pv2, 3, seps);
  if (reason) e.reasons.push(reason);
  for (const n of [3, 7, 10, 14, 36, 39]) if (pv1.fields[n]) unmapped.push(`PV1-${n}`);
  return e;
}

/**
 * DG1 → diagnoses (HL7 v2.5.1 §6.5.2): DG1-3 code (ICD-10 when DG1-3.3 is I10 or empty), the
 * text from DG1-3.2 or DG1-4, DG1-5 date; DG1-15 priority 1 is the principal and goes first.
 */
export function dg1Conditions(msg: Hl7Message, issues: Hl7Issues): ConditionFacts[] {
  const { seps } = msg;
  const found: Array<{ condition: ConditionFacts; principal: boolean }> = [];
  segmentsOf(msg, 'DG1').forEach((dg1, i) => {
    const field = location('DG1', i + 1, 3);
    const raw = textAt(dg1, 3, seps);
    if (!raw) {
      issues.add('SCHEMA', field, `${field} (diagnosis code) is required and missing`, '101');
      return;
    }
    const system = (textAt(dg1, 3, seps, { comp: 3 }) ?? '').toUpperCase();
    const code = ICD10_SYSTEMS.has(system) ? parseIcd10(raw) : undefined;
    if (!code) {
      issues.add('SCHEMA', field, `${field} ${quoteValue(raw)}${system ? ` (${quoteValue(system)})` : ''} is not an ICD-10 code`, '102');
      return;
    }
    const text = textAt(dg1, 3, seps, { comp: 2 }) ?? textAt(dg1, 4, seps);
    const recorded = parseHl7Dtm(textAt(dg1, 5, seps));
    found.push({
      condition: { code, ...(text ? { text } : {}), ...(recorded ? { recorded } : {}) },
      principal: textAt(dg1, 15, seps) === '1',
    });
  });
  return [...found.filter((f) => f.principal), ...found.filter((f) => !f.principal)].map((f) => f.condition);
}

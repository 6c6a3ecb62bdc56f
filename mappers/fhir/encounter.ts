import type { Condition, Encounter, Organization } from 'fhir/r4.js';
import type { ConditionFacts, EncounterFacts, IdentifierSystems } from '../contract.js';
import { icd10Extension } from '../shared/icd10.js';
import { resourceIds } from './ids.js';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const VN_ENCOUNTER_TYPE = 'http://fhir.hl7.org.vn/core/CodeSystem/vn-encounter-type-cs';
const CLASS_DISPLAY: Record<string, string> = {
  AMB: 'ambulatory', IMP: 'inpatient encounter', SS: 'short stay', HH: 'home health', VR: 'virtual',
};

/** The facility (MA_CSKCB); a name is added when the source carries one. */
export function buildOrganization(facility: string, systems: IdentifierSystems, name?: string): Organization {
  return {
    resourceType: 'Organization',
    id: resourceIds.organization(systems, facility),
    identifier: [{ system: systems.facility, value: facility }],
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
    ...(name ? { name } : {}),
  };
}

/**
 * One encounter-diagnosis Condition per distinct bare ICD-10 code, principal first. A dagger or
 * asterisk mark (WHO ICD-10 Vol. 2 §3.1.3) is kept in an extension of `code`, the code is bare.
 */
export function buildConditions(conditions: ConditionFacts[], encounterId: string, patientId: string, systems: IdentifierSystems): Condition[] {
  const seen = new Set<string>();
  return conditions.filter((c) => !seen.has(c.code.code) && seen.add(c.code.code)).map((c) => {
    const extension = icd10Extension(systems.extensionBase, c.code);
    const condition: Condition = {
      resourceType: 'Condition',
      id: resourceIds.condition(encounterId, c.code.code),
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
      code: { ...(extension.length ? { extension } : {}), coding: [{ system: ICD10, code: c.code.code }] },
      subject: { reference: `Patient/${patientId}` },
      encounter: { reference: `Encounter/${encounterId}` },
    };
    if (c.text) condition.code!.text = c.text;
    if (c.recorded) condition.recordedDate = c.recorded.fhirDateTime;
    return condition;
  });
}

/** Encounter facts → Encounter (vn-health-data §5.4). */
export function buildEncounter(
  e: EncounterFacts,
  ids: { encounterId: string; patientId: string; organizationId: string },
  conditions: Condition[],
  systems: IdentifierSystems,
): Encounter {
  const cls = e.classCode ?? 'UNK';
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: ids.encounterId,
    identifier: [
      { use: 'official', system: systems.maLk, value: e.key, assigner: { reference: `Organization/${ids.organizationId}`, display: e.facility } },
      ...(e.patientNumber ? [{
        use: 'secondary' as const,
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'MA_BN' },
        system: `${systems.maBnBase}/${e.facility}`,
        value: e.patientNumber,
      }] : []),
    ],
    status: e.end ? 'finished' : 'in-progress',
    class: cls === 'UNK'
      ? { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK', display: 'unknown' }
      : { system: ACT_CODE, code: cls, display: CLASS_DISPLAY[cls] ?? cls },
    subject: { reference: `Patient/${ids.patientId}` },
    serviceProvider: { reference: `Organization/${ids.organizationId}` },
  };
  if (e.type) encounter.type = [{ coding: [{ system: VN_ENCOUNTER_TYPE, code: e.type.code, ...(e.type.display ? { display: e.type.display } : {}) }] }];
  if (e.emergency) {
    encounter.priority = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActPriority', code: 'EM', display: 'emergency' }] };
  }
  if (e.start || e.end) {
    encounter.period = { ...(e.start ? { start: e.start.fhirDateTime } : {}), ...(e.end ? { end: e.end.fhirDateTime } : {}) };
  }
  if (e.lengthDays !== undefined) encounter.length = { value: e.lengthDays, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' };
  if (e.reasons.length) encounter.reasonCode = e.reasons.map((text) => ({ text }));
  if (conditions.length) {
    encounter.diagnosis = conditions.map((c, i) => ({
      condition: { reference: `Condition/${c.id}` },
      use: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/diagnosis-role', code: i === 0 ? 'DD' : 'CM', display: i === 0 ? 'Discharge diagnosis' : 'Comorbidity diagnosis' }] },
      rank: i + 1,
    }));
  }
  if (e.departments.length) {
    encounter.serviceType = { coding: e.departments.map((code) => ({ system: `${systems.extensionBase}/CodeSystem/ma-khoa`, code })) };
  }
  const hosp: NonNullable<Encounter['hospitalization']> = {};
  if (e.origin) hosp.origin = { identifier: { system: systems.facility, value: e.origin } };
  if (e.destination) hosp.destination = { identifier: { system: systems.facility, value: e.destination } };
  if (e.disposition) {
    hosp.dischargeDisposition = {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: e.disposition.code },
        { system: `${systems.extensionBase}/CodeSystem/ma-loai-rv`, code: e.disposition.local.code, ...(e.disposition.local.display ? { display: e.disposition.local.display } : {}) },
      ],
    };
  }
  if (e.inpatientStart) {
    hosp.extension = [{ url: `${systems.extensionBase}/StructureDefinition/ngay-vao-noi-tru`, valueDateTime: e.inpatientStart.fhirDateTime }];
  }
  if (Object.keys(hosp).length) encounter.hospitalization = hosp;
  if (e.result) {
    encounter.extension = [{
      url: `${systems.extensionBase}/StructureDefinition/ket-qua-dieu-tri`,
      valueCoding: { system: `${systems.extensionBase}/CodeSystem/ket-qua-dieu-tri`, code: e.result.code, ...(e.result.display ? { display: e.result.display } : {}) },
    }];
  }
  return encounter;
}

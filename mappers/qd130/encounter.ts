import type { Condition, Encounter, Organization } from 'fhir/r4.js';
import { KET_QUA_DTRI, MA_LOAI_KCB, MA_LOAI_RV } from '../shared/code-maps/index.js';
import { idForIdentifier } from '../shared/ids.js';
import type { MapContext } from '../types.js';
import type { TableRecord } from './tables.js';
import type { Xml1Dates } from './xml1-checks.js';
import { splitMulti } from './xml1-fields.js';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const VN_ENCOUNTER_TYPE = 'http://fhir.hl7.org.vn/core/CodeSystem/vn-encounter-type-cs';
const CLASS_DISPLAY: Record<string, string> = { AMB: 'ambulatory', IMP: 'inpatient encounter', SS: 'short stay' };

/** Deterministic ids: the episode key is (MA_CSKCB, MA_LK), so the same episode always lands on the same resources. */
export function encounterIdFor(ctx: MapContext, facility: string, maLk: string): string {
  return idForIdentifier(ctx.systems.maLk, facility, maLk);
}

/** Deterministic Organization id for a facility code (MA_CSKCB). */
export function organizationIdFor(ctx: MapContext, facility: string): string {
  return idForIdentifier(ctx.systems.facility, facility);
}

/** The facility that treated the patient (MA_CSKCB); the name is not in the XML, so only the code is known. */
export function mapOrganization(facility: string, ctx: MapContext): Organization {
  return {
    resourceType: 'Organization',
    id: organizationIdFor(ctx, facility),
    identifier: [{ system: ctx.systems.facility, value: facility }],
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
  };
}

/** XML1.MA_BENH_CHINH (rank 1) and each `;`-joined XML1.MA_BENH_KT code → encounter-diagnosis Conditions. */
export function mapConditions(r: TableRecord, encounterId: string, patientId: string, dates: Xml1Dates): Condition[] {
  const codes = [r.MA_BENH_CHINH ?? '', ...splitMulti(r.MA_BENH_KT)].filter(Boolean);
  const seen = new Set<string>();
  return codes.filter((c) => !seen.has(c) && seen.add(c)).map((code, i) => {
    const condition: Condition = {
      resourceType: 'Condition',
      id: idForIdentifier(ICD10, encounterId, code),
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
      code: { coding: [{ system: ICD10, code }] },
      subject: { reference: `Patient/${patientId}` },
      encounter: { reference: `Encounter/${encounterId}` },
    };
    // The discharge diagnosis text (CHAN_DOAN_RV) describes the main code.
    if (i === 0 && r.CHAN_DOAN_RV) condition.code!.text = r.CHAN_DOAN_RV;
    if (dates.discharge) condition.recordedDate = dates.discharge.fhirDateTime;
    return condition;
  });
}

/**
 * XML1 (TONG_HOP) → Encounter (vn-health-data §5.4): class from MA_LOAI_KCB, VN encounter type,
 * period NGAY_VAO–NGAY_RA (+07:00), diagnoses, referral origin/destination, discharge disposition.
 */
export function mapEncounter(
  r: TableRecord,
  ids: { encounterId: string; patientId: string; organizationId: string; facility: string },
  conditions: Condition[],
  dates: Xml1Dates,
  ctx: MapContext,
): Encounter {
  const kcb = MA_LOAI_KCB.get(r.MA_LOAI_KCB ?? '');
  const cls = kcb?.class ?? 'UNK';
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: ids.encounterId,
    identifier: [
      { use: 'official', system: ctx.systems.maLk, value: r.MA_LK!, assigner: { reference: `Organization/${ids.organizationId}`, display: ids.facility } },
      ...(r.MA_BN ? [{
        use: 'secondary' as const,
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'MA_BN' },
        system: `${ctx.systems.maBnBase}/${ids.facility}`,
        value: r.MA_BN,
      }] : []),
    ],
    status: dates.discharge ? 'finished' : 'in-progress',
    class: cls === 'UNK'
      ? { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK', display: 'unknown' }
      : { system: ACT_CODE, code: cls, display: CLASS_DISPLAY[cls] ?? cls },
    subject: { reference: `Patient/${ids.patientId}` },
    serviceProvider: { reference: `Organization/${ids.organizationId}` },
  };
  if (kcb) encounter.type = [{ coding: [{ system: VN_ENCOUNTER_TYPE, code: r.MA_LOAI_KCB!, display: kcb.display }] }];
  // MA_DOITUONG_KCB = 2 is "cấp cứu" (emergency) in QĐ 824 Phụ lục 2 and QĐ 4210 MA_LYDO_VVIEN.
  if (r.MA_DOITUONG_KCB === '2') {
    encounter.priority = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActPriority', code: 'EM', display: 'emergency' }] };
  }
  if (dates.admit || dates.discharge) {
    encounter.period = {
      ...(dates.admit ? { start: dates.admit.fhirDateTime } : {}),
      ...(dates.discharge ? { end: dates.discharge.fhirDateTime } : {}),
    };
  }
  if (r.SO_NGAY_DTRI && /^\d+$/.test(r.SO_NGAY_DTRI)) {
    encounter.length = { value: Number(r.SO_NGAY_DTRI), unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' };
  }
  const reasons = [r.LY_DO_VV, r.CHAN_DOAN_VAO].filter((t): t is string => !!t);
  if (reasons.length) encounter.reasonCode = reasons.map((text) => ({ text }));
  if (conditions.length) {
    encounter.diagnosis = conditions.map((c, i) => ({
      condition: { reference: `Condition/${c.id}` },
      use: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/diagnosis-role', code: i === 0 ? 'DD' : 'CM', display: i === 0 ? 'Discharge diagnosis' : 'Comorbidity diagnosis' }] },
      rank: i + 1,
    }));
  }
  const departments = splitMulti(r.MA_KHOA);
  if (departments.length) {
    encounter.serviceType = { coding: departments.map((code) => ({ system: `${ctx.systems.extensionBase}/CodeSystem/ma-khoa`, code })) };
  }
  const hosp: NonNullable<Encounter['hospitalization']> = {};
  if (r.MA_NOI_DI) hosp.origin = { identifier: { system: ctx.systems.facility, value: r.MA_NOI_DI } };
  if (r.MA_NOI_DEN) hosp.destination = { identifier: { system: ctx.systems.facility, value: r.MA_NOI_DEN } };
  const rv = MA_LOAI_RV.get(r.MA_LOAI_RV ?? '');
  if (rv) {
    hosp.dischargeDisposition = {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: rv.code },
        { system: `${ctx.systems.extensionBase}/CodeSystem/ma-loai-rv`, code: r.MA_LOAI_RV!, display: rv.display },
      ],
    };
  }
  if (dates.inpatientAdmit) {
    hosp.extension = [{ url: `${ctx.systems.extensionBase}/StructureDefinition/ngay-vao-noi-tru`, valueDateTime: dates.inpatientAdmit.fhirDateTime }];
  }
  if (Object.keys(hosp).length) encounter.hospitalization = hosp;
  const result = KET_QUA_DTRI.get(r.KET_QUA_DTRI ?? '');
  if (result) {
    encounter.extension = [{
      url: `${ctx.systems.extensionBase}/StructureDefinition/ket-qua-dieu-tri`,
      valueCoding: { system: `${ctx.systems.extensionBase}/CodeSystem/ket-qua-dieu-tri`, code: r.KET_QUA_DTRI!, display: result },
    }];
  }
  return encounter;
}

import type { Extension, Identifier, Patient } from 'fhir/r4.js';
import { idForIdentifier } from '../shared/ids.js';
import { parseHisDate } from '../shared/dates.js';
import type { MapContext } from '../types.js';
import type { TableRecord } from './tables.js';
import type { Xml1Dates } from './xml1-checks.js';
import { splitMulti } from './xml1-fields.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';
const NATIONALITY = 'http://hl7.org/fhir/StructureDefinition/patient-nationality';

/** Deterministic Patient id: one Patient per CCCD, whichever facility sends the episode. */
export function patientIdForCccd(ctx: MapContext, cccd: string): string {
  return idForIdentifier(ctx.systems.cccd, cccd);
}

/** `HO_TEN` is family name first (Vietnamese order): family = first word, given = the rest. */
function humanName(hoTen: string): Patient['name'] {
  const words = hoTen.split(/\s+/).filter(Boolean);
  const [family, ...given] = words;
  return [{ use: 'official', text: words.join(' '), ...(family ? { family } : {}), ...(given.length ? { given } : {}) }];
}

/** One BHYT identifier per `;`-joined card, with the validity period at the same position (XML1.GT_THE_TU/DEN). */
function bhytIdentifiers(r: TableRecord, ctx: MapContext): Identifier[] {
  const from = splitMulti(r.GT_THE_TU);
  const to = splitMulti(r.GT_THE_DEN);
  return splitMulti(r.MA_THE_BHYT).map((card, i) => {
    const start = parseHisDate(from[i])?.fhirDate;
    const end = parseHisDate(to[i])?.fhirDate;
    const id: Identifier = {
      use: 'secondary',
      type: { coding: [{ system: V2_0203, code: 'SB', display: 'Social Beneficiary Identifier' }], text: 'Thẻ BHYT' },
      system: ctx.systems.bhyt,
      value: card,
    };
    if (start || end) id.period = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
    return id;
  });
}

function codeExtension(ctx: MapContext, name: string, code: string | undefined): Extension[] {
  if (!code) return [];
  return [{
    url: `${ctx.systems.extensionBase}/StructureDefinition/${name}`,
    valueCoding: { system: `${ctx.systems.extensionBase}/CodeSystem/${name}`, code },
  }];
}

/**
 * XML1 (TONG_HOP) → Patient keyed by CCCD (vn-health-data §5.4). Demographics are the latest
 * episode's; the facility's own patient number (MA_BN) goes on the Encounter, not here, so that
 * episodes from different facilities do not overwrite each other's numbers.
 */
export function mapPatient(r: TableRecord, cccd: string, dates: Xml1Dates, ctx: MapContext): Patient {
  const patient: Patient = {
    resourceType: 'Patient',
    id: patientIdForCccd(ctx, cccd),
    identifier: [
      {
        use: 'official',
        type: { coding: [{ system: V2_0203, code: 'NI', display: 'National unique individual identifier' }], text: 'CCCD' },
        system: ctx.systems.cccd,
        value: cccd,
      },
      ...bhytIdentifiers(r, ctx),
    ],
    name: humanName(r.HO_TEN ?? ''),
  };
  const gender = ({ '1': 'male', '2': 'female', '3': 'unknown' } as const)[r.GIOI_TINH as '1' | '2' | '3'];
  if (gender) patient.gender = gender;
  if (dates.birth) {
    patient.birthDate = dates.birth.fhirDate;
    // Newborns carry the birth time in NGAY_SINH (QĐ 130 XML1.NGAY_SINH, HHMM ≠ 0000).
    if (dates.birth.minutes !== undefined) {
      patient._birthDate = { extension: [{ url: BIRTH_TIME, valueDateTime: dates.birth.fhirDateTime }] };
    }
  }
  if (r.DIEN_THOAI) patient.telecom = [{ system: 'phone', value: r.DIEN_THOAI, use: 'mobile' }];
  if (r.DIA_CHI || r.MATINH_CU_TRU) {
    patient.address = [{
      use: 'home',
      ...(r.DIA_CHI ? { text: r.DIA_CHI } : {}),
      // GSO codes as sent (QĐ 124/2004); interpret against the episode date (2025 reform, §7.2).
      ...(r.MATINH_CU_TRU ? { state: r.MATINH_CU_TRU } : {}),
      ...(r.MAHUYEN_CU_TRU ? { district: r.MAHUYEN_CU_TRU } : {}),
      ...(r.MAXA_CU_TRU ? { extension: codeExtension(ctx, 'ma-xa-cu-tru', r.MAXA_CU_TRU) } : {}),
      country: 'VN',
    }];
  }
  const extension: Extension[] = [
    ...codeExtension(ctx, 'ma-dan-toc', r.MA_DANTOC),
    ...codeExtension(ctx, 'ma-nghe-nghiep', r.MA_NGHE_NGHIEP),
  ];
  if (r.MA_QUOCTICH) {
    extension.push({
      url: NATIONALITY,
      extension: [{ url: 'code', valueCodeableConcept: { coding: [{ system: `${ctx.systems.extensionBase}/CodeSystem/ma-quoc-tich`, code: r.MA_QUOCTICH }] } }],
    });
  }
  if (extension.length) patient.extension = extension;
  return patient;
}

import type { Coding, Immunization } from 'fhir/r4.js';
import type { IdentifierSystems, ImmunizationFacts } from '../contract.js';
import type { RecordWarning } from '../../records/model.js';
import { NIIS_VACCINE } from '../shared/code-maps/index.js';
import { quoteValue } from '../shared/quote.js';
import { resourceIds } from './ids.js';

export const CVX = 'http://hl7.org/fhir/sid/cvx';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const REASON_DISPLAY: Record<string, string> = { MEDPREC: 'medical precaution', PATOBJ: 'patient objection', IMMUNE: 'immunity', OSTOCK: 'product out of stock' };
/** HL7 VN programme eligibility: national EPI (TCMR), private service, campaign (vn-health-data §6.4). */
const PROGRAMME_DISPLAY: Record<string, string> = { tcmr: 'Tiêm chủng mở rộng (TCMR)', service: 'Tiêm chủng dịch vụ', campaign: 'Chiến dịch tiêm chủng' };

/** Code systems of the national vaccine id and of one site's local codes (under the deployment's base). */
export const vaccineSystems = (systems: IdentifierSystems) => ({
  national: `${systems.extensionBase}/CodeSystem/niis-vaccine`,
  local: (facility: string) => `${systems.extensionBase}/CodeSystem/vaccine-local/${facility}`,
});

/** `vaccineCode.coding`: CVX (as sent, else from the national id), the national id, the site's code. */
export function vaccineCodings(v: ImmunizationFacts['vaccine'], facility: string, systems: IdentifierSystems): Coding[] {
  const sys = vaccineSystems(systems);
  const national = v.national ? NIIS_VACCINE.get(v.national) : undefined;
  const cvx = v.cvx ?? national?.cvx;
  return [
    ...(cvx ? [{ system: CVX, code: cvx }] : []),
    ...(v.national ? [{ system: sys.national, code: v.national, ...(national ? { display: national.display } : {}) }] : []),
    ...(v.local ? [{ system: sys.local(facility), code: v.local.code, ...(v.local.display ? { display: v.local.display } : {}) }] : []),
  ];
}

/**
 * Doses whose vaccine the national table does not know (vn-health-data §6: accepted with the codes as
 * sent and counted as a warning, not dropped): a national id missing from the NIIS table, or only a
 * local code or a name with no CVX and no national id.
 */
export function vaccineWarnings(doses: readonly ImmunizationFacts[]): RecordWarning[] {
  const warnings: RecordWarning[] = [];
  for (const dose of doses) {
    const v = dose.vaccine;
    if (v.cvx || (v.national && NIIS_VACCINE.get(v.national))) continue;
    const message = v.national
      ? `national vaccine id ${quoteValue(v.national)} is not in the NIIS code table: linked with the codes as sent, without CVX`
      : 'the dose names only a local vaccine code or name (no CVX, no national id): linked as sent, without CVX';
    warnings.push({ code: 'UNKNOWN_VACCINE', field: dose.vaccineField, message });
  }
  return warnings;
}

/** The key a dose is stored under: its own key at the facility, else patient + vaccine + date. */
export function immunizationId(f: ImmunizationFacts, facility: string, patientId: string, systems: IdentifierSystems): string {
  if (f.key) return resourceIds.immunization(systems, facility, f.key);
  const vaccine = vaccineCodings(f.vaccine, facility, systems)[0];
  return resourceIds.immunizationOfPatient(patientId, vaccine ? `${vaccine.system}|${vaccine.code}` : (f.vaccine.text ?? ''), f.occurrence?.fhirDate ?? '');
}

/** Dose facts → Immunization (vn-health-data §6.4): patient by CCCD, performer the facility. */
export function buildImmunization(
  f: ImmunizationFacts,
  ids: { id: string; patientId: string; organizationId: string; facility: string },
  systems: IdentifierSystems,
): Immunization {
  const coding = vaccineCodings(f.vaccine, ids.facility, systems);
  const imm: Immunization = {
    resourceType: 'Immunization',
    id: ids.id,
    ...(f.key ? { identifier: [{ system: `${systems.extensionBase}/sid/immunization/${ids.facility}`, value: f.key }] } : {}),
    status: f.status,
    vaccineCode: { ...(coding.length ? { coding } : {}), ...(f.vaccine.text ?? f.vaccine.local?.display ? { text: f.vaccine.text ?? f.vaccine.local?.display } : {}) },
    patient: { reference: `Patient/${ids.patientId}` },
    ...(f.occurrence ? { occurrenceDateTime: f.occurrence.fhirDateTime } : { occurrenceString: 'unknown' }),
    primarySource: true,
    performer: [{ actor: { reference: `Organization/${ids.organizationId}`, display: ids.facility } }],
  };
  if (f.statusReason) {
    const { code, text } = f.statusReason;
    imm.statusReason = { ...(code ? { coding: [{ system: ACT_REASON, code, ...(REASON_DISPLAY[code] ? { display: REASON_DISPLAY[code] } : {}) }] } : {}), ...(text ? { text } : {}) };
  }
  if (f.lotNumber) imm.lotNumber = f.lotNumber;
  if (f.expirationDate) imm.expirationDate = f.expirationDate;
  if (f.site) imm.site = { coding: [{ system: `${systems.extensionBase}/CodeSystem/vaccination-site`, code: f.site.code, ...(f.site.display ? { display: f.site.display } : {}) }] };
  if (f.route) imm.route = { coding: [{ system: `${systems.extensionBase}/CodeSystem/vaccination-route`, code: f.route.code, ...(f.route.display ? { display: f.route.display } : {}) }] };
  if (f.doseNumber !== undefined) {
    const antigen = f.vaccine.national ? NIIS_VACCINE.get(f.vaccine.national)?.antigen : undefined;
    imm.protocolApplied = [{ doseNumberPositiveInt: f.doseNumber, ...(antigen ? { targetDisease: [{ text: antigen }] } : {}) }];
  }
  if (f.programme) {
    imm.programEligibility = [{ coding: [{ system: `${systems.extensionBase}/CodeSystem/vaccination-programme`, code: f.programme, display: PROGRAMME_DISPLAY[f.programme]! }] }];
  }
  if (f.note) imm.note = [{ text: f.note }];
  return imm;
}

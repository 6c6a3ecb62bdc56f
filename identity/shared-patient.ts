import type { Address, Identifier, Patient, Provenance } from 'fhir/r4.js';
import type { PersonIdentifier, PersonRow } from './person-index.repo.js';
import type { RegistryPerson } from './registry/port.js';

/** One source's view of the person: the Patient its newest record described. */
export interface SourceView {
  facility: string;
  format: string;
  observedAt: string;
  view: unknown;
}

/** Everything the shared Patient is computed from. */
export interface PersonSnapshot {
  person: PersonRow;
  identifiers: PersonIdentifier[];
  /** Newest first. */
  sources: SourceView[];
  /** Persons merged into this one (re-keyed infants, corrected CCCDs). */
  mergedFrom: string[];
  /** Identity operations onto this person, for Provenance. */
  events: Array<{ id: string; action: string; from: string; actor: string; reason: string | null; at: string }>;
}

/** Identifier systems of the EHR for the person index's short names. */
export interface SharedSystems {
  cccd: string;
  bhyt: string;
  cmnd: string;
  passport: string;
  temporary: string;
}

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const V3_DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation';

function views(s: PersonSnapshot): Patient[] {
  return s.sources.map((v) => v.view as Patient).filter((p) => p && p.resourceType === 'Patient');
}

/** The newest source value of a field that has one. */
function newest<T>(s: PersonSnapshot, pick: (p: Patient) => T | undefined): T | undefined {
  for (const p of views(s)) {
    const v = pick(p);
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) return v;
  }
  return undefined;
}

function registryName(v: RegistryPerson): Patient['name'] {
  const words = v.name.split(/\s+/).filter(Boolean);
  const [family, ...given] = words;
  return [{ use: 'official', text: words.join(' '), ...(family ? { family } : {}), ...(given.length ? { given } : {}) }];
}

/**
 * The identifiers of the shared Patient: the current CCCD (official), CCCDs held before (old),
 * passports, the temporary number of an infant without a CCCD, CMNDs, and every BHYT card any
 * source sent, each with its validity period (accumulated, never dropped).
 */
function sharedIdentifiers(s: PersonSnapshot, sys: SharedSystems): Identifier[] {
  const out: Identifier[] = [];
  const current = s.identifiers.filter((i) => i.state !== 'previous');
  const hasCccd = current.some((i) => i.system === 'cccd');
  for (const i of s.identifiers) {
    const period = i.periodStart || i.periodEnd ? { period: { ...(i.periodStart ? { start: i.periodStart } : {}), ...(i.periodEnd ? { end: i.periodEnd } : {}) } } : {};
    if (i.system === 'cccd') {
      out.push(i.state === 'previous'
        ? { use: 'old', system: sys.cccd, value: i.value }
        : { use: 'official', type: { coding: [{ system: V2_0203, code: 'NI', display: 'National unique individual identifier' }], text: 'CCCD' }, system: sys.cccd, value: i.value });
    } else if (i.system === 'passport') {
      out.push({ use: hasCccd ? 'secondary' : 'official', type: { coding: [{ system: V2_0203, code: 'PPN', display: 'Passport number' }] }, system: sys.passport, value: i.value });
    } else if (i.system === 'temporary') {
      if (!hasCccd) out.push({ use: 'temp', type: { coding: [{ system: V2_0203, code: 'PI', display: 'Patient internal identifier' }], text: 'Mã tạm thời trẻ sơ sinh' }, system: sys.temporary, value: i.value });
      else out.push({ use: 'old', system: sys.temporary, value: i.value });
    } else if (i.system === 'cmnd') {
      out.push({ use: 'old', system: sys.cmnd, value: i.value });
    } else if (i.system === 'bhyt') {
      out.push({ use: 'secondary', type: { coding: [{ system: V2_0203, code: 'SB', display: 'Social Beneficiary Identifier' }], text: 'Thẻ BHYT' }, system: sys.bhyt, value: i.value, ...period });
    }
  }
  // Official first, then by use, so the portal's first identifier is the CCCD.
  const rank = { official: 0, temp: 1, secondary: 2, usual: 3, old: 4 } as Record<string, number>;
  return out.sort((a, b) => (rank[a.use ?? 'usual'] ?? 3) - (rank[b.use ?? 'usual'] ?? 3));
}

/** Every address any source sent (distinct), newest as `home`, the others kept as `old`. */
function sharedAddresses(s: PersonSnapshot): Address[] | undefined {
  const seen = new Map<string, Address>();
  for (const p of views(s)) {
    for (const a of p.address ?? []) {
      const key = JSON.stringify([a.text, a.state, a.district, a.extension]);
      if (!seen.has(key)) seen.set(key, a);
    }
  }
  const list = [...seen.values()].map((a, i) => ({ ...a, use: i === 0 ? ('home' as const) : ('old' as const) }));
  return list.length ? list : undefined;
}

/**
 * The shared Patient of a person, computed from every source by documented rules
 * (docs/identity.md): registry-verified name, birth date and sex win; otherwise each field is the
 * most recent complete value any source sent; identifiers (BHYT cards with their periods) and
 * addresses accumulate. A person merged into another becomes an inactive Patient `replaced-by` it.
 */
export function sharedPatient(s: PersonSnapshot, sys: SharedSystems): Patient {
  const v = s.person.verified;
  const patient: Patient = { resourceType: 'Patient', id: s.person.id, active: true };
  const identifier = sharedIdentifiers(s, sys);
  if (identifier.length) patient.identifier = identifier;
  const name = v?.name ? registryName(v) : newest(s, (p) => p.name);
  if (name) patient.name = name;
  const telecom = newest(s, (p) => p.telecom);
  if (telecom) patient.telecom = telecom;
  const gender = v?.gender && v.gender !== 'unknown' ? v.gender : newest(s, (p) => p.gender);
  if (gender) patient.gender = gender;
  const birth = v?.birthDate ?? newest(s, (p) => p.birthDate);
  if (birth) patient.birthDate = birth;
  const birthTime = newest(s, (p) => (p.birthDate === birth ? p._birthDate : undefined));
  if (birthTime) patient._birthDate = birthTime;
  const address = sharedAddresses(s);
  if (address) patient.address = address;
  const extension = newest(s, (p) => p.extension);
  if (extension) patient.extension = extension;
  const links: NonNullable<Patient['link']> = [
    ...s.mergedFrom.map((id) => ({ other: { reference: `Patient/${id}` }, type: 'replaces' as const })),
  ];
  if (links.length) patient.link = links;
  return patient;
}

/** The Patient left behind by a merge: inactive, `replaced-by` the person it became (http://hl7.org/fhir/R4/patient.html#links). */
export function replacedPatient(fromId: string, toId: string): Patient {
  return { resourceType: 'Patient', id: fromId, active: false, link: [{ other: { reference: `Patient/${toId}` }, type: 'replaced-by' }] };
}

/** One identity operation as a Provenance on both Patients: who, when, what and why. */
export function identityProvenance(e: PersonSnapshot['events'][number], toId: string): Provenance {
  return {
    resourceType: 'Provenance',
    id: e.id,
    target: [{ reference: `Patient/${toId}` }, { reference: `Patient/${e.from}` }],
    recorded: e.at,
    activity: { coding: [{ system: V3_DATA_OPERATION, code: 'UPDATE', display: 'revise' }], text: `identity ${e.action}: Patient/${e.from} → Patient/${toId}` },
    agent: [{ who: { display: e.actor } }],
    ...(e.reason ? { reason: [{ text: e.reason }] } : {}),
  };
}

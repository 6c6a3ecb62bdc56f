import type { RecordIssue } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { entryPath, obj, objects, quoted, str } from './json.js';
import { BundleIndex, referencesIn, type EntryRef, type Resolved } from './references.js';

/** Bundle types accepted (http://hl7.org/fhir/R4/valueset-bundle-type.html); the answer mirrors them. */
export type BundleType = 'transaction' | 'batch';

/** Resource types read from a Bundle: the clinical ones, the Patient they are about (with the mother or guardian), and the facility. */
export const READ_TYPES = ['Patient', 'Encounter', 'Condition', 'Immunization', 'Organization', 'RelatedPerson'] as const;
/** Entry request methods read (http://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.request.method): both store the resource. */
const METHODS = new Set(['POST', 'PUT']);

/** Where a record's facility is named and what that reference resolved to. */
export interface FacilityRef extends Resolved {
  /** FHIRPath of the reference, e.g. `Bundle.entry[2].resource.serviceProvider`. */
  field: string;
}

/**
 * One record's worth of a Bundle: a clinical entry (Encounter with its Conditions, Immunization)
 * with the Patient and Organization entries it references; a Patient no clinical entry references;
 * or an entry that is refused (an unread type, a method other than POST/PUT, a Condition of no encounter).
 */
export interface FhirBundleItem {
  /** 1-based, in the order of the main entries. */
  seq: number;
  bundleType: BundleType;
  /** `Bundle.entry` length, so the answer has one response entry per request entry. */
  entryCount: number;
  kind: 'Encounter' | 'Immunization' | 'Patient' | 'refused';
  main: EntryRef;
  /** The Patient entry of an Encounter's `subject` or an Immunization's `patient`. */
  patient?: EntryRef;
  /** Conditions of an Encounter: by `Encounter.diagnosis.rank`, then those whose `Condition.encounter` names it, in bundle order. */
  conditions: EntryRef[];
  /** RelatedPerson entries whose `patient` is the item's Patient (its mother or guardian), in bundle order. */
  related: EntryRef[];
  facility?: FacilityRef;
  /** Problems of the item's references, and why a refused entry is refused, each naming `Bundle.entry[i]…`. */
  problems: RecordIssue[];
  /**
   * Entries of this item that an earlier record's payload holds (a Patient or Organization several
   * records share): entry index → that record's `seq`. Each entry is stored with one record only.
   */
  storedWith: Record<number, number>;
}

/** The entries an item was mapped from, each once: its main entry, Patient, Conditions, Organization, RelatedPersons. */
export function entriesOf(item: FhirBundleItem): EntryRef[] {
  const all = [item.main, item.patient, ...item.conditions, item.facility?.entry, ...item.related].filter((e): e is EntryRef => !!e);
  const seen = new Set<number>();
  return all.filter((e) => !seen.has(e.index) && seen.add(e.index));
}

/** Marks, in `seq` order, where each shared entry is stored: with the first record that uses it. */
function assignStorage(items: FhirBundleItem[]): void {
  const owner = new Map<number, number>();
  for (const item of items) {
    for (const e of entriesOf(item)) {
      const seq = owner.get(e.index);
      if (seq === undefined) owner.set(e.index, item.seq);
      else item.storedWith[e.index] = seq;
    }
  }
}

const schema = (field: string, message: string): RecordIssue => ({ category: 'SCHEMA', field, message });

/** Why an entry is not read at all, or undefined when it is. */
function refusalOf(raw: unknown, index: number): RecordIssue | undefined {
  const entry = obj(raw);
  if (!entry) return schema(entryPath(index), `Bundle.entry[${index}] is not an object`);
  const method = obj(entry.request)?.method;
  if (method !== undefined && !(typeof method === 'string' && METHODS.has(method))) {
    return schema(`${entryPath(index)}.request.method`, `request.method ${quoted(method)} is not accepted: the gateway reads POST and PUT entries`);
  }
  const resource = obj(entry.resource);
  if (!resource) return schema(`${entryPath(index)}.resource`, `Bundle.entry[${index}] has no resource`);
  const type = resource.resourceType;
  if (!(READ_TYPES as readonly unknown[]).includes(type)) {
    return schema(entryPath(index, 'resourceType'), `${typeof type === 'string' ? quoteValue(type) : 'an entry without resourceType'} is not read by the gateway (${READ_TYPES.join(', ')}): leave it out of the bundle`);
  }
  return undefined;
}

/** Builds the items of one Bundle, marking the entries each one uses. */
class Grouping {
  readonly used = new Set<number>();
  private readonly index: BundleIndex;
  /** Conditions by the Encounter entry their `Condition.encounter` names; problems of those that name none. */
  private readonly byEncounter = new Map<number, EntryRef[]>();
  private readonly conditionProblems = new Map<number, string>();
  /** RelatedPersons by the Patient entry their `RelatedPerson.patient` names; problems of those that name none. */
  private readonly relatedByPatient = new Map<number, EntryRef[]>();
  private readonly relatedProblems = new Map<number, string>();

  constructor(private readonly live: EntryRef[], private readonly base: Pick<FhirBundleItem, 'bundleType' | 'entryCount'>) {
    this.index = new BundleIndex(live);
    for (const c of live.filter((e) => e.resource.resourceType === 'Condition')) {
      const r = this.index.resolve(c.resource.encounter, 'Encounter');
      const list = r.entry ? this.byEncounter.get(r.entry.index) : undefined;
      if (list) list.push(c);
      else if (r.entry) this.byEncounter.set(r.entry.index, [c]);
      else this.conditionProblems.set(c.index, r.problem ? `Condition.encounter ${r.problem}` : 'Condition.encounter is missing');
    }
    for (const rp of live.filter((e) => e.resource.resourceType === 'RelatedPerson')) {
      const r = this.index.resolve(rp.resource.patient, 'Patient');
      if (r.entry) this.relatedByPatient.set(r.entry.index, [...(this.relatedByPatient.get(r.entry.index) ?? []), rp]);
      else this.relatedProblems.set(rp.index, r.problem ? `RelatedPerson.patient ${r.problem}` : 'RelatedPerson.patient is missing');
    }
  }

  /** The RelatedPersons of a Patient entry (marked used: every item of that Patient reads them). */
  private relatedOf(patient: EntryRef | undefined): EntryRef[] {
    const list = patient ? this.relatedByPatient.get(patient.index) ?? [] : [];
    for (const rp of list) this.used.add(rp.index);
    return list;
  }

  item(kind: FhirBundleItem['kind'], main: EntryRef, more: Partial<FhirBundleItem> = {}): FhirBundleItem {
    this.used.add(main.index);
    return { seq: 0, ...this.base, kind, main, conditions: [], related: [], problems: [], storedWith: {}, ...more };
  }

  /** The Patient an entry's `element` names; a problem when it names none (the Patient must be in the bundle). */
  patientOf(e: EntryRef, element: string, problems: RecordIssue[]): EntryRef | undefined {
    const type = e.resource.resourceType as string;
    const field = entryPath(e.index, element);
    if (e.resource[element] === undefined) {
      problems.push(schema(field, `${type}.${element} is missing: it names the Patient, which must be an entry of the bundle`));
      return undefined;
    }
    const r = this.index.resolve(e.resource[element], 'Patient');
    if (r.entry) {
      this.used.add(r.entry.index);
      return r.entry;
    }
    problems.push(schema(field, `${type}.${element} ${r.problem ?? `identifier ${quoteValue(r.identifier?.value ?? '')} matches no Patient entry of the bundle`}`));
    return undefined;
  }

  /** The facility an entry names (`element` a Reference, or `performer` whose first Organization actor counts). */
  facilityOf(e: EntryRef, element: 'serviceProvider' | 'performer' | 'managingOrganization'): FacilityRef | undefined {
    const refs = element === 'performer' ? referencesIn(e.resource.performer, 'actor').map(({ at, ref }) => ({ ref, field: entryPath(e.index, `performer[${at}].actor`) }))
      : e.resource[element] === undefined ? [] : [{ ref: e.resource[element], field: entryPath(e.index, element) }];
    const all = refs.map(({ ref, field }) => ({ field, ...this.index.resolve(ref, 'Organization') }));
    const found = all.find((r) => r.entry || r.identifier) ?? (element === 'performer' ? undefined : all[0]);
    if (found?.entry) this.used.add(found.entry.index);
    return found;
  }

  encounter(e: EntryRef): FhirBundleItem {
    const problems: RecordIssue[] = [];
    const patient = this.patientOf(e, 'subject', problems);
    const conditions = this.conditionsOf(e);
    for (const c of conditions) {
      const subject = this.index.resolve(c.resource.subject, 'Patient').entry;
      if (subject && patient && subject.index !== patient.index) {
        problems.push(schema(entryPath(c.index, 'subject'), `Condition.subject names another Patient (Bundle.entry[${subject.index}]) than its Encounter's subject (Bundle.entry[${patient.index}])`));
      }
    }
    const facility = this.facilityOf(e, 'serviceProvider');
    return this.item('Encounter', e, { conditions, problems, related: this.relatedOf(patient), ...(patient ? { patient } : {}), ...(facility ? { facility } : {}) });
  }

  /** `Encounter.diagnosis` by rank (then as listed), then Conditions naming the encounter; each Condition once. */
  private conditionsOf(e: EntryRef): EntryRef[] {
    const ranked = objects(e.resource.diagnosis)
      .map(({ at, value }) => ({ at, entry: this.index.resolve(value.condition, 'Condition').entry, rank: typeof value.rank === 'number' ? value.rank : Infinity }))
      .sort((a, b) => a.rank - b.rank || a.at - b.at);
    const out: EntryRef[] = [];
    for (const c of [...ranked.flatMap((d) => (d.entry ? [d.entry] : [])), ...(this.byEncounter.get(e.index) ?? [])]) {
      if (this.used.has(c.index)) continue;
      this.used.add(c.index);
      out.push(c);
    }
    return out;
  }

  immunization(e: EntryRef): FhirBundleItem {
    const problems: RecordIssue[] = [];
    const patient = this.patientOf(e, 'patient', problems);
    const facility = this.facilityOf(e, 'performer');
    return this.item('Immunization', e, { problems, related: this.relatedOf(patient), ...(patient ? { patient } : {}), ...(facility ? { facility } : {}) });
  }

  /** A Patient no clinical entry named: a record of the person alone. */
  person(e: EntryRef): FhirBundleItem {
    const facility = this.facilityOf(e, 'managingOrganization');
    return this.item('Patient', e, { related: this.relatedOf(e), ...(facility ? { facility } : {}) });
  }

  /** A Condition no Encounter took, a RelatedPerson of no Patient entry, or an Organization no entry named as its facility. */
  leftover(e: EntryRef): FhirBundleItem {
    const type = e.resource.resourceType;
    const message = type === 'Condition'
      ? `${this.conditionProblems.get(e.index) ?? 'Condition.encounter names an Encounter that already lists it'}: a Condition is read as a diagnosis of an Encounter entry of the bundle`
      : type === 'RelatedPerson'
        ? `${this.relatedProblems.get(e.index) ?? 'RelatedPerson.patient names no Patient entry'}: a RelatedPerson is read as the mother or guardian of a Patient entry of the bundle`
        : 'an Organization is read only as the facility an Encounter.serviceProvider, Immunization.performer or Patient.managingOrganization of the bundle names';
    const field = type === 'Condition' ? entryPath(e.index, 'encounter') : type === 'RelatedPerson' ? entryPath(e.index, 'patient') : entryPath(e.index);
    return this.item('refused', e, { problems: [schema(field, message)] });
  }

  /** Clinical entries first (they claim their Patients, Conditions and Organizations), then the rest. */
  run(refused: Map<number, RecordIssue>, all: EntryRef[]): FhirBundleItem[] {
    const items: FhirBundleItem[] = [];
    for (const e of this.live) {
      if (e.resource.resourceType === 'Encounter') items.push(this.encounter(e));
      else if (e.resource.resourceType === 'Immunization') items.push(this.immunization(e));
    }
    for (const e of this.live) if (e.resource.resourceType === 'Patient' && !this.used.has(e.index)) items.push(this.person(e));
    for (const e of this.live) if (!this.used.has(e.index)) items.push(this.leftover(e));
    for (const [i, issue] of refused) items.push(this.item('refused', all[i]!, { problems: [issue] }));
    items.sort((a, b) => a.main.index - b.main.index);
    items.forEach((item, i) => { item.seq = i + 1; });
    assignStorage(items);
    return items;
  }
}

/**
 * The items of a Bundle's entries (http://hl7.org/fhir/R4/bundle.html): one per Encounter (with
 * its Conditions) and per Immunization, each with the Patient it names and that Patient's
 * RelatedPersons; one per Patient no clinical entry names; one refused item per entry that is not
 * read, so every entry is answered.
 */
export function itemsOfEntries(entries: readonly unknown[], bundleType: BundleType): FhirBundleItem[] {
  const all: EntryRef[] = [];
  const refused = new Map<number, RecordIssue>();
  entries.forEach((raw, index) => {
    const e = obj(raw);
    const fullUrl = str(e?.fullUrl);
    all.push({ index, ...(fullUrl ? { fullUrl } : {}), resource: obj(e?.resource) ?? {} });
    const why = refusalOf(raw, index);
    if (why) refused.set(index, why);
  });
  const live = all.filter((e) => !refused.has(e.index));
  return new Grouping(live, { bundleType, entryCount: entries.length }).run(refused, all);
}

import { quoteValue } from '../shared/quote.js';
import { arr, obj, objects, str, type JsonObject } from './json.js';

/** One entry of the Bundle as read: its position, fullUrl and resource (an object whose content is not checked yet). */
export interface EntryRef {
  /** 0-based position in `Bundle.entry`, as FHIRPath names it (`Bundle.entry[3]`). */
  index: number;
  fullUrl?: string;
  resource: JsonObject;
}

/** What a Reference names inside the bundle: an entry, or only a logical identifier, or a problem to report. */
export interface Resolved {
  entry?: EntryRef;
  /** A logical reference (`Reference.identifier`) that matched no entry: the facility of an Organization, say. */
  identifier?: { system?: string; value: string };
  problem?: string;
}

/** `Type/id` at the end of a relative or absolute literal reference, `_history` dropped (http://hl7.org/fhir/R4/references.html#literal). */
const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/;
/** A conditional reference `Patient?identifier=system|value` (http://hl7.org/fhir/R4/http.html#trules, bundle.html#references). */
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.*)$/s;
/** Most characters of a sender's reference an issue quotes (a conditional reference with a system URL is long). */
const REF_QUOTE = 100;

/** A search token `[system]|[value]`, `|[value]` (no system) or `[value]` (any system): http://hl7.org/fhir/R4/search.html#token. */
function parseToken(token: string): { system?: string | null; value: string } {
  const bar = token.indexOf('|');
  if (bar < 0) return { value: token };
  return { system: bar === 0 ? null : token.slice(0, bar), value: token.slice(bar + 1) };
}

/**
 * Resolves references between the entries of one Bundle (http://hl7.org/fhir/R4/bundle.html#references):
 * by `fullUrl` (`urn:uuid:…` or absolute), by `Type/id` (relative, or the tail of an absolute URL),
 * by a conditional reference on `identifier`, or by a logical `Reference.identifier`. Only the
 * bundle is searched: the gateway reads nothing else.
 */
export class BundleIndex {
  private readonly byUrl = new Map<string, EntryRef[]>();
  private readonly byTypeId = new Map<string, EntryRef[]>();
  /** Entries by `type`, identifier system (NO_SYSTEM when it has none) and value; and by type and value whatever the system. */
  private readonly byIdentifier = new Map<string, EntryRef[]>();
  private readonly byIdentifierValue = new Map<string, EntryRef[]>();

  constructor(entries: readonly EntryRef[]) {
    for (const e of entries) {
      this.indexIdentifiers(e);
      if (e.fullUrl) push(this.byUrl, e.fullUrl, e);
      const type = str(e.resource.resourceType);
      const id = str(e.resource.id);
      if (type && id) push(this.byTypeId, `${type}/${id}`, e);
      const tail = e.fullUrl && !e.fullUrl.startsWith('urn:') ? TYPE_ID.exec(e.fullUrl) : null;
      if (tail && !(type === tail[1] && id === tail[2])) push(this.byTypeId, `${tail[1]}/${tail[2]}`, e);
    }
  }

  /** Resolve `ref` (a Reference, as sent) to an entry whose resource is a `type`; absent: `{}`. */
  resolve(ref: unknown, type: string): Resolved {
    if (ref === undefined) return {};
    const r = obj(ref);
    if (!r) return { problem: 'is not a Reference (an object with reference or identifier)' };
    const literal = str(r.reference);
    if (literal) return this.literal(literal, type);
    const identifier = obj(r.identifier);
    const value = str(identifier?.value);
    if (identifier && value) {
      const system = str(identifier.system);
      const found = this.withIdentifier(type, system === undefined ? undefined : system, value);
      if (found.length === 1) return { entry: found[0]! };
      if (found.length > 1) return { problem: `identifier ${quoteValue(value)} matches ${found.length} ${type} entries of the bundle` };
      return { identifier: { ...(system ? { system } : {}), value } };
    }
    return { problem: 'names no entry: it has neither reference nor identifier.value' };
  }

  private literal(reference: string, type: string): Resolved {
    if (reference.startsWith('#')) return { problem: `${quoteValue(reference)} names a contained resource, which the gateway does not read` };
    const conditional = CONDITIONAL.exec(reference);
    if (conditional) return this.conditional(reference, conditional[1]!, conditional[2]!, type);
    const tail = TYPE_ID.exec(reference);
    const candidates = this.byUrl.get(reference) ?? (tail ? this.byTypeId.get(`${tail[1]}/${tail[2]}`) : undefined) ?? [];
    return this.one(reference, candidates, type);
  }

  private conditional(reference: string, target: string, query: string, type: string): Resolved {
    const params = query.split('&').map((p) => p.split('='));
    const identifier = params.length === 1 && params[0]![0] === 'identifier' && params[0]!.length === 2 ? decode(params[0]![1]!) : undefined;
    if (identifier === undefined) {
      return { problem: `conditional reference ${quoteValue(reference, REF_QUOTE)} is not read: only ${target}?identifier=system|value is` };
    }
    const token = parseToken(identifier);
    return this.one(reference, target === type ? this.withIdentifier(type, token.system, token.value) : [], type);
  }

  private one(reference: string, candidates: EntryRef[], type: string): Resolved {
    if (candidates.length > 1) return { problem: `${quoteValue(reference, REF_QUOTE)} matches ${candidates.length} entries of the bundle` };
    const entry = candidates[0];
    if (!entry) return { problem: `${quoteValue(reference, REF_QUOTE)} names no entry of the bundle (the gateway reads only the bundle: send the ${type} in it)` };
    const found = str(entry.resource.resourceType) ?? '?';
    if (found !== type) return { problem: `${quoteValue(reference, REF_QUOTE)} names Bundle.entry[${entry.index}] (${found}), not a ${type}` };
    return { entry };
  }

  private indexIdentifiers(e: EntryRef): void {
    const type = str(e.resource.resourceType) ?? '';
    const seen = new Set<string>();
    for (const { value: id } of objects(e.resource.identifier)) {
      if (typeof id.value !== 'string') continue;
      const exact = identifierKey(type, typeof id.system === 'string' ? id.system : id.system === undefined ? null : undefined, id.value);
      const any = identifierKey(type, undefined, id.value);
      if (!seen.has(exact)) push(this.byIdentifier, exact, e);
      if (!seen.has(any)) push(this.byIdentifierValue, any, e);
      seen.add(exact).add(any);
    }
  }

  /** Entries of `type` with an identifier `system|value` (`system` null: one without a system; undefined: any). */
  private withIdentifier(type: string, system: string | null | undefined, value: string): EntryRef[] {
    const map = system === undefined ? this.byIdentifierValue : this.byIdentifier;
    return map.get(identifierKey(type, system, value)) ?? [];
  }
}

/** A map key for (type, system, value); `null` is "no system", `undefined` "any system". */
function identifierKey(type: string, system: string | null | undefined, value: string): string {
  return JSON.stringify([type, system === undefined ? 0 : system, value]);
}

function push(map: Map<string, EntryRef[]>, key: string, e: EntryRef): void {
  const list = map.get(key);
  if (list) list.push(e);
  else map.set(key, [e]);
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The references of a list of `{ <key>: Reference }` elements (Immunization.performer.actor, Encounter.diagnosis.condition). */
export function referencesIn(list: unknown, key: string): Array<{ at: number; ref: unknown }> {
  return arr(list).flatMap((v, at) => {
    const o = obj(v);
    return o && o[key] !== undefined ? [{ at, ref: o[key] }] : [];
  });
}

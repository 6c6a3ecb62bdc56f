import { quoteValue } from '../shared/quote.js';

/**
 * Reading a sender's parsed JSON without trusting its shape: every accessor takes `unknown` and
 * answers the type asked for or nothing, so a Bundle with a number where an array belongs maps to
 * issues instead of throwing.
 */

/**
 * A sender's value quoted for an issue message (mappers/shared/quote.ts bounds it): a string as
 * such, anything else as its JSON (`String()` would throw on an object whose `toString` is data).
 */
export function quoted(v: unknown, max?: number): string {
  return quoteValue(typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined', max);
}

/** A JSON object (never null, never an array). */
export type JsonObject = Record<string, unknown>;

/** `v` when it is a JSON object. */
export function obj(v: unknown): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** `v` when it is an array, else an empty list. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Whitespace other than space, CR, LF and tab (NBSP, form feed, …), which the R4 JSON schema's `string` pattern refuses. */
const OTHER_SPACE = /[^\S \r\n\t]/g;

/**
 * `v` when it is a string with a character other than whitespace (R4 strings are never empty),
 * in Unicode NFC with other whitespace written as a space, so a name pasted with an NBSP still builds.
 */
export function str(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.normalize('NFC').replace(OTHER_SPACE, ' ');
  return s.trim() !== '' ? s : undefined;
}

/** `v` as an R4 `code`: trimmed, inner whitespace one space (http://hl7.org/fhir/R4/datatypes.html#code). */
export function code(v: unknown): string | undefined {
  return str(v)?.trim().replace(/\s+/g, ' ');
}

/** The objects of an array element (non-objects skipped), each with its index for FHIRPath names. */
export function objects(v: unknown): Array<{ at: number; value: JsonObject }> {
  return arr(v).flatMap((value, at) => {
    const o = obj(value);
    return o ? [{ at, value: o }] : [];
  });
}

/** The first Coding of a CodeableConcept whose system is `system` (http://hl7.org/fhir/R4/datatypes.html#CodeableConcept). */
export function codingOf(concept: unknown, system: string): { code: string; display?: string } | undefined {
  for (const { value } of objects(obj(concept)?.coding)) {
    const c = code(value.code);
    if (value.system === system && c) {
      const display = str(value.display);
      return { code: c, ...(display ? { display } : {}) };
    }
  }
  return undefined;
}

/** The FHIRPath of an element of an entry's resource: `Bundle.entry[3].resource.identifier`. */
export function entryPath(index: number, element?: string): string {
  return element ? `Bundle.entry[${index}].resource.${element}` : `Bundle.entry[${index}]`;
}

/**
 * An Identifier (http://hl7.org/fhir/R4/datatypes.html#Identifier) as a record key: its value alone
 * when its system is `own` (the gateway's own system for that kind, so the key is the one a CSV
 * identifier or HL7 v2 field gives the same episode or dose) or absent; else `system|value`, with
 * `\` and `|` in the system escaped as in FHIR token search, so two systems never share a key.
 */
export function identifierRecordKey(identifier: JsonObject, own: string): string | undefined {
  const value = str(identifier.value);
  if (!value) return undefined;
  const system = str(identifier.system);
  return !system || identifier.system === own ? value : `${system.replace(/[\\|]/g, '\\$&')}|${value}`;
}

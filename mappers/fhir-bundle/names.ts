import { objects, str, type JsonObject } from './json.js';

/** One HumanName as a full name, family first (Vietnamese order): `text`, else family + given (http://hl7.org/fhir/R4/datatypes.html#HumanName). */
export function humanNameText(name: JsonObject): string | undefined {
  const given = Array.isArray(name.given) ? name.given : [];
  const text = str(name.text) ?? [name.family, ...given].map(str).filter(Boolean).join(' ');
  const words = text.split(/\s+/).filter(Boolean);
  return words.length ? words.join(' ') : undefined;
}

/** The full name of a resource's `name` list (Patient, RelatedPerson): the `official` one, else the first not `old`/`maiden`, else the first. */
export function fullName(resource: JsonObject): string | undefined {
  const names = objects(resource.name).map((n) => n.value);
  const name = names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'old' && n.use !== 'maiden') ?? names[0];
  return name ? humanNameText(name) : undefined;
}

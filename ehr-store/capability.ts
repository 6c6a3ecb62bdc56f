import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4.js';
import { referenceParams, SEARCH_PARAMS } from './search-params.js';

const SEARCH_DOC =
  'Values of one parameter separated by commas are OR, repeated parameters AND. Tokens: code, system|code, |code, system|. ' +
  'Dates take the prefixes eq, ne, gt, lt, ge, le, sa, eb; values without a time zone are Vietnam time (+07:00). ' +
  'Result parameters: _count (0–1000, 0 = total only), _offset, _sort (the date parameter, _lastUpdated, _id; - for descending), ' +
  '_include / _revinclude (reference parameters below), _summary=count. GET and POST _search. ' +
  'Unknown parameters are refused with 400 unless Prefer: handling=lenient.';

/** Who may point at each type, for searchRevInclude. */
function revIncludesOf(type: string): string[] {
  return Object.keys(SEARCH_PARAMS).flatMap((source) => referenceParams(source)
    .filter((p) => SEARCH_PARAMS[source]![p]!.target === type || ['subject', 'target'].includes(p))
    .map((p) => `${source}:${p}`));
}

function resourceOf(type: string): CapabilityStatementRestResource {
  const params = SEARCH_PARAMS[type]!;
  return {
    type: type as 'Patient',
    versioning: 'versioned',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    interaction: [{ code: 'read' }, { code: 'vread' }, { code: 'search-type' }, { code: 'history-instance' }, { code: 'history-type' }],
    searchInclude: referenceParams(type).map((p) => `${type}:${p}`),
    searchRevInclude: revIncludesOf(type),
    searchParam: Object.entries(params).map(([name, def]) => ({ name, type: def.type, documentation: def.expression })),
    ...(type === 'Patient'
      ? { operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything', documentation: 'Encounters, Conditions, Immunizations, RelatedPersons and the Organizations they name; _count, _offset' }] }
      : {}),
  };
}

/**
 * The CapabilityStatement of the built-in EHR store (GET /fhir/metadata), built from the same
 * parameter table the parser and the indexer use: it lists exactly what works.
 */
export function capabilityStatement(baseUrl: string, date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'vn-fhir-linkage-gateway', version: '0.1.0' },
    implementation: { description: 'Built-in FHIR R4 EHR store of the provincial linkage gateway', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{
      mode: 'server',
      documentation: SEARCH_DOC,
      security: { description: 'API key as Bearer token; roles portal (read) and linker (write). Every read is audited.' },
      resource: Object.keys(SEARCH_PARAMS).map(resourceOf),
      interaction: [{ code: 'transaction', documentation: 'PUT, POST (fullUrl urn:uuid references rewritten; ifNoneExist), DELETE; ifMatch → 412 on a stale version; atomic' }],
    }],
  };
}

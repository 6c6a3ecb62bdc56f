import type { CapabilityStatement } from 'fhir/r4.js';
import { SEARCH_PARAMS } from './search.service.js';

const PARAM_TYPES: Record<string, 'token' | 'reference'> = { identifier: 'token', _id: 'token', patient: 'reference', subject: 'reference', encounter: 'reference' };

/** The CapabilityStatement of the built-in EHR store (GET /fhir/metadata). */
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
      security: { description: 'API key as Bearer token; roles portal (read) and linker (write). Every read is audited.' },
      resource: Object.entries(SEARCH_PARAMS).map(([type, params]) => ({
        type: type as 'Patient',
        versioning: 'versioned' as const,
        interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
        searchParam: params.map((name) => ({ name, type: PARAM_TYPES[name] ?? 'token' })),
      })),
      interaction: [{ code: 'transaction' }],
    }],
  };
}

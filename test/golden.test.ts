import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../profiles/validate.js';
import { mapEnvelope } from './helpers/qd130.js';

const DIR = new URL('./golden/qd130/', import.meta.url);
const cases = readdirSync(DIR).filter((f) => f.endsWith('.xml') && !f.endsWith('.expected.xml'));
const validator = new FhirValidator();

/**
 * Golden files: each envelope in test/golden/qd130 maps to `<case>.expected.json` (key, facility,
 * issues, resources, unmapped fields). Regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
describe('QĐ 130 mapper golden files', () => {
  it('has golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases)('%s maps to its expected FHIR output', (file) => {
    const xml = readFileSync(new URL(file, DIR), 'utf8');
    const actual = mapEnvelope(xml).map((e) => e.mapping);
    const expectedPath = new URL(file.replace(/\.xml$/, '.expected.json'), DIR);
    if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(expectedPath) && !process.env.CI)) {
      writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
    }
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s: every produced resource passes the FHIR R4 schema', (file) => {
    const xml = readFileSync(new URL(file, DIR), 'utf8');
    for (const { mapping } of mapEnvelope(xml)) {
      for (const resource of mapping.resources) expect(validator.validate(resource), `${resource.resourceType}/${resource.id}`).toEqual([]);
    }
  });
});

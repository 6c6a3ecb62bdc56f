import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FORMATS } from '../mappers/registry.js';
import { FhirValidator } from '../profiles/validate.js';
import { mapSource } from './helpers/formats.js';
import { independentIssues } from './helpers/independent-validator.js';

const ROOT = new URL('../', import.meta.url);
const validator = new FhirValidator();

/** Inputs of a golden folder: every file but the expected outputs and the README. */
function casesOf(dir: URL): string[] {
  return readdirSync(dir).filter((f) => !f.endsWith('.expected.json') && !/^README/i.test(f)).sort();
}

/**
 * Golden files for every registered format: each input in the format's golden folder maps to
 * `<case>.expected.json` (key, facility, issues, resources, unmapped fields, births) through the
 * same pure stages as ingest. Regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
describe.each(FORMATS.map((f) => [f.format, f] as const))('%s golden files', (_name, format) => {
  const dir = new URL(`${format.goldenDir}/`, ROOT);
  const cases = casesOf(dir);

  it('has golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(3));

  it.each(cases)('%s maps to its expected FHIR output', (file) => {
    const options = format.goldenCaseOptions?.(file) ?? {};
    const actual = mapSource(format, readFileSync(new URL(file, dir), 'utf8'), { options }).map((r) => r.golden);
    const expectedPath = new URL(file.replace(/\.[a-z0-9]+$/i, '.expected.json'), dir);
    if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(expectedPath) && !process.env.CI)) {
      writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
    }
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s: every produced resource passes the FHIR R4 schema', (file) => {
    for (const { golden } of mapSource(format, readFileSync(new URL(file, dir), 'utf8'), { options: format.goldenCaseOptions?.(file) ?? {} })) {
      for (const resource of golden.resources) expect(validator.validate(resource), `${resource.resourceType}/${resource.id}`).toEqual([]);
    }
  });

  // A second opinion from a validator we did not write (@medplum/core with the base R4 definitions).
  it.each(cases)('%s: every produced resource passes an independent R4 validator (@medplum/core)', (file) => {
    for (const { golden } of mapSource(format, readFileSync(new URL(file, dir), 'utf8'), { options: format.goldenCaseOptions?.(file) ?? {} })) {
      for (const resource of golden.resources) expect(independentIssues(resource), `${resource.resourceType}/${resource.id}`).toEqual([]);
    }
  });
});

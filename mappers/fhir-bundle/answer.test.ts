import { readdirSync, readFileSync } from 'node:fs';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { decideStructurally } from '../../identity/identity.stage.js';
import { finishRecord } from '../../pipeline/process-record.js';
import { FhirValidator } from '../../profiles/validate.js';
import { mapSource, TEST_SYSTEMS } from '../../test/helpers/formats.js';
import { independentIssues } from '../../test/helpers/independent-validator.js';
import { fhirBundleAnswer } from './answer.js';
import { fhirFormat } from './index.js';
import type { FhirEntryReply } from './map-item.js';

const GOLDEN = new URL('../../test/golden/fhir/', import.meta.url);
const ctx = { now: new Date('2026-01-15T01:30:00Z'), idBase: 'T1' };
const golden = (name: string) => readFileSync(new URL(`${name}.json`, GOLDEN), 'utf8');
const validator = new FhirValidator();

/** Map a Bundle as ingest does (no submitting key unless given) and render its answer. */
function answerOf(text: string, callerFacility: string | null = null): { bundle: Bundle; records: ReturnType<typeof mapSource> } {
  const records = mapSource(fhirFormat, text).map((r) => callerFacility
    ? { ...r, record: finishRecord(r.item, decideStructurally(r.item.facts, TEST_SYSTEMS), { validator: { validate: () => [] } as unknown as FhirValidator, systems: TEST_SYSTEMS }, callerFacility) }
    : r);
  const body = fhirBundleAnswer.render(records.map(({ record, item }) => ({ outcome: { key: record.key, status: record.status, issues: record.issues, ...(record.warnings.length ? { warnings: record.warnings } : {}) }, reply: item.reply })), ctx);
  return { bundle: JSON.parse(body) as Bundle, records };
}
const statuses = (b: Bundle) => b.entry!.map((e) => e.response!.status);

describe('FHIR answer: batch-response / transaction-response, one entry per request entry', () => {
  it('a batch with one bad entry: 201 with locations for the good ones (and their Patient), 422 with an OperationOutcome for the bad', () => {
    const { bundle, records } = answerOf(golden('batch-one-bad-entry'));
    expect(bundle).toMatchObject({ resourceType: 'Bundle', id: 'T1', type: 'batch-response', timestamp: '2026-01-15T01:30:00.000Z' });
    expect(statuses(bundle)).toEqual(['201 Created', '201 Created', '422 Unprocessable Entity', '201 Created']);
    const patientId = records[0]!.golden.resources.find((r) => r.resourceType === 'Patient')!.id;
    expect(bundle.entry![0]!.response!.location).toBe(`Patient/${patientId}`);
    expect((bundle.entry![2]!.response!.outcome as OperationOutcome).issue).toEqual([
      {
        severity: 'error', code: 'invalid', details: { coding: [{ system: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/issue-category', code: 'SCHEMA' }] },
        diagnostics: 'Immunization.vaccineCode names no vaccine: send a CVX, national (NIIS) or local coding', expression: ['Bundle.entry[2].resource.vaccineCode'],
      },
      expect.objectContaining({ code: 'invalid', expression: ['Bundle.entry[2].resource.occurrenceString'] }),
    ]);
    expect(bundle.entry![1]!.response!.outcome).toBeUndefined();
  });

  it('a transaction is answered with a transaction-response; Conditions and the Organization share their Encounter\'s status', () => {
    const { bundle } = answerOf(golden('transaction-encounter-conditions'));
    expect(bundle.type).toBe('transaction-response');
    expect(statuses(bundle)).toEqual(Array(5).fill('201 Created'));
    expect(bundle.entry!.map((e) => e.response!.location!.split('/')[0])).toEqual(['Patient', 'Organization', 'Encounter', 'Condition', 'Condition']);
  });

  it('every location of an accepted record names a resource that record built', () => {
    for (const file of readdirSync(GOLDEN).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))) {
      for (const { item, golden: g } of mapSource(fhirFormat, readFileSync(new URL(file, GOLDEN), 'utf8'))) {
        if (g.issues.length) continue;
        const built = new Set(g.resources.map((r) => `${r.resourceType}/${r.id}`));
        for (const { location } of (item.reply as FhirEntryReply).entries) expect(built, `${file} ${location}`).toContain(location);
      }
    }
  });

  it('rejected records answer every entry they cover; a facility mismatch names where the facility came from', () => {
    const { bundle } = answerOf(golden('references-and-refusals'), '46002');
    expect(statuses(bundle).every((s) => s === '422 Unprocessable Entity')).toBe(true);
    const patient = bundle.entry![0]!.response!.outcome as OperationOutcome;
    expect(patient.issue[0]).toMatchObject({ code: 'forbidden', details: { coding: [{ code: 'FACILITY_MISMATCH' }] }, expression: ['Bundle.entry[1].resource.identifier[0].value'] });
    const encounter = bundle.entry![6]!.response!.outcome as OperationOutcome;
    expect(encounter.issue.map((i) => i.details!.coding![0]!.code)).toEqual(['FACILITY_MISMATCH', 'SCHEMA', 'CCCD_FORMAT', 'DATE_ORDER']);
    expect(bundle.entry![5]!.response!.outcome).toEqual(encounter);
  });

  it('an accepted dose with a warning (a vaccine the national table does not know) is 201 with a warning outcome on its own entry', () => {
    const doc = JSON.parse(golden('batch-immunizations'));
    doc.entry[1].resource.vaccineCode = { coding: [{ system: 'urn:his:46001:vaccine', code: 'QVX-5', display: 'Quinvaxem' }] };
    const { bundle } = answerOf(JSON.stringify(doc));
    expect(statuses(bundle)).toEqual(Array(4).fill('201 Created'));
    expect(bundle.entry![0]!.response!.outcome).toBeUndefined();
    expect((bundle.entry![1]!.response!.outcome as OperationOutcome).issue).toEqual([{
      severity: 'warning', code: 'code-invalid', details: { coding: [{ system: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/record-warning', code: 'UNKNOWN_VACCINE' }] },
      diagnostics: expect.stringMatching(/only a local vaccine code/), expression: ['Bundle.entry[1].resource.vaccineCode'],
    }]);
    expect(independentIssues(bundle)).toEqual([]);
  }, 30_000);

  it('answers are valid R4 (the schema gate and an independent validator)', () => {
    for (const name of ['batch-one-bad-entry', 'references-and-refusals', 'transaction-encounter-conditions']) {
      const { bundle } = answerOf(golden(name));
      expect(validator.validate(bundle)).toEqual([]);
      expect(independentIssues(bundle)).toEqual([]);
    }
    const unreadable = JSON.parse(fhirBundleAnswer.renderUnreadable({ message: 'Bundle.type "collection" is not accepted', location: 'Bundle.type' }, ctx));
    expect(unreadable).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Bundle.type "collection" is not accepted', expression: ['Bundle.type'] }] });
    expect(independentIssues(unreadable)).toEqual([]);
  }, 30_000);
});

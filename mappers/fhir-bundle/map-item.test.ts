import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../profiles/validate.js';
import { mapSource, TEST_SYSTEMS } from '../../test/helpers/formats.js';
import { isMappingError } from '../errors.js';
import { fhirFormat } from './index.js';
import { itemsOfEntries } from './items.js';
import { mapBundleItem, type FhirBundlePayload, type FhirEntryReply } from './map-item.js';

const GOLDEN = new URL('../../test/golden/fhir/', import.meta.url);
const inputs = readdirSync(GOLDEN).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json')).map((f) => JSON.parse(readFileSync(new URL(f, GOLDEN), 'utf8')) as unknown);
const validator = new FhirValidator();
const CCCD = 'http://fhir.hl7.org.vn/core/sid/cccd';

/** Every path to a value inside a JSON document. */
function pathsOf(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => pathsOf(x, [...at, i]))];
  if (v && typeof v === 'object') return [at, ...Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, k]))];
  return [at];
}

/** `doc` with the value at `path` replaced (a deep copy). */
function replaced(doc: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

describe('mapBundleItem', () => {
  it('keys, facility fallback and the reply: entries covered and their locations', () => {
    const [item] = itemsOfEntries([
      { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', identifier: [{ system: CCCD, value: ' 046085001234 ' }], name: [{ text: 'A B' }] } },
      { resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '08' }] }, patient: { reference: 'urn:uuid:p' }, occurrenceDateTime: '2026-01-01' } },
    ], 'batch');
    const mapped = mapBundleItem(item!, { systems: TEST_SYSTEMS, envelopeFacility: '46001' });
    expect(mapped.facts).toMatchObject({ facility: '46001', issues: [], key: expect.stringMatching(/^imm-[0-9a-f]{20}$/) });
    const reply: FhirEntryReply = mapped.reply;
    expect(reply).toMatchObject({ bundleType: 'batch', entryCount: 2, codeSystems: { category: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/issue-category', warning: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/record-warning' } });
    expect(reply.facilityField).toBeUndefined();
    expect(reply.entries.map((e) => [e.index, e.location?.split('/')[0]])).toEqual([[1, 'Immunization'], [0, 'Patient']]);
    expect(mapped.payload).toMatchObject({ bundleType: 'batch', entries: [{ index: 1 }, { index: 0, fullUrl: 'urn:uuid:p' }] });
    // The same dose in another Bundle (other fullUrls) has the same key: a resend updates it.
    const [again] = itemsOfEntries([{ fullUrl: 'urn:uuid:x', resource: (item!.patient!.resource) }, { resource: { ...item!.main.resource, patient: { reference: 'urn:uuid:x' } } }], 'batch');
    expect(mapBundleItem(again!, { systems: TEST_SYSTEMS, envelopeFacility: '46001' }).facts.key).toBe(mapped.facts.key);
    // Without a key's facility and without an Organization, the facility cannot be told.
    expect(mapBundleItem(item!, { systems: TEST_SYSTEMS, envelopeFacility: '' }).facts.issues[0]!.message).toMatch(/facility cannot be told/);
  });

  it('stores an entry several records share once: the others name it by index and the seq of the record holding it', () => {
    const div = `<div xmlns="http://www.w3.org/1999/xhtml">${'Nguyễn Văn An '.repeat(4_000)}</div>`;
    const bundleOf = (doses: number) => JSON.stringify({
      resourceType: 'Bundle', type: 'batch', entry: [
        { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', text: { status: 'generated', div }, identifier: [{ system: CCCD, value: '046085001234' }], name: [{ text: 'Nguyễn Văn An' }] } },
        { fullUrl: 'urn:uuid:o', resource: { resourceType: 'Organization', identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb', value: '46001' }] } },
        ...Array.from({ length: doses }, (_, i) => ({
          resource: {
            resourceType: 'Immunization', identifier: [{ value: `IMM-${i}` }], status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '08' }] },
            patient: { reference: 'urn:uuid:p' }, occurrenceDateTime: '2026-01-01', performer: [{ actor: { reference: 'urn:uuid:o' } }],
          },
        })),
      ],
    });
    const payloads = (doses: number) => mapSource(fhirFormat, bundleOf(doses)).map(({ item }) => item.payload as FhirBundlePayload);
    const [first, second, third] = payloads(3);
    expect(first!.entries.map((e) => [e.index, 'resource' in e ? 'stored' : e.storedWith])).toEqual([[2, 'stored'], [0, 'stored'], [1, 'stored']]);
    expect(second!.entries).toEqual([{ index: 3, resource: expect.objectContaining({ resourceType: 'Immunization' }) }, { index: 0, storedWith: 1 }, { index: 1, storedWith: 1 }]);
    expect(third!.entries.slice(1)).toEqual([{ index: 0, storedWith: 1 }, { index: 1, storedWith: 1 }]);
    // The Patient (60 KB of narrative) is stored once: 200 more doses add 200 small entries, not 200 Patients.
    const size = (doses: number) => payloads(doses).reduce((n, p) => n + JSON.stringify(p).length, 0);
    const one = size(1);
    expect(one).toBeGreaterThan(div.length);
    expect(size(201) - one).toBeLessThan(200 * 1_000);
  });

  it('a record key is cut to its first 200 code points (an emoji is never split)', () => {
    const key = `${'a'.repeat(199)}😀${'b'.repeat(50)}`;
    const [one] = mapSource(fhirFormat, JSON.stringify({
      resourceType: 'Bundle', type: 'batch', entry: [
        { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', identifier: [{ system: CCCD, value: '046085001234' }] } },
        { resource: { resourceType: 'Immunization', identifier: [{ value: key }], status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '08' }] }, patient: { reference: 'urn:uuid:p' }, occurrenceDateTime: '2026-01-01' } },
      ],
    }));
    expect(one!.item.facts.key).toBe(key);
    expect(one!.record.key).toBe(`${'a'.repeat(199)}😀`);
  });

  it('any value anywhere in a golden Bundle maps to records or a MappingError, never a crash, never an invalid resource', () => {
    const arb = fc.integer({ min: 0, max: inputs.length - 1 }).chain((i) => {
      const paths = pathsOf(inputs[i]);
      return fc.tuple(fc.constant(i), fc.integer({ min: 0, max: paths.length - 1 }).map((p) => paths[p]!), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, '', ' ', ' x ', 'a\u00a0b', 0, -1, 1.5, 1e308, [], {}, 'urn:uuid:p', 'Patient/pt-1001')));
    });
    fc.assert(fc.property(arb, ([i, path, value]) => {
      let records;
      try {
        records = mapSource(fhirFormat, JSON.stringify(replaced(inputs[i], path, value)), { validator });
      } catch (err) {
        if (isMappingError(err)) return;
        throw err;
      }
      for (const { record } of records) {
        expect(record.issues.length > 0 !== (record.resources !== null), JSON.stringify(record.issues)).toBe(true);
        const produced = record.issues.filter((x) => x.message.startsWith('produced '));
        expect(produced, JSON.stringify(value)).toEqual([]);
      }
    }), { numRuns: Math.round(400 * Number(process.env.FUZZ_SCALE ?? 1)) });
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import type { ReaderLimits } from '../contract.js';
import { feedInPieces, mappingRefusal as refusal } from '../../test/helpers/readers.js';
import { fhirFormat } from './index.js';
import type { FhirBundleItem } from './items.js';
import { FhirBundleReader, jsonDepthProblem } from './reader.js';

const LIMITS: ReaderLimits = { maxItems: 1000, maxFieldChars: 1_000_000 };
const patient = (id: string, cccd = '046085001234') => ({
  fullUrl: `urn:uuid:${id}`, resource: { resourceType: 'Patient', identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: cccd }], name: [{ text: 'Nguyễn Văn An' }] },
});
const bundle = (entry: unknown[], type = 'batch') => JSON.stringify({ resourceType: 'Bundle', type, entry });

function read(text: string, pieces: number[] = [], limits = LIMITS): { items: FhirBundleItem[]; reader: FhirBundleReader } {
  const items: FhirBundleItem[] = [];
  const reader = new FhirBundleReader((i) => items.push(i), limits);
  feedInPieces(reader, text, pieces);
  return { items, reader };
}

describe('FhirBundleReader', () => {
  it('reads the Bundle whole at the end, in any pieces, with a BOM', () => {
    const text = `\uFEFF${bundle([patient('a'), { resource: { resourceType: 'Immunization', patient: { reference: 'urn:uuid:a' } } }])}`;
    const whole = read(text);
    const split = read(text, [1, 7, 30, 31]);
    expect(split.items).toEqual(whole.items);
    expect(whole.items.map((i) => [i.seq, i.kind, i.main.index, i.patient?.index])).toEqual([[1, 'Immunization', 1, 0]]);
    expect(whole.reader.header).toMatchObject({ bundleType: 'batch', entryCount: 2 });
    expect(whole.reader.header.facility).toBeUndefined();
  });

  it.each([
    ['{"resourceType":"Patient"}', 'Bundle.resourceType', 'structure', /resource of type "Patient"/],
    ['[1,2]', 'Bundle.resourceType', 'structure', /not a JSON object/],
    ['{"resourceType":"Bundle","type":"collection","entry":[]}', 'Bundle.type', 'invalid', /"collection" is not accepted/],
    ['{"resourceType":"Bundle","type":"batch","entry":{}}', 'Bundle.entry', 'structure', /not an array/],
    ['{"resourceType":"Bundle",', 'Bundle', 'structure', /not JSON/],
    ['', 'Bundle', 'structure', /not JSON/],
  ])('refuses %s naming %s', (text, location, code, message) => {
    const err = refusal(() => read(text));
    expect([err.location, err.code]).toEqual([location, code]);
    expect(err.message).toMatch(message);
  });

  it('refuses a Bundle longer than maxFieldChars with 413 (too-costly) as it arrives', () => {
    const reader = new FhirBundleReader(() => undefined, { maxItems: 10, maxFieldChars: 100 });
    reader.write('x'.repeat(60));
    const err = refusal(() => reader.write('x'.repeat(60)));
    expect([err.location, err.code]).toEqual(['Bundle', 'too-costly']);
    expect(err.message).toMatch(/MAX_FIELD_MB/);
  });

  it('bounds nesting before JSON.parse and the records per Bundle', () => {
    const deep = `{"resourceType":"Bundle","type":"batch","x":${'['.repeat(150)}${']'.repeat(150)}}`;
    expect(refusal(() => read(deep)).message).toMatch(/deeper than 100/);
    expect(jsonDepthProblem('{"a":"[[[[[[[[[[[["}', 2)).toBeUndefined();
    expect(jsonDepthProblem('[[["\\"[["]]]', 2)).toMatch(/deeper than 2/);
    const many = bundle([patient('a'), patient('b', '046085001235'), patient('c', '046085001236')]);
    const err = refusal(() => read(many, [], { maxItems: 2, maxFieldChars: 1_000_000 }));
    expect([err.location, err.code]).toEqual(['Bundle.entry[2]', 'too-costly']);
  });

  it('refuses strings the records store cannot keep (U+0000, a lone surrogate), and keeps escaped pairs and backslashes', () => {
    for (const bad of ['"a\\u0000b"', '"\\ud800"', '"x\\udc00"']) {
      expect(refusal(() => read(`{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Patient","id":${bad}}}]}`)).message).toMatch(/U\+0000 or an unpaired surrogate/);
    }
    expect(refusal(() => read('{"resourceType":"Bundle","type":"batch","entry":[{"\\u0000":1}]}')).location).toBe('Bundle');
    const ok = read(bundle([{ resource: { resourceType: 'Patient', name: [{ text: 'Ph\u1ea1m 😀 \\u0000' }] } }]));
    expect(ok.items[0]!.main.resource.name).toEqual([{ text: 'Phạm 😀 \\u0000' }]);
  });

  it('refuses a string longer than maxTextChars (default 65536) with 413 naming its element, even a huge one', () => {
    const roomy = { maxItems: 10, maxFieldChars: 100_000_000 };
    const id = refusal(() => read(JSON.stringify({ resourceType: 'Bundle', id: 'x'.repeat(30_000_000), type: 'batch', entry: [patient('a')] }), [], roomy));
    expect([id.location, id.code, id.message]).toEqual(['Bundle.id', 'too-costly', 'Bundle.id is longer than 65536 characters (MAX_TEXT_NODE_KB): send shorter texts']);
    const name = refusal(() => read(bundle([patient('a'), { resource: { resourceType: 'Patient', name: [{ text: 'Ạ'.repeat(10_000_000) }] } }]), [], roomy));
    expect([name.location, name.code]).toEqual(['Bundle.entry[1].resource.name[0].text', 'too-costly']);
    const withText = (div: string) => bundle([{ resource: { resourceType: 'Patient', text: { status: 'generated', div } } }]);
    const limits = { ...LIMITS, maxTextChars: 100 };
    expect(read(withText('y'.repeat(100)), [], limits).items).toHaveLength(1);
    expect(refusal(() => read(withText('y'.repeat(101)), [], limits)).location).toBe('Bundle.entry[0].resource.text.div');
    // Measured as decoded: 100 escaped characters are 600 characters of JSON text.
    expect(read(withText('y').replace('"y"', `"${'\\u00e9'.repeat(100)}"`), [], limits).items).toHaveLength(1);
    const key = refusal(() => read(bundle([{ resource: { resourceType: 'Patient', ['k'.repeat(101)]: 1 } }]), [], limits));
    expect([key.location, key.code, key.message]).toEqual(['Bundle.entry[0].resource', 'too-costly', expect.stringMatching(/^a key of Bundle\.entry\[0\]\.resource is longer than 100 characters/)]);
  });

  it('keeps Bundle.id and Bundle.identifier for the submission cut by code point, never inside a surrogate pair', () => {
    const id = `${'a'.repeat(63)}😀${'b'.repeat(10)}`;
    const { reader } = read(JSON.stringify({ resourceType: 'Bundle', id, identifier: { value: '😀'.repeat(300) }, type: 'batch', entry: [patient('a')] }));
    expect(reader.header.bundleId).toBe(`${'a'.repeat(63)}😀`);
    expect(reader.header.bundleIdentifier).toBe('😀'.repeat(200));
  });

  it('a Bundle with no entry is refused once the body has ended (checkEnd)', () => {
    expect(read(bundle([])).items).toEqual([]);
    const err = refusal(() => fhirFormat.checkEnd!({}, 0));
    expect(err.location).toBe('Bundle.entry');
  });
});

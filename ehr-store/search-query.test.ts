import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/outcome.js';
import { indexFields } from './index-fields.js';
import { parseSearch, type SearchFilter } from './search-query.js';
import { SEARCH_PARAMS } from './search-params.js';

function refusal(type: string, query: Record<string, unknown>): GatewayError {
  try {
    parseSearch(type, query);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error(`parseSearch accepted ${type}?${JSON.stringify(query)}`);
}
const filters = (type: string, query: Record<string, unknown>) => parseSearch(type, query).filters;

describe('parseSearch: parameters to filters', () => {
  it('defaults to the first 50 matches with no filter', () => {
    expect(parseSearch('Patient', {})).toMatchObject({ filters: [], count: 50, offset: 0, sort: [], include: [], revinclude: [], summaryCount: false, targeted: false });
  });

  it.each([
    ['http://fhir.hl7.org.vn/core/sid/cccd|001203012345', ['identifier=http://fhir.hl7.org.vn/core/sid/cccd|001203012345'], true],
    ['001203012345', ['identifier:code=001203012345'], true],
    ['|001203012345', ['identifier=|001203012345'], true],
    ['http://fhir.hl7.org.vn/core/sid/cccd|', ['identifier:system=http://fhir.hl7.org.vn/core/sid/cccd'], false],
    ['a,http://s|b', ['identifier:code=a', 'identifier=http://s|b'], true],
    ['a\\,b', ['identifier:code=a,b'], true],
  ])('identifier=%s → any of %j (targeted: %s)', (value, anyOf, targeted) => {
    const plan = parseSearch('Patient', { identifier: value });
    expect(plan.filters).toEqual([{ kind: 'tokens', anyOf }]);
    expect(plan.targeted).toBe(targeted);
  });

  it.each([
    ['Encounter', 'patient', 'p1', 'patient=Patient/p1'],
    ['Encounter', 'patient', 'http://ehr/fhir/Patient/p1', 'patient=Patient/p1'],
    ['Encounter', 'subject', 'Group/g1', 'subject=Group/g1'],
    ['Condition', 'encounter', 'Encounter/e1', 'encounter=Encounter/e1'],
    ['Encounter', 'service-provider', 'o1', 'service-provider=Organization/o1'],
  ])('%s: %s=%s becomes %s', (type, name, value, token) => {
    expect(filters(type, { [name]: value })).toEqual([{ kind: 'tokens', anyOf: [token] }]);
  });

  it('reads date prefixes as ranges in Vietnam time, repeated dates as AND', () => {
    expect(filters('Encounter', { date: ['ge2025-03-01', 'lt2025-04'] })).toEqual([
      { kind: 'date', column: 'date', prefix: 'ge', lo: new Date('2025-02-28T17:00:00Z'), hi: new Date('2025-03-01T17:00:00Z') },
      { kind: 'date', column: 'date', prefix: 'lt', lo: new Date('2025-03-31T17:00:00Z'), hi: new Date('2025-04-30T17:00:00Z') },
    ]);
    expect(filters('Patient', { _lastUpdated: 'gt2025-03-01T10:00:00Z' })[0]).toMatchObject({ column: 'updated', prefix: 'gt', lo: new Date('2025-03-01T10:00:00Z') });
  });

  it('folds names and escapes LIKE wildcards; :contains searches inside', () => {
    expect(filters('Patient', { name: 'Nguyễn V' })).toEqual([{ kind: 'name', patterns: ['nguyen v%'] }]);
    expect(filters('Patient', { 'name:contains': '50%_x' })).toEqual([{ kind: 'name', patterns: ['%50\\%\\_x%'] }]);
  });

  it('reads _sort, _include, _revinclude, _summary and keeps what it honoured for the self link', () => {
    const plan = parseSearch('Encounter', { patient: 'p1', _sort: '-date,_id', _include: 'Encounter:service-provider', _revinclude: 'Condition:encounter', _count: '5' });
    expect(plan.sort).toEqual([{ key: 'date', desc: true }, { key: 'id', desc: false }]);
    expect(plan.include).toEqual([{ type: 'Encounter', param: 'service-provider' }]);
    expect(plan.revinclude).toEqual([{ type: 'Condition', param: 'encounter' }]);
    expect(plan.used).toEqual([['patient', 'p1'], ['_sort', '-date,_id'], ['_include', 'Encounter:service-provider'], ['_revinclude', 'Condition:encounter'], ['_count', '5']]);
    expect(parseSearch('Patient', { _summary: 'count' }).summaryCount).toBe(true);
  });

  it('ignores unknown parameters and modifiers only when lenient', () => {
    expect(parseSearch('Patient', { colour: 'red', 'gender:not': 'male', gender: 'female' }, true).used).toEqual([['gender', 'female']]);
    expect(refusal('Patient', { colour: 'red' }).message).toBe(`unknown search parameter "colour" for Patient; supported: ${Object.keys(SEARCH_PARAMS.Patient!).join(', ')}`);
    expect(refusal('Patient', { 'gender:not': 'male' }).message).toBe('modifier :not is not supported on gender');
  });
});

describe('parseSearch: refusals', () => {
  it.each(['Observation', 'constructor', '__proto__'])('refuses search on %s', (type) => {
    expect(refusal(type, {})).toMatchObject({ status: 400, message: `search on ${type} is not supported` });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['Encounter', { date: '2025-13-01' }, 'date'], ['Encounter', { date: 'ap2025' }, 'date'], ['Patient', { identifier: '|' }, 'identifier'],
    ['Patient', { identifier: '' }, 'identifier'], ['Patient', { identifier: 'x'.repeat(513) }, 'identifier'], ['Patient', { identifier: 'a\u0000' }, 'identifier'],
    ['Patient', { _id: 'a b' }, '_id'], ['Patient', { _sort: 'name' }, '_sort'], ['Patient', { _include: 'Patient:organization:Nope' }, '_include'],
    ['Patient', { _include: 'Condition:encounter' }, '_include'], ['Patient', { _revinclude: 'Encounter:service-provider' }, '_revinclude'],
    ['Patient', { _summary: 'true' }, '_summary'], ['Patient', { _count: '1001' }, '_count'], ['Patient', { identifier: Array(11).fill('a') }, 'identifier'],
    ['Patient', { name: ' , ' }, 'name'],
  ])('%s: refuses %j naming %s', (type, query, name) => {
    expect(refusal(type, query).expression).toEqual([name]);
  });
});

describe('parseSearch against indexFields (what a filter finds)', () => {
  const patient = { resourceType: 'Patient' as const, id: 'p1', identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: '001203012345' }, { value: 'BN-7' }] };
  const stored = new Set(indexFields(patient).tokens);
  const matches = (query: Record<string, unknown>) => parseSearch('Patient', query).filters.every((f: SearchFilter) => f.kind === 'tokens' && f.anyOf.some((t) => stored.has(t)));

  it('finds by system|value, value, |value, system| and a comma OR; not by another system', () => {
    expect(matches({ identifier: 'http://fhir.hl7.org.vn/core/sid/cccd|001203012345' })).toBe(true);
    expect(matches({ identifier: '001203012345' })).toBe(true);
    expect(matches({ identifier: '|BN-7' })).toBe(true);
    expect(matches({ identifier: 'http://fhir.hl7.org.vn/core/sid/cccd|' })).toBe(true);
    expect(matches({ identifier: 'nope,BN-7' })).toBe(true);
    expect(matches({ identifier: '|001203012345' })).toBe(false);
    expect(matches({ identifier: 'http://other|001203012345' })).toBe(false);
  });
});

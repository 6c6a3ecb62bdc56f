import type { BundleEntry } from 'fhir/r4.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/outcome.js';
import { FhirValidator } from '../profiles/validate.js';
import { checkTransaction, FHIR_ID, MAX_TRANSACTION_ENTRIES } from './transaction.service.js';

let validator: FhirValidator;
beforeAll(() => {
  validator = new FhirValidator().warm(['Patient', 'Condition']);
});

const transaction = (...entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
const put = (url: string, resource: unknown): BundleEntry => ({ request: { method: 'PUT', url }, resource } as BundleEntry);
const patient = (id: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', id, ...extra });
const condition = (id: string) => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' } });

/** Run the check and return the GatewayError it throws (fails the test when it does not throw). */
function refusal(body: unknown): GatewayError {
  try {
    checkTransaction(body, validator);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('checkTransaction accepted the bundle');
}

/** The store writes of an accepted transaction (without its conditions). */
const writesOf = (body: unknown) => checkTransaction(body, validator).map((w) => w.write);

describe('checkTransaction: accepted writes', () => {
  it('turns PUT entries into PUT writes with the type and id from the url', () => {
    const p = patient('p1', { gender: 'female' });
    const c = condition('c-1.a');
    expect(writesOf(transaction(put('Patient/p1', p), put('/Condition/c-1.a', c)))).toEqual([
      { method: 'PUT', type: 'Patient', id: 'p1', resource: p },
      { method: 'PUT', type: 'Condition', id: 'c-1.a', resource: c },
    ]);
  });

  it('gives a POSTed resource a fresh FHIR id and stores it as a PUT', () => {
    const body = transaction(
      { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', id: 'ignored' } },
      { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
    );
    const writes = writesOf(body);
    expect(writes).toHaveLength(2);
    const [a, b] = writes as [Extract<typeof writes[number], { method: 'PUT' }>, Extract<typeof writes[number], { method: 'PUT' }>];
    expect(a).toMatchObject({ method: 'PUT', type: 'Patient' });
    expect(a.id).not.toBe('ignored');
    expect(a.id).toMatch(FHIR_ID);
    expect(a.resource).toEqual({ resourceType: 'Patient', id: a.id });
    expect(b.id).not.toBe(a.id);
  });

  it('does not modify the POSTed resource in the request body', () => {
    const resource = { resourceType: 'Patient' };
    checkTransaction(transaction({ request: { method: 'POST', url: 'Patient' }, resource }), validator);
    expect(resource).toEqual({ resourceType: 'Patient' });
  });

  it('turns DELETE entries into DELETE writes without needing a resource', () => {
    expect(writesOf(transaction({ request: { method: 'DELETE', url: 'Condition/c1' } }))).toEqual([
      { method: 'DELETE', type: 'Condition', id: 'c1' },
    ]);
  });

  it('accepts a transaction without entries', () => {
    expect(writesOf({ resourceType: 'Bundle', type: 'transaction' })).toEqual([]);
  });

  it('accepts paired surrogates (characters outside the BMP)', () => {
    const p = patient('p1', { name: [{ text: 'Nguyễn 😀' }] });
    expect(checkTransaction(transaction(put('Patient/p1', p)), validator)).toHaveLength(1);
  });
});

describe('checkTransaction: the envelope', () => {
  it.each([
    [undefined, 'body must be a FHIR Bundle', ['Bundle']],
    [null, 'body must be a FHIR Bundle', ['Bundle']],
    [{ resourceType: 'Patient' }, 'body must be a FHIR Bundle', ['Bundle']],
    [{ resourceType: 'Bundle', type: 'batch' }, 'Bundle.type must be "transaction" (got "batch")', ['Bundle.type']],
    [{ resourceType: 'Bundle' }, 'Bundle.type must be "transaction" (got "undefined")', ['Bundle.type']],
  ])('refuses %j with 400', (body, message, expression) => {
    const err = refusal(body);
    expect(err).toMatchObject({ status: 400, code: 'invalid', message, expression });
  });

  it(`refuses more than ${MAX_TRANSACTION_ENTRIES} entries with 413 before looking at them`, () => {
    const entry = Array.from({ length: MAX_TRANSACTION_ENTRIES + 1 }, () => ({}));
    const err = refusal({ resourceType: 'Bundle', type: 'transaction', entry });
    expect(err).toMatchObject({ status: 413, code: 'too-costly', message: `a transaction may hold at most ${MAX_TRANSACTION_ENTRIES} entries` });
  });

  it(`accepts exactly ${MAX_TRANSACTION_ENTRIES} entries`, () => {
    const entry = Array.from({ length: MAX_TRANSACTION_ENTRIES }, (_, i) => ({ request: { method: 'DELETE', url: `Condition/c${i}` } }));
    expect(checkTransaction({ resourceType: 'Bundle', type: 'transaction', entry }, validator)).toHaveLength(MAX_TRANSACTION_ENTRIES);
  });
});

describe('checkTransaction: entry problems', () => {
  it.each([
    [{ request: { method: 'GET', url: 'Patient/p1' } }, 'request.method must be PUT, POST or DELETE (got "GET")', 'Bundle.entry[0].request.method'],
    [{ resource: patient('p1') }, 'request.method must be PUT, POST or DELETE (got "undefined")', 'Bundle.entry[0].request.method'],
    [null, 'request.method must be PUT, POST or DELETE (got "undefined")', 'Bundle.entry[0].request.method'],
    [put('Patient', patient('p1')), 'PUT url must be Type/id, got "Patient"', 'Bundle.entry[0].request.url'],
    [put('Patient/p1/_history/2', patient('p1')), 'PUT url must be Type/id, got "Patient/p1/_history/2"', 'Bundle.entry[0].request.url'],
    [put('http://ehr/fhir/Patient/p1', patient('p1')), 'PUT url must be Type/id, got "http://ehr/fhir/Patient/p1"', 'Bundle.entry[0].request.url'],
    [put('Patient?identifier=x', patient('p1')), 'PUT url must be Type/id, got "Patient?identifier=x"', 'Bundle.entry[0].request.url'],
    [put(`Patient/${'a'.repeat(65)}`, patient('p1')), `PUT url must be Type/id, got "Patient/${'a'.repeat(65)}"`, 'Bundle.entry[0].request.url'],
    [{ request: { method: 'DELETE', url: 'patient/p1' } }, 'DELETE url must be Type/id, got "patient/p1"', 'Bundle.entry[0].request.url'],
    [{ request: { method: 'DELETE' } }, 'DELETE url must be Type/id, got ""', 'Bundle.entry[0].request.url'],
    [{ request: { method: 'POST', url: 'Patient/p1' }, resource: patient('p1') }, 'POST url must be a resource type, got "Patient/p1"', 'Bundle.entry[0].request.url'],
    [put('Patient/p1', { resourceType: 'Condition', id: 'p1' }), 'resource.resourceType must be Patient', 'Bundle.entry[0].resource.resourceType'],
    [put('Patient/p1', undefined), 'resource.resourceType must be Patient', 'Bundle.entry[0].resource.resourceType'],
    [{ request: { method: 'POST', url: 'Patient' } }, 'resource.resourceType must be Patient', 'Bundle.entry[0].resource.resourceType'],
    [put('Patient/p1', patient('p2')), 'resource.id must equal the id in the url (p1)', 'Bundle.entry[0].resource.id'],
    [put('Patient/p1', { resourceType: 'Patient' }), 'resource.id must equal the id in the url (p1)', 'Bundle.entry[0].resource.id'],
  ])('refuses %j', (entry, message, expression) => {
    expect(refusal(transaction(entry))).toMatchObject({ status: 400, code: 'invalid', message, expression: [expression] });
  });

  it.each([
    ['a NUL character', 'a\u0000b'],
    ['a lone high surrogate', 'x\ud800'],
    ['a lone low surrogate', '\udfffy'],
  ])('refuses a resource containing %s (PostgreSQL jsonb refuses it)', (_label, text) => {
    const err = refusal(transaction(put('Patient/p1', patient('p1', { name: [{ text }] }))));
    expect(err).toMatchObject({
      status: 400,
      message: 'resource contains a NUL character or an unpaired surrogate',
      expression: ['Bundle.entry[0].resource'],
    });
  });

  // Was a bug: the check grepped JSON.stringify output, so the *text* backslash-u-0000 matched too.
  it('accepts the literal text "\\u0000" (a backslash, not a NUL)', () => {
    const p = patient('p1', { name: [{ text: 'C:\\u0000' }] });
    expect(checkTransaction(transaction(put('Patient/p1', p)), validator)).toHaveLength(1);
  });

  it('refuses the same resource twice, whatever the methods', () => {
    const err = refusal(transaction(put('Patient/p1', patient('p1')), { request: { method: 'DELETE', url: 'Patient/p1' } }));
    expect(err).toMatchObject({ message: 'Patient/p1 appears twice in one transaction', expression: ['Bundle.entry[1].request.url'] });
  });

  it('treats the same id under different types as different resources', () => {
    const writes = writesOf(transaction(put('Patient/x1', patient('x1')), { request: { method: 'DELETE', url: 'Condition/x1' } }));
    expect(writes.map((w) => `${w.method} ${w.type}/${w.id}`)).toEqual(['PUT Patient/x1', 'DELETE Condition/x1']);
  });
});

describe('checkTransaction: schema validation', () => {
  it('reports each schema violation with the resource path and a FHIR expression', () => {
    const err = refusal(transaction(put('Patient/p1', patient('p1', { gender: 'x' }))));
    expect(err.status).toBe(400);
    expect(err.message).toBe('Patient/gender: must be equal to one of the allowed values');
    expect(err.expression).toEqual(['Bundle.entry[0].resource.gender']);
  });

  it('validates POSTed resources too, with their assigned id', () => {
    const err = refusal(transaction({ request: { method: 'POST', url: 'Condition' }, resource: { resourceType: 'Condition' } }));
    expect(err.message).toBe("Condition/: must have required property 'subject'");
  });

  it('reports a type the schema does not know', () => {
    const err = refusal(transaction(put('Foo/f1', { resourceType: 'Foo', id: 'f1' })));
    expect(err).toMatchObject({ message: 'Foo/resourceType: unknown resourceType Foo', expression: ['Bundle.entry[0].resource.resourceType'] });
  });

  // Was a bug: ajv's instancePath `/name/0/family` became `resource.name.0.family`.
  it('writes array indexes of nested schema violations as FHIRPath indexes', () => {
    const err = refusal(transaction(put('Patient/p1', patient('p1', { name: [{ family: 5 }] }))));
    expect(err.expression).toEqual(['Bundle.entry[0].resource.name[0].family']);
  });

  // Was a bug: a violation at the resource root gave the expression `Bundle.entry[0].resource.`.
  it('writes a root-level schema violation as the resource itself, without a trailing dot', () => {
    const err = refusal(transaction(put('Patient/p1', patient('p1', { foo: 1 }))));
    expect(err.expression).toEqual(['Bundle.entry[0].resource']);
  });
});

describe('checkTransaction: all problems at once', () => {
  it('reports every bad entry in one error, in entry order, and writes nothing', () => {
    const err = refusal(
      transaction(
        put('Patient/p1', patient('p1')),
        { request: { method: 'PATCH', url: 'Patient/p1' } },
        put('Patient/p2', patient('p3')),
        put('Patient/p1', patient('p1')),
        put('Patient/p4', patient('p4', { gender: 'x', name: 'Lan' })),
      ),
    );
    expect(err.status).toBe(400);
    expect(err.message.split('; ')).toEqual([
      'request.method must be PUT, POST or DELETE (got "PATCH")',
      'resource.id must equal the id in the url (p2)',
      'Patient/p1 appears twice in one transaction',
      'Patient/name: must be array',
      'Patient/gender: must be equal to one of the allowed values',
    ]);
    expect(err.expression).toEqual([
      'Bundle.entry[1].request.method',
      'Bundle.entry[2].resource.id',
      'Bundle.entry[3].request.url',
      'Bundle.entry[4].resource.name',
      'Bundle.entry[4].resource.gender',
    ]);
  });

  it('caps the report at 50 problems', () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ request: { method: 'GET', url: `Patient/p${i}` } }));
    const err = refusal(transaction(...entries));
    expect(err.expression).toHaveLength(50);
    expect(err.expression?.at(-1)).toBe('Bundle.entry[49].request.method');
    expect(err.message.split('; ')).toHaveLength(50);
  });
});

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { FhirValidator } from '../../profiles/validate.js';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startTestGateway, uniqueFacility, waitFor } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
type Caller = 'facility' | 'otherFacility' | 'portal' | 'admin' | 'auditor' | 'linker' | 'none' | 'badKey' | 'revoked' | 'bulkPortal';
const CALLERS: Caller[] = ['facility', 'otherFacility', 'portal', 'admin', 'auditor', 'linker', 'none', 'badKey', 'revoked', 'bulkPortal'];

describe('access control: every route × role', () => {
  let gw: Gateway;
  let facility: string;
  const keys: Partial<Record<Caller, string>> = {};
  let submissionId: string;
  let patientId: string;
  let cccd: string;
  const seed = Math.floor(Math.random() * 1e9);

  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_ATTEMPTS_PER_MINUTE: '1000' }); // the matrix sends many keyless and bad-key calls on purpose
    facility = uniqueFacility();
    keys.facility = await gw.key('facility', facility);
    keys.otherFacility = await gw.key('facility', facility === '46999' ? '46998' : '46999');
    for (const role of ['portal', 'admin', 'auditor', 'linker'] as const) keys[role] = await gw.key(role);
    keys.badKey = 'fgw_aaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    keys.revoked = await gw.key('admin');
    keys.bulkPortal = (await createApiKey(gw.pool, { role: 'portal', label: 'test bulk portal', scopes: ['bulk-read'] })).key;
    await gw.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [keys.revoked.split('_')[1]]);
    const xml1 = makeXml1(facility, `LK-ACL-${seed}`, seed);
    cccd = xml1.SO_CCCD!;
    const res = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${keys.facility}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, [[['XML1', xml1Document(xml1)]]]));
    submissionId = res.body.submissionId;
    patientId = await waitFor(async () => {
      const r = await request(gw.url).get('/fhir/Patient').query({ identifier: `http://fhir.hl7.org.vn/core/sid/cccd|${cccd}` }).set('Authorization', `Bearer ${keys.portal}`);
      return r.body.entry?.[0]?.resource.id as string | undefined;
    });
  });
  afterAll(async () => gw?.stop());

  const send = (caller: Caller, method: 'get' | 'post', path: string, body?: unknown, type = 'application/json') => {
    let req = request(gw.url)[method](path);
    if (keys[caller]) req = req.set('Authorization', `Bearer ${keys[caller]}`);
    if (body !== undefined) req = req.set('Content-Type', type).send(typeof body === 'string' ? body : JSON.stringify(body));
    return req;
  };

  const ingestBody = () => envelope(facility, [[['XML1', xml1Document(makeXml1(facility, `LK-ACL2-${seed}`, seed + 1))]]]);
  const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PUT', url: 'Organization/acl-test' }, resource: { resourceType: 'Organization', id: 'acl-test', name: 'ACL test' } }] };

  // Expected status per caller: facility, otherFacility, portal, admin, auditor, linker, none, badKey, revoked, bulkPortal.
  const table: Array<[string, () => ReturnType<typeof send> extends infer R ? (c: Caller) => R : never, number[]]> = [
    ['POST /ingest/qd130', () => (c) => send(c, 'post', '/ingest/qd130', ingestBody(), 'application/xml'), [202, 403, 403, 202, 403, 403, 401, 401, 401, 403]],
    ['GET /api/submissions/{id}', () => (c) => send(c, 'get', `/api/submissions/${submissionId}`), [200, 403, 403, 200, 403, 403, 401, 401, 401, 403]],
    ['GET /api/stats/facilities', () => (c) => send(c, 'get', '/api/stats/facilities'), [403, 403, 403, 200, 403, 403, 401, 401, 401, 403]],
    ['POST /api/records/rerun', () => (c) => send(c, 'post', '/api/records/rerun', { facility }), [403, 403, 403, 202, 403, 403, 401, 401, 401, 403]],
    ['GET /api/audit', () => (c) => send(c, 'get', '/api/audit'), [403, 403, 403, 403, 200, 403, 401, 401, 401, 403]],
    ['GET /api/audit/usage', () => (c) => send(c, 'get', '/api/audit/usage'), [403, 403, 403, 403, 200, 403, 401, 401, 401, 403]],
    ['GET /fhir/Patient/{id}', () => (c) => send(c, 'get', `/fhir/Patient/${patientId}`), [403, 403, 200, 403, 403, 403, 401, 401, 401, 200]],
    ['GET /fhir/Patient?identifier', () => (c) => send(c, 'get', `/fhir/Patient?identifier=${cccd}`), [403, 403, 200, 403, 403, 403, 401, 401, 401, 200]],
    ['GET /fhir/Encounter?patient', () => (c) => send(c, 'get', `/fhir/Encounter?patient=${patientId}`), [403, 403, 200, 403, 403, 403, 401, 401, 401, 200]],
    ['GET /fhir/Patient (names no patient: bulk read)', () => (c) => send(c, 'get', '/fhir/Patient?_count=5'), [403, 403, 403, 403, 403, 403, 401, 401, 401, 200]],
    ['GET /fhir/Encounter (names no patient: bulk read)', () => (c) => send(c, 'get', '/fhir/Encounter'), [403, 403, 403, 403, 403, 403, 401, 401, 401, 200]],
    ['GET /fhir/Organization (no personal data)', () => (c) => send(c, 'get', '/fhir/Organization'), [403, 403, 200, 403, 403, 403, 401, 401, 401, 200]],
    ['POST /fhir (transaction)', () => (c) => send(c, 'post', '/fhir', bundle, 'application/fhir+json'), [403, 403, 403, 403, 403, 200, 401, 401, 401, 403]],
    ['GET /fhir/metadata (public)', () => (c) => send(c, 'get', '/fhir/metadata'), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
    ['GET /health (public)', () => (c) => send(c, 'get', '/health'), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ];

  it.each(table)('%s', async (_name, make, expected) => {
    const call = make();
    const actual: number[] = [];
    for (const caller of CALLERS) {
      const res = await call(caller);
      actual.push(res.status);
      if (res.status >= 400) {
        expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
        expect(res.body.resourceType).toBe('OperationOutcome');
      }
    }
    expect(Object.fromEntries(CALLERS.map((c, i) => [c, actual[i]]))).toEqual(Object.fromEntries(CALLERS.map((c, i) => [c, expected[i]])));
  });

  it('a facility submitting another facility\'s episodes is refused and counted', async () => {
    const other = facility === '46777' ? '46778' : '46777';
    const res = await send('facility', 'post', '/ingest/qd130', envelope(facility, [[['XML1', xml1Document(makeXml1(other, `LK-ACL3-${seed}`, seed + 2))]]]), 'application/xml');
    expect(res.status).toBe(202);
    expect(res.body.records[0]).toMatchObject({ status: 'rejected', issues: [{ category: 'FACILITY_MISMATCH' }] });
    const denied = await send('facility', 'post', '/ingest/qd130', envelope(other, [[['XML1', xml1Document(makeXml1(other, `LK-ACL4-${seed}`, seed + 3))]]]), 'application/xml');
    expect(denied.status).toBe(403);
    const denials = await waitFor(async () => {
      const r = await send('auditor', 'get', `/api/audit?keyId=${keys.facility!.split('_')[1]}&action=denied`);
      return r.body.events?.length ? r.body.events : undefined;
    }, 5000, 'refused submission in audit log');
    expect(denials.some((e: { path: string; status: number }) => e.path === '/ingest/qd130' && e.status === 403)).toBe(true);
  });

  it('audits patient reads with who, what, which patient, from where and outcome; exports FHIR AuditEvent', async () => {
    await send('portal', 'get', `/fhir/Patient/${patientId}`).expect(200);
    const portalKeyId = keys.portal!.split('_')[1];
    const events = await waitFor(async () => {
      const r = await send('auditor', 'get', `/api/audit?patient=Patient/${patientId}&keyId=${portalKeyId}&action=read`);
      return r.body.events?.length ? r.body.events : undefined;
    }, 5000, 'audit entry');
    expect(events[0]).toMatchObject({ keyId: portalKeyId, role: 'portal', action: 'read', method: 'GET', path: `/fhir/Patient/${patientId}`, resource: `Patient/${patientId}`, patient: `Patient/${patientId}`, status: 200, outcome: '0' });
    expect(events[0].sourceIp).toMatch(/127\.0\.0\.1/);

    const fhir = await send('auditor', 'get', `/api/audit?patient=Patient/${patientId}&_format=fhir`).expect(200);
    expect(fhir.body.resourceType).toBe('Bundle');
    const validator = new FhirValidator();
    for (const e of fhir.body.entry) expect(validator.validate(e.resource)).toEqual([]);

    const usage = await send('auditor', 'get', '/api/audit/usage').expect(200);
    const portal = usage.body.accounts.find((a: { keyId: string }) => a.keyId === portalKeyId);
    expect(portal.patientDataReads).toBeGreaterThanOrEqual(1);

    await send('badKey', 'get', '/fhir/Patient').expect(401);
    const failed = await waitFor(async () => {
      const r = await send('auditor', 'get', '/api/audit?action=login-failed');
      return r.body.events?.length ? r.body.events : undefined;
    }, 5000, 'failed login entry');
    expect(failed[0].keyId).toBeNull();
  });

  it('the audit log is append-only', async () => {
    await expect(gw.pool.query('UPDATE audit_events SET status = 200')).rejects.toThrow(/append-only/);
    await expect(gw.pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });

  it('no personal data in audit rows: ids only, never CCCD numbers', async () => {
    const { rows } = await gw.pool.query('SELECT count(*)::int AS n FROM audit_events WHERE path LIKE $1 OR resource LIKE $1 OR patient LIKE $1', [`%${cccd}%`]);
    expect(rows[0].n).toBe(0);
  });
});

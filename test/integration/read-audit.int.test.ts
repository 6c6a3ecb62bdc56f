import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startTestGateway, uniqueFacility, waitFor } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';

/** Every read of personal data is audited with what it returned, and bulk reads need a scope. */
describe('reads the audit log sees', () => {
  let gw: Gateway;
  let portal: string;
  let auditor: string;
  const people: Array<{ cccd: string; patient: string }> = [];
  const seed = Math.floor(Math.random() * 1e9);

  const auditRows = async (keyId: string) => (await gw.pool.query('SELECT * FROM audit_events WHERE key_id = $1 ORDER BY id', [keyId])).rows;
  const keyIdOf = (key: string) => key.split('_')[1]!;

  beforeAll(async () => {
    gw = await startTestGateway({ BULK_READ_PATIENTS_PER_HOUR: '2' });
    const facility = uniqueFacility();
    const facilityKey = await gw.key('facility', facility);
    portal = await gw.key('portal');
    auditor = await gw.key('auditor');
    const hosos = [0, 1, 2].map((i) => makeXml1(facility, `LK-RA-${seed}-${i}`, seed + i));
    const res = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, hosos.map((x) => [['XML1', xml1Document(x)]])));
    expect(res.status).toBe(202);
    const bulkKey = (await createApiKey(gw.pool, { role: 'portal', label: 'bulk setup', scopes: ['bulk-read'] })).key;
    for (const x of hosos) {
      const patient = await waitFor(async () => {
        const r = await request(gw.url).get('/fhir/Patient').query({ identifier: `${CCCD_SYSTEM}|${x.SO_CCCD}` }).set('Authorization', `Bearer ${bulkKey}`);
        return r.body.entry?.[0]?.resource.id as string | undefined;
      });
      people.push({ cccd: x.SO_CCCD!, patient: `Patient/${patient}` });
    }
  });
  afterAll(async () => gw?.stop());

  it('a search by CCCD records the parameter as a keyed hash, the resources and patient it returned, and the stated purpose', async () => {
    const { cccd, patient } = people[0]!;
    const res = await request(gw.url).get('/fhir/Patient').query({ identifier: `${CCCD_SYSTEM}|${cccd}` })
      .set('Authorization', `Bearer ${portal}`).set('X-Purpose-Of-Use', 'TREAT');
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const row = (await auditRows(keyIdOf(portal))).at(-1)!;
    expect(row).toMatchObject({ action: 'search', patient, patients: [patient], returned: [patient], purpose: 'TREAT', bulk: false });
    expect(row.query.identifier).toMatch(new RegExp(`^${CCCD_SYSTEM.replace(/[./]/g, '\\$&')}\\|h:[0-9a-f]{16}$`));
    expect(JSON.stringify(row)).not.toContain(cccd);
  });

  it('HEAD is audited as a read; /FHIR in capitals is not served and so cannot escape read/search', async () => {
    const { patient } = people[0]!;
    expect((await request(gw.url).head(`/fhir/${patient}`).set('Authorization', `Bearer ${portal}`)).status).toBe(200);
    const upper = await request(gw.url).get(`/FHIR/${patient}`).set('Authorization', `Bearer ${portal}`);
    expect(upper.status).toBe(404);
    expect(JSON.stringify(upper.body)).not.toContain('"resourceType":"Patient"');
    await new Promise((r) => setTimeout(r, 200));
    const rows = await auditRows(keyIdOf(portal));
    expect(rows.find((r) => r.method === 'HEAD')).toMatchObject({ action: 'read', patient });
  });

  it('a search that names no patient needs the bulk-read scope; with it the read is flagged in the usage report', async () => {
    const denied = await request(gw.url).get('/fhir/Patient?_count=1000').set('Authorization', `Bearer ${portal}`);
    expect(denied.status).toBe(403);
    expect(denied.body.issue[0].diagnostics).toMatch(/bulk read.*bulk-read/);
    expect(denied.body.entry).toBeUndefined();
    const bySystemOnly = await request(gw.url).get('/fhir/Patient').query({ identifier: `${CCCD_SYSTEM}|` }).set('Authorization', `Bearer ${portal}`);
    expect(bySystemOnly.status).toBe(403);
    const bulk = (await createApiKey(gw.pool, { role: 'portal', label: 'reporting', scopes: ['bulk-read'] })).key;
    const page = await request(gw.url).get('/fhir/Patient?_count=1000').set('Authorization', `Bearer ${bulk}`);
    expect(page.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const row = (await auditRows(keyIdOf(bulk))).at(-1)!;
    expect(row.bulk).toBe(true);
    expect(row.returned.length).toBe(page.body.entry.length);
    expect(row.patients).toEqual(page.body.entry.map((e: { resource: { id: string } }) => `Patient/${e.resource.id}`)); // the shared test database may hold more than one page
    const usage = await request(gw.url).get('/api/audit/usage').set('Authorization', `Bearer ${auditor}`);
    expect(usage.body.accounts.find((a: { keyId: string }) => a.keyId === keyIdOf(bulk))).toMatchObject({ bulkReads: 1, flagged: true });
  });

  it('reading more patients per hour than BULK_READ_PATIENTS_PER_HOUR through one key is refused without the scope', async () => {
    const key = await gw.key('portal');
    for (const p of people.slice(0, 2)) expect((await request(gw.url).get(`/fhir/${p.patient}`).set('Authorization', `Bearer ${key}`)).status).toBe(200);
    expect((await request(gw.url).get(`/fhir/${people[0]!.patient}`).set('Authorization', `Bearer ${key}`)).status).toBe(200); // the same patient again
    const third = await request(gw.url).get(`/fhir/${people[2]!.patient}`).set('Authorization', `Bearer ${key}`);
    expect(third.status).toBe(403);
    expect(third.body.issue[0].diagnostics).toMatch(/read 3 patients this hour, more than 2/);
  });

  it("answers a data subject's request: the auditor finds every read of one CCCD's data", async () => {
    const { cccd, patient } = people[0]!;
    const res = await request(gw.url).get('/api/audit').query({ cccd }).set('Authorization', `Bearer ${auditor}`);
    expect(res.status).toBe(200);
    const portalEvents = res.body.events.filter((e: { keyId: string }) => e.keyId === keyIdOf(portal));
    expect(portalEvents.map((e: { action: string }) => e.action).sort()).toEqual(['read', 'search']);
    expect(res.body.events.every((e: { patient: string | null; patients: string[] | null; query: unknown }) =>
      e.patient === patient || e.patients?.includes(patient) || JSON.stringify(e.query).includes('|h:'))).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startGatewayWithKeys, startTestGateway, waitFor } from '../helpers/gateway.js';

const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
/** Random per run: the dev database may hold earlier runs' patients. */
const SEED = Math.floor(Math.random() * 1e9);

describe('QĐ 130 submit → link → read back (HTTP, real PostgreSQL + Redis)', () => {
  let gw: Gateway;
  let facility: string, facilityKey: string, adminKey: string, portalKey: string;
  beforeAll(async () => ({ gw, facility, facilityKey, adminKey, portalKey } = await startGatewayWithKeys()));
  afterAll(async () => gw?.stop());

  const submit = (xml: string, key = facilityKey) =>
    request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/xml').send(xml);
  const submission = (id: string) => request(gw.url).get(`/api/submissions/${id}`).set('Authorization', `Bearer ${adminKey}`);
  const waitLinked = (id: string, n: number) =>
    waitFor(async () => {
      const res = await submission(id);
      return res.body.counts.linked + res.body.counts.failed + res.body.counts.rejected === n ? res.body : undefined;
    }, 20_000, `submission ${id} to settle`);
  const patientsByCccd = async (cccd: string) =>
    (await request(gw.url).get('/fhir/Patient').query({ identifier: `${CCCD_SYSTEM}|${cccd}` }).set('Authorization', `Bearer ${portalKey}`)).body;

  it('persists, links and serves the episode keyed by CCCD', async () => {
    const xml1 = makeXml1(facility, `LK-A-${facility}`, SEED + 11, { MA_BENH_CHINH: 'J18.9', MA_BENH_KT: 'I10;E11.9' });
    const res = await submit(envelope(facility, [[['XML1', xml1Document(xml1)]]]));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ facility, records: [{ key: xml1.MA_LK, status: 'accepted', issues: [] }] });

    const view = await waitLinked(res.body.submissionId, 1);
    expect(view.records[0]).toMatchObject({ key: xml1.MA_LK, status: 'linked' });

    const found = await patientsByCccd(xml1.SO_CCCD!);
    expect(found.total).toBe(1);
    const patient = found.entry[0].resource;
    expect(patient.identifier[0]).toMatchObject({ system: CCCD_SYSTEM, value: xml1.SO_CCCD });
    expect(patient.name[0].text).toBe(xml1.HO_TEN);

    const encounters = await request(gw.url).get('/fhir/Encounter').query({ patient: `Patient/${patient.id}` }).set('Authorization', `Bearer ${portalKey}`);
    expect(encounters.body.total).toBe(1);
    const encounter = encounters.body.entry[0].resource;
    expect(encounter.identifier[0].value).toBe(xml1.MA_LK);
    const conditions = await request(gw.url).get('/fhir/Condition').query({ encounter: `Encounter/${encounter.id}` }).set('Authorization', `Bearer ${portalKey}`);
    expect(conditions.body.entry.map((e: { resource: { code: { coding: Array<{ code: string }> } } }) => e.resource.code.coding[0]!.code).sort()).toEqual(['E11.9', 'I10', 'J18.9']);

    const read = await request(gw.url).get(`/fhir/Encounter/${encounter.id}`).set('Authorization', `Bearer ${portalKey}`);
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toMatch(/application\/fhir\+json/);
  });

  it('keeps rejected episodes with their category and counts them per facility', async () => {
    const good = makeXml1(facility, `LK-B1-${facility}`, SEED + 21);
    const noCccd = makeXml1(facility, `LK-B2-${facility}`, SEED + 22, { SO_CCCD: '' });
    const wrongYear = makeXml1(facility, `LK-B3-${facility}`, SEED + 23, { NGAY_SINH: '190001010000' });
    const res = await submit(envelope(facility, [good, noCccd, wrongYear].map((x) => [['XML1', xml1Document(x)]])));
    expect(res.status).toBe(202);
    expect(res.body.records.map((r: { status: string; issues: Array<{ category: string }> }) => [r.status, r.issues[0]?.category])).toEqual([
      ['accepted', undefined], ['rejected', 'CCCD_MISSING'], ['rejected', 'CCCD_DOB_MISMATCH'],
    ]);
    await waitLinked(res.body.submissionId, 3);
    const stats = await request(gw.url).get('/api/stats/facilities').query({ facility }).set('Authorization', `Bearer ${adminKey}`);
    const s = stats.body.facilities[0];
    expect(s).toMatchObject({ facility, rejected: 2, failed: 0, pending: 0, categories: { CCCD_MISSING: 1, CCCD_DOB_MISMATCH: 1 },
      groups: { 'no-id': 1, 'malformed-id': 0, 'verification-mismatch': 1, other: 0 } });
    expect(s.received).toBe(s.linked + s.rejected + s.failed + s.pending);
  });

  it('resubmission and concurrent duplicates never create a second Patient or Encounter', async () => {
    const v1 = makeXml1(facility, `LK-C-${facility}`, SEED + 31, { MA_BENH_CHINH: 'J03', MA_BENH_KT: 'I10' });
    const v2 = { ...v1, MA_BENH_KT: '', CHAN_DOAN_RV: 'Viêm họng (sửa)' };
    const first = await submit(envelope(facility, [[['XML1', xml1Document(v1)]]]));
    await waitLinked(first.body.submissionId, 1);
    const racing = await Promise.all([1, 2, 3, 4].map(() => submit(envelope(facility, [[['XML1', xml1Document(v2)]]]))));
    expect(racing.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    for (const r of racing) await waitLinked(r.body.submissionId, 1);

    const found = await patientsByCccd(v1.SO_CCCD!);
    expect(found.total).toBe(1);
    const encounters = await request(gw.url).get('/fhir/Encounter').query({ identifier: `http://fhir.hl7.org.vn/core/sid/ma-lk|${v1.MA_LK}` }).set('Authorization', `Bearer ${portalKey}`);
    expect(encounters.body.total).toBe(1);
    // The resubmission dropped the secondary code: its Condition is gone, only J03 remains.
    const conditions = await request(gw.url).get('/fhir/Condition').query({ encounter: `Encounter/${encounters.body.entry[0].resource.id}` }).set('Authorization', `Bearer ${portalKey}`);
    expect(conditions.body.entry.map((e: { resource: { code: { coding: Array<{ code: string }>; text?: string } } }) => [e.resource.code.coding[0]!.code, e.resource.code.text])).toEqual([['J03', 'Viêm họng (sửa)']]);
  });

  it('refuses unparseable XML and bad base64 with a 400 OperationOutcome saying where, and stores nothing', async () => {
    const before = (await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n;
    const broken = await submit(`<GIAMDINHHS><THONGTINDONVI><MACSKCB>${facility}</MACSKCB></THONGTINDONVI><THONGTINHOSO>`);
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(broken.body.resourceType).toBe('OperationOutcome');
    expect(broken.body.issue[0].diagnostics).toMatch(/not well-formed|unclosed|incomplete/i);

    const badBase64 = readFileSync(new URL('../golden/qd130/outpatient-visit.xml', import.meta.url), 'utf8').replace(/<NOIDUNGFILE>[^<]{10}/, '<NOIDUNGFILE>%%%%$$$$@@');
    const res = await submit(badBase64.replace(/<MACSKCB>\d+<\/MACSKCB>/, `<MACSKCB>${facility}</MACSKCB>`));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/base64/);
    expect(res.body.issue[0].expression[0]).toMatch(/HOSO\[1\]\/FILEHOSO\[1\]\/NOIDUNGFILE/);
    expect((await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n).toBe(before);
  });

  it('accepts gzip-compressed envelopes', async () => {
    const { gzipSync } = await import('node:zlib');
    const xml1 = makeXml1(facility, `LK-D-${facility}`, SEED + 41);
    const res = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`)
      .set('Content-Type', 'application/xml').set('Content-Encoding', 'gzip')
      .send(gzipSync(envelope(facility, [[['XML1', xml1Document(xml1)]]])));
    expect(res.status).toBe(202);
    expect(res.body.records[0].status).toBe('accepted');
  });
});

/**
 * The data-hub contract (docs/formats/data-hub.md) over HTTP: base64 GIAMDINHHS envelopes in JSON,
 * one submission per file through the same pipeline, hub-shaped answers and the status lookup.
 */
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startGatewayWithKeys, waitFor } from '../helpers/gateway.js';

type Started = Awaited<ReturnType<typeof startGatewayWithKeys>>;
const SEED = Math.floor(Math.random() * 1e9);
const b64 = (xml: string | Buffer) => Buffer.from(xml).toString('base64');

describe('data hub: POST /api/kcb/xml/guiHoSoXml and GET /api/kcb/xml/tra-cuu-trang-thai/{maGiaoDich}', () => {
  let gw: Started['gw'];
  let facility: string, facilityKey: string, adminKey: string, portalKey: string;
  beforeAll(async () => ({ gw, facility, facilityKey, adminKey, portalKey } = await startGatewayWithKeys()));
  afterAll(async () => gw?.stop());

  let n = 0;
  /** An envelope of `facility` with one HOSO per override set (an empty set: a valid episode). */
  const file = (overrides: Array<Record<string, string>>, from = facility) => envelope(from, overrides.map((o) => {
    n += 1;
    return [['XML1', xml1Document(makeXml1(from, `LK-HUB-${SEED}-${n}`, SEED + n, o))]];
  }));
  const send = (body: unknown, key = facilityKey) => request(gw.url).post('/api/kcb/xml/guiHoSoXml').set('Authorization', `Bearer ${key}`)
    .set('Content-Type', 'application/json').send(JSON.stringify(body));
  const lookup = (id: string, key = facilityKey) => request(gw.url).get(`/api/kcb/xml/tra-cuu-trang-thai/${id}`).set('Authorization', `Bearer ${key}`);
  const badCccd = { SO_CCCD: '04616605183' };
  /** A facility next to the test's own. */
  const otherFacility = () => `${facility.slice(0, 4)}${facility.endsWith('9') ? '8' : '9'}`;

  it('two files: each one submission, with per-file and per-record results and no personal data', async () => {
    const good = file([{}, {}]);
    const mixed = file([{}, badCccd]);
    const res = await send({ loaiHoSo: '130', maTinh: facility.slice(0, 2), maCSKCB: facility, files: [b64(good), b64(mixed)] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      maKetQua: '206', batchId: expect.stringMatching(/^[0-9a-f-]{36}$/), maCSKCB: facility, loaiHoSo: '130',
      totalSuccess: 2, totalFailed: 0, soHoSoThanhCong: 3, soHoSoLoi: 1, thoiGianTiepNhan: expect.stringMatching(/^\d{14}$/),
    });
    const [first, second] = res.body.fileResults;
    expect(first).toMatchObject({ stt: 1, maKetQua: '200', soHoSo: 2, soHoSoThanhCong: 2, soHoSoLoi: 0, maCSKCB: facility });
    expect(second).toMatchObject({ stt: 2, maKetQua: '206', soHoSo: 2, soHoSoThanhCong: 1, soHoSoLoi: 1 });
    expect(second.hoSo[1]).toEqual({ maLk: expect.stringMatching(/^LK-HUB-/), trangThai: 'rejected', maLoi: 'CCCD_FORMAT', truongLoi: ['XML1.SO_CCCD'] });
    expect(first.maGiaoDich).not.toBe(second.maGiaoDich);
    expect(JSON.stringify(res.body)).not.toMatch(/04616605183|NGUYỄN|TRẦN|LÊ|PHẠM|HOÀNG|PHAN|VÕ|ĐẶNG|BÙI|ĐỖ/);

    // Each maGiaoDich is a submission of the ordinary API, stored with its raw bytes.
    const view = await request(gw.url).get(`/api/submissions/${second.maGiaoDich}`).set('Authorization', `Bearer ${adminKey}`).expect(200);
    expect(view.body).toMatchObject({ facility, format: 'qd130', byteSize: Buffer.byteLength(mixed) });
  });

  it('an invalid base64 file, an unreadable envelope and another facility\'s envelope fail alone; a gzip file goes through', async () => {
    const res = await send({ maCSKCB: facility, files: ['not base64!', b64(file([{}])), b64('<GIAMDINHHS><oops>'), b64(file([{}], otherFacility())), b64(gzipSync(file([{}])))] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ maKetQua: '206', totalSuccess: 2, totalFailed: 3, soHoSoThanhCong: 2, soHoSoLoi: 0 });
    expect(res.body.fileResults.map((f: { maKetQua: string; maGiaoDich: string | null }) => [f.maKetQua, f.maGiaoDich !== null])).toEqual([
      ['205', false], ['200', true], ['400', false], ['403', false], ['200', true],
    ]);
    expect(res.body.fileResults[0]).toMatchObject({ thongBao: expect.stringMatching(/Base64/), chiTiet: expect.stringMatching(/base64/) });
    const zipped = await request(gw.url).get(`/api/submissions/${res.body.fileResults[4].maGiaoDich}`).set('Authorization', `Bearer ${adminKey}`).expect(200);
    expect(zipped.body.records).toHaveLength(1);
  });

  it("refuses another facility's maCSKCB, a portal key, a malformed body, in hub JSON", async () => {
    const other = await send({ maCSKCB: otherFacility(), files: [b64(file([{}]))] });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ maKetQua: '403', thongBao: expect.any(String), chiTiet: expect.stringMatching(/maCSKCB/) });

    expect((await send({ maCSKCB: facility, files: [b64(file([{}]))] }, portalKey)).body).toMatchObject({ maKetQua: '403' });
    const missing = await send({ maCSKCB: facility });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ maKetQua: '400', viTri: ['files'] });
    const notJson = await request(gw.url).post('/api/kcb/xml/guiHoSoXml').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/json').send('{"files": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ maKetQua: '400' });
    const xml = await request(gw.url).post('/api/kcb/xml/guiHoSoXml').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml').send(file([{}]));
    expect(xml.status).toBe(415);
    expect(xml.body).toMatchObject({ maKetQua: '415' });
    expect((await request(gw.url).get('/api/kcb/xml/nope').set('Authorization', `Bearer ${facilityKey}`)).body).toMatchObject({ maKetQua: '404' });
  });

  it('takes a gzip-compressed JSON body and BHXH\'s single fileHSBase64', async () => {
    const json = JSON.stringify({ loaiHoSo: 3176, maCSKCB: facility, fileHSBase64: b64(file([{}])) });
    const res = await request(gw.url).post('/api/kcb/xml/guiHoSoXml').set('Authorization', `Bearer ${facilityKey}`)
      .set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').serialize((raw: Buffer) => raw as unknown as string).send(gzipSync(json)); // the bytes as they are, not the JSON of a Buffer
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ maKetQua: '200', loaiHoSo: '3176', totalSuccess: 1 });
  });

  it('an admin key sends for the declared maCSKCB: an envelope of another facility is refused', async () => {
    const res = await send({ maCSKCB: facility, files: [b64(file([{}], otherFacility())), b64(file([{}]))] }, adminKey);
    expect(res.body.fileResults.map((f: { maKetQua: string }) => f.maKetQua)).toEqual(['403', '200']);
  });

  it('tra-cuu-trang-thai shows the linkage; another facility sees 404', async () => {
    const res = await send({ maCSKCB: facility, files: [b64(file([{}, {}, badCccd]))] });
    const id = res.body.fileResults[0].maGiaoDich as string;
    const done = await waitFor(async () => {
      const r = await lookup(id);
      return r.status === 200 && r.body.trangThai === 'done' ? r.body : undefined;
    }, 20_000, `submission ${id} to link`);
    expect(done).toMatchObject({ maKetQua: '200', maGiaoDich: id, maCSKCB: facility, soHoSo: 3, soHoSoDaLienThong: 2, soHoSoLoi: 1, soHoSoThatBai: 0, soHoSoChoXuLy: 0 });
    expect(done.hoSo.map((h: { trangThai: string }) => h.trangThai)).toEqual(['linked', 'linked', 'rejected']);
    expect(done.hoSo[0].thoiGianLienThong).toMatch(/^\d{14}$/);
    expect((await lookup(id, adminKey)).status).toBe(200);

    const stranger = await gw.key('facility', otherFacility());
    const hidden = await lookup(id, stranger);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ maKetQua: '404' });
    expect((await lookup('7b0e5f5e-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await lookup('not-a-uuid')).body).toMatchObject({ maKetQua: '400', viTri: ['maGiaoDich'] });
  });

  it('the audit log records the upload as a create naming the batch and its submissions', async () => {
    const res = await send({ maCSKCB: facility, files: [b64(file([{}]))] });
    const auditor = await gw.key('auditor');
    const row = await waitFor(async () => {
      const r = await request(gw.url).get('/api/audit').query({ keyId: facilityKey.split('_')[1], action: 'create' }).set('Authorization', `Bearer ${auditor}`);
      return r.body.events?.find((e: { resource: string }) => e.resource === `batch/${res.body.batchId}`);
    }, 10_000, 'the audit row');
    expect(row).toMatchObject({ path: '/api/kcb/xml/guiHoSoXml', status: 200, returned: [`submission/${res.body.fileResults[0].maGiaoDich}`], query: { facility } });
  });
});

describe('data hub limits (MAX_BODY_MB=1)', () => {
  let started: Started;
  beforeAll(async () => { started = await startGatewayWithKeys({ MAX_BODY_MB: '1' }); });
  afterAll(async () => started?.gw.stop());

  it('a file over MAX_BODY_MB is 413 alone; a body over the base64 allowance is refused whole', async () => {
    const { gw, facility, facilityKey } = started;
    const send = (files: string[]) => request(gw.url).post('/api/kcb/xml/guiHoSoXml').set('Authorization', `Bearer ${facilityKey}`)
      .set('Content-Type', 'application/json').send(JSON.stringify({ maCSKCB: facility, files }));
    const small = envelope(facility, [[['XML1', xml1Document(makeXml1(facility, `LK-HUB-BIG-${SEED}`, SEED))]]]);
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    const res = await send([b64(big), b64(small)]);
    expect(res.status).toBe(200);
    expect(res.body.fileResults.map((f: { maKetQua: string }) => f.maKetQua)).toEqual(['413', '200']);
    expect(res.body.fileResults[0].chiTiet).toMatch(/MAX_BODY_MB/);

    const tooMuch = await send([b64(big), b64(big)]);
    expect(tooMuch.status).toBe(413);
    expect(tooMuch.body).toMatchObject({ maKetQua: '413', thongBao: expect.any(String), chiTiet: expect.stringMatching(/MAX_BODY_MB, as base64/) });
  });
});

describe('data hub memory: a request reserves about 4 × its body, not UPLOAD_MEMORY_PER_REQUEST_MB', () => {
  // Limit min(1 MiB, base64 of MAX_BODY_MB, 6 MiB / 4) = 1 MiB (DATA_HUB_MAX_BODY_MB). A 0.9 MiB body
  // reserves 3.6 MiB: one fits in 6 MiB, two do not. The old cap (UPLOAD_MEMORY_PER_REQUEST_MB=1) admitted both.
  let started: Started;
  beforeAll(async () => { started = await startGatewayWithKeys({ DATA_HUB_MAX_BODY_MB: '1', MAX_UPLOAD_MEMORY_MB: '6', UPLOAD_MEMORY_PER_REQUEST_MB: '1' }); });
  afterAll(async () => started?.gw.stop());

  const BODY = Math.floor(0.9 * 1024 * 1024);
  /** A JSON body of exactly `bytes` bytes (ASCII) holding `files` and padding. */
  const padded = (files: string[], bytes: number) => {
    const json = JSON.stringify({ maCSKCB: started.facility, files, pad: '' });
    return `${json.slice(0, -2)}${'x'.repeat(bytes - json.length)}"}`;
  };
  /** Start a POST with these headers and the first byte of `body`; `finish()` sends the rest. */
  function openHub(body: string, headers: Record<string, string>) {
    const url = new URL(started.gw.url);
    const req = httpRequest({
      host: url.hostname, port: url.port, method: 'POST', path: '/api/kcb/xml/guiHoSoXml',
      headers: { Authorization: `Bearer ${started.facilityKey}`, 'Content-Type': 'application/json', ...headers },
    });
    req.on('error', () => undefined);
    const answer = new Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }>((resolve) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => { text += String(d); });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
      });
    });
    req.write(body.slice(0, 1));
    return { answer, finish: () => req.end(body.slice(1)) };
  }
  const declared = (body: string) => ({ 'Content-Length': String(body.length) });
  const sendWhole = async (body: string, headers: Record<string, string>) => { const h = openHub(body, headers); h.finish(); return h.answer; };

  it('a second large request while the first is held gets 503 + Retry-After in hub JSON; after the first, it goes through', async () => {
    const envelopeB64 = b64(envelope(started.facility, [[['XML1', xml1Document(makeXml1(started.facility, `LK-HUB-MEM-${SEED}`, SEED))]]]));
    const first = openHub(padded([envelopeB64], BODY), declared(padded([envelopeB64], BODY)));
    const second = padded(['not base64!'], BODY); // admitted, it would store nothing (205)
    const refused = await waitFor(async () => { const r = await sendWhole(second, declared(second)); return r.status === 503 ? r : undefined; }, 10_000, 'the second request to be refused');
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body).toMatchObject({ maKetQua: '503', thongBao: expect.any(String), chiTiet: expect.stringMatching(/MAX_UPLOAD_MEMORY_MB/) });

    first.finish();
    expect(await first.answer).toMatchObject({ status: 200, body: { maKetQua: '200', totalSuccess: 1 } });
    expect(await sendWhole(second, declared(second))).toMatchObject({ status: 200, body: { maKetQua: '205' } });
  });

  it('a body over the limit is 413 naming it: declared, before anything is read; chunked, cut by the parser', async () => {
    const big = padded(['QUJD'], 1024 * 1024 + 10);
    const early = await sendWhole(big, declared(big));
    expect(early.status).toBe(413);
    expect(early.body).toMatchObject({ maKetQua: '413', chiTiet: expect.stringMatching(/1048586 bytes.*1048576 bytes.*DATA_HUB_MAX_BODY_MB/) });
    const chunked = await sendWhole(big, { 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect(chunked.body).toMatchObject({ maKetQua: '413', chiTiet: expect.stringMatching(/1048576 bytes.*DATA_HUB_MAX_BODY_MB/) });
  });

  it('authentication is answered before the hub router, as an OperationOutcome', async () => {
    const res = await request(started.gw.url).post('/api/kcb/xml/guiHoSoXml').set('Content-Type', 'application/json').send('{}');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
  });
});

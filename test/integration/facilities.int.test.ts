/**
 * The facility register through HTTP with real PostgreSQL (docs/facilities.md): a Sở Y tế's CSV
 * list with bad rows (named by row and column) and good rows stored with their areas by date;
 * PUT/GET of one facility; a facility key reading another one (403); code changes resolved into
 * chains and loops refused; a facility that submits without being registered; areas by date
 * (old district on 2025-06-30, new province on 2025-07-01); the demo register and the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoFacilities } from '../../reporting/facilities/demo.js';
import { areaNames, facilityNames } from '../../reporting/facilities/names.repo.js';
import { startTestGateway } from '../helpers/gateway.js';
import { citizen, doseCsv } from '../helpers/identity.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const run = promisify(execFile);
/** Codes no other test uses: a letter and four digits (MA_CSKCB allows letters). */
let serial = Math.floor(Math.random() * 9000) + 1000;
const code = (letter: string) => `${letter}${String(serial++ % 10_000).padStart(4, '0')}`;
const DEMO_CODES = ['46001', '46002', '46003', '51001', '51002', '51004', '62001'];

describe('facility register (HTTP, PostgreSQL)', () => {
  let gw: Gateway;
  let adminKey: string;
  const created: string[] = [];
  beforeAll(async () => {
    gw = await startTestGateway({ VERIFICATION: 'off' });
    adminKey = await gw.key('admin');
  });
  afterAll(async () => {
    if (gw) {
      const codes = [...created, ...DEMO_CODES];
      await gw.pool.query('DELETE FROM facility_successions WHERE old_code = ANY($1) OR new_code = ANY($1) OR old_code = $2', [codes, '51003']);
      await gw.pool.query('DELETE FROM facilities WHERE code = ANY($1)', [codes]);
      await gw.pool.query("DELETE FROM admin_units WHERE source IN ('facilities.int.test', 'reports.int.test', 'test') OR source LIKE 'DEMO ONLY%'");
      await gw.stop();
    }
  });
  const as = (key: string) => ({
    get: (path: string) => request(gw.url).get(path).set('Authorization', `Bearer ${key}`),
    put: (path: string, body: unknown) => request(gw.url).put(path).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send(JSON.stringify(body)),
    post: (path: string, body: unknown) => request(gw.url).post(path).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send(JSON.stringify(body)),
    csv: (path: string, csv: string | Buffer) => request(gw.url).post(path).set('Authorization', `Bearer ${key}`).set('Content-Type', 'text/csv; charset=utf-8').send(csv),
  });
  const admin = () => as(adminKey);

  it('imports a ;-separated list with a BOM: bad rows named by row and column, good rows stored with their areas by date', async () => {
    const [a, b, c, d] = [code('T'), code('T'), code('T'), code('T')];
    created.push(a, b, c, d);
    const csv = '\uFEFFMA_CSKCB;TEN_CSKCB;TUYEN;HINH_THUC;MA_TINH;MA_HUYEN;MA_XA;MA_TINH_MOI;MA_XA_MOI\r\n'
      + `${a};Bệnh viện Thử nghiệm;Tỉnh;Công lập;46;474;;46;;\r\n`
      + `${b};Phòng khám Thử nghiệm;;Tư nhân;51;999;;51;;\r\n` // 999 is not a district of Quảng Ngãi
      + `${c};Trạm Thử nghiệm;tuyến 9;công lập;62;;;;;\r\n` // unknown level
      + `${d};TTYT Thử nghiệm;Huyện;Công lập;;;;62;;\r\n` // Kon Tum is no province from 2025-07-01
      + `1234;Mã sai;;;46;;;;;\r\n`;
    const res = await admin().csv('/api/facilities/import', Buffer.from(csv, 'utf8'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 5, inserted: 1, updated: 0, skipped: 4 });
    const errors = res.body.problems.filter((p: { severity: string }) => p.severity === 'error').map((p: { row: number; line: number; field: string }) => `${p.row}:${p.line}:${p.field}`);
    expect(errors).toEqual(['2:3:MA_HUYEN', '3:4:TUYEN', '4:5:MA_TINH_MOI', '5:6:MA_CSKCB']);
    expect(res.body.problems.find((p: { row: number }) => p.row === 4).message).toBe('62 is not a province on 2025-07-01 (QĐ 19/2025/QĐ-TTg)');

    const stored = await admin().get(`/api/facilities/${a}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      code: a, registered: true, name: 'Bệnh viện Thử nghiệm', level: 'province', ownership: 'public', successor: null, predecessors: [],
      areas: [
        { validFrom: '2008-08-01', validTo: '2025-06-30', province: '46', provinceName: 'Tỉnh Thừa Thiên Huế', district: '474', districtName: 'Thành phố Huế' },
        { validFrom: '2025-07-01', validTo: null, province: '46', provinceName: 'Thành phố Huế', district: null },
      ],
    });
    expect((await admin().get(`/api/facilities/${b}`)).status).toBe(404);
    // The same list again updates instead of inserting.
    expect((await admin().csv('/api/facilities/import', csv)).body).toMatchObject({ inserted: 0, updated: 1 });
  });

  it('refuses a body that is not a facility list', async () => {
    const res = await admin().csv('/api/facilities/import', 'name,code\nA,1\n');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/no MA_CSKCB, no TEN_CSKCB column/);
    expect((await request(gw.url).post('/api/facilities/import').set('Authorization', `Bearer ${adminKey}`).set('Content-Type', 'application/json').send('{}')).status).toBe(400);
  });

  it('PUT creates then replaces a facility; invalid bodies are refused naming every field', async () => {
    const f = code('P');
    created.push(f);
    const body = {
      name: 'Phòng khám Đa khoa P', level: 'private', ownership: 'tư nhân',
      areas: [{ validFrom: '2020-01-01', validTo: '2025-06-30', province: '51', district: '522' }, { validFrom: '2025-07-01', province: '51' }],
    };
    const first = await admin().put(`/api/facilities/${f}`, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ code: f, ownership: 'private', level: 'private', areas: [{ districtName: 'Thành phố Quảng Ngãi' }, { provinceName: 'Tỉnh Quảng Ngãi' }], warnings: [] });
    const second = await admin().put(`/api/facilities/${f}`, { ...body, name: 'PK P', areas: [{ validFrom: '2025-07-01', province: '51', commune: '51999' }] });
    expect(second.status).toBe(200);
    expect(second.body.areas).toHaveLength(1);
    expect(second.body.warnings).toMatchObject([{ field: 'areas[0].commune', severity: 'warning' }]);
    expect((await admin().get(`/api/facilities/${f}`)).body.name).toBe('PK P');

    const bad = await admin().put(`/api/facilities/${f}`, { name: 'X', ownership: 'both', areas: [{ validFrom: '2025-07-01', province: '5' }], colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].expression).toEqual(['colour', 'ownership', 'areas[0].province']);
    const afterReform = await admin().put(`/api/facilities/${f}`, { ...body, areas: [{ validFrom: '2025-07-01', province: '51', district: '522' }] });
    expect(afterReform.status).toBe(400);
    expect(afterReform.body.issue[0].diagnostics).toMatch(/^areas\[0\]\.district: there are no districts from 2025-07-01/);
    const overlap = await admin().put(`/api/facilities/${f}`, { ...body, areas: [{ validFrom: '2024-01-01', province: '51' }, { validFrom: '2025-07-01', province: '51' }] });
    expect(overlap.body.issue[0].expression).toEqual(['areas[1].validFrom']);
  });

  it('a facility key reads its own entry and gets 403 for another; only admins list or write', async () => {
    const [own, other] = [code('K'), code('K')];
    created.push(own, other);
    for (const c of [own, other]) expect((await admin().put(`/api/facilities/${c}`, { name: `CS ${c}`, areas: [] })).status).toBe(201);
    const key = await gw.key('facility', own);
    expect((await as(key).get(`/api/facilities/${own}`)).status).toBe(200);
    const denied = await as(key).get(`/api/facilities/${other}`);
    expect(denied.status).toBe(403);
    expect(denied.body.resourceType).toBe('OperationOutcome');
    expect((await as(key).get('/api/facilities')).status).toBe(403);
    expect((await as(key).put(`/api/facilities/${own}`, { name: 'X', areas: [] })).status).toBe(403);
    expect((await as(await gw.key('portal')).get(`/api/facilities/${own}`)).status).toBe(403);
  });

  it('resolves code changes into chains (A→B, B→C stores A→C and B→C) and refuses loops and a second successor', async () => {
    const [a, b, c, d] = [code('S'), code('S'), code('S'), code('S')];
    created.push(a, b, c, d);
    await admin().put(`/api/facilities/${c}`, { name: 'Trung tâm sau sáp nhập', areas: [] });
    const ab = await admin().post(`/api/facilities/${a}/successor`, { newCode: b, effective: '2025-01-01', basis: 'QĐ 1' });
    expect(ab.status).toBe(200);
    expect(ab.body).toMatchObject({ oldCode: a, newCode: b, redirected: [], warnings: [{ field: 'newCode' }] });
    const bc = await admin().post(`/api/facilities/${b}/successor`, { newCode: c, effective: '2025-07-01', basis: 'NĐ 188/2025' });
    expect(bc.body).toMatchObject({ oldCode: b, newCode: c, redirected: [a], warnings: [] });
    const { rows } = await gw.pool.query('SELECT old_code, new_code, facility_now(old_code) AS now FROM facility_successions WHERE new_code = $1 ORDER BY old_code', [c]);
    expect(rows).toEqual([{ old_code: a, new_code: c, now: c }, { old_code: b, new_code: c, now: c }]);
    expect((await admin().get(`/api/facilities/${c}`)).body.predecessors).toEqual([
      { code: a, effective: '2025-01-01', basis: 'QĐ 1' }, { code: b, effective: '2025-07-01', basis: 'NĐ 188/2025' },
    ]);
    // A → B again is resolved to A → C, the same succession (idempotent).
    expect((await admin().post(`/api/facilities/${a}/successor`, { newCode: b, effective: '2025-01-01' })).body.newCode).toBe(c);

    const loop = await admin().post(`/api/facilities/${c}/successor`, { newCode: a, effective: '2026-01-01' });
    expect(loop.status).toBe(409);
    expect(loop.body.issue[0].diagnostics).toMatch(/would make a loop/);
    expect((await admin().post(`/api/facilities/${a}/successor`, { newCode: d, effective: '2026-01-01' })).status).toBe(409);
    expect((await admin().post(`/api/facilities/${a}/successor`, { newCode: a, effective: '2026-01-01' })).status).toBe(400);
    expect((await admin().post(`/api/facilities/${a}/successor`, { newCode: d })).body.issue[0].expression).toEqual(['effective']);
  });

  it('lists a facility that submits without being registered as registered:false, until it is registered', async () => {
    const u = code('U');
    created.push(u);
    const key = await gw.key('facility', u);
    const p = citizen('Lê Thị Đăng Ký', '1990-02-03', 'female');
    const sent = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'text/csv; charset=utf-8').send(doseCsv([{ p, id: `REG-${p.cccd}` }]));
    expect(sent.status).toBe(202);
    const list = await admin().get('/api/facilities');
    expect(list.status).toBe(200);
    const row = list.body.facilities.find((f: { code: string }) => f.code === u);
    expect(row).toMatchObject({ code: u, registered: false });
    expect(row.lastSubmissionAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await admin().put(`/api/facilities/${u}`, { name: 'Now registered', areas: [] });
    const unregistered = (await admin().get('/api/facilities').query({ registered: 'false' })).body.facilities;
    expect(unregistered.some((f: { code: string }) => f.code === u)).toBe(false);
    expect((await admin().get('/api/facilities').query({ registered: 'true' })).body.facilities.find((f: { code: string }) => f.code === u)).toMatchObject({ registered: true, name: 'Now registered' });
  });

  it('areas by date: the old district on 2025-06-30, the new province on 2025-07-01 (areaNames and GET /api/areas)', async () => {
    expect(await areaNames(gw.pool, 'district', ['474', '522'], '2025-06-30')).toEqual(new Map([['474', 'Thành phố Huế'], ['522', 'Thành phố Quảng Ngãi']]));
    expect((await areaNames(gw.pool, 'district', ['474'], '2025-07-01')).size).toBe(0);
    expect(await areaNames(gw.pool, 'province', ['46', '62', '15'], '2025-06-30')).toEqual(new Map([['15', 'Tỉnh Yên Bái'], ['46', 'Tỉnh Thừa Thiên Huế'], ['62', 'Tỉnh Kon Tum']]));
    expect(await areaNames(gw.pool, 'province', ['46', '62', '15'], '2025-07-01')).toEqual(new Map([['15', 'Tỉnh Lào Cai'], ['46', 'Thành phố Huế']]));

    const districts = await admin().get('/api/areas').query({ level: 'district', on: '2025-06-30', parent: '46' });
    expect(districts.status).toBe(200);
    expect(districts.body.areas.map((a: { code: string }) => a.code)).toEqual(['474', '476', '477', '478', '479', '480', '481', '482', '483']);
    expect((await admin().get('/api/areas').query({ level: 'district', on: '2025-07-01', parent: '46' })).body.areas).toEqual([]);
    expect((await admin().get('/api/areas').query({ level: 'province', on: '2025-06-30' })).body.areas).toHaveLength(63);
    const after = await admin().get('/api/areas').query({ level: 'province', on: '2025-07-01' });
    expect(after.body.areas).toHaveLength(34);
    expect(after.body.areas.find((a: { code: string }) => a.code === '51')).toMatchObject({ name: 'Tỉnh Quảng Ngãi', validFrom: '2025-07-01', validTo: null, source: expect.stringMatching(/QĐ 19\/2025/) });
    expect((await admin().get('/api/areas').query({ level: 'ward' })).status).toBe(400);
    expect((await admin().get('/api/areas').query({ on: '2025-02-30' })).status).toBe(400);
  });

  it('reports roll up by the area of the day: 2024 by the old district, 2026 by the new province; a former code counts under the new one', async () => {
    const [r, old] = [code('R'), code('R')];
    created.push(r, old);
    await admin().put(`/api/facilities/${r}`, {
      name: 'BV báo cáo', areas: [{ validFrom: '2008-08-01', validTo: '2025-06-30', province: '46', district: '478' }, { validFrom: '2025-07-01', province: '46' }],
    });
    await admin().post(`/api/facilities/${old}/successor`, { newCode: r, effective: '2025-07-01' });
    const send = async (facility: string, date: string) => {
      const p = citizen('Phan Văn Báo', '1985-04-05', 'male');
      const res = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${await gw.key('facility', facility)}`)
        .set('Content-Type', 'text/csv; charset=utf-8').send(doseCsv([{ p, id: `RPT-${p.cccd}`, date }]));
      expect(res.status).toBe(202);
    };
    await send(r, '2024-05-10');
    await send(r, '2026-03-10');
    await send(old, '2026-03-11');
    const stats = async (from: string, to: string, by: string) =>
      (await admin().get('/api/stats').query({ basis: 'service', from, to, by, facility: r })).body.rows.map((x: { key: string | null; received: number }) => `${x.key}:${x.received}`);
    expect(await stats('2024-01-01', '2024-12-31', 'district')).toEqual(['478:1']);
    expect(await stats('2026-01-01', '2026-12-31', 'province')).toEqual(['46:2']);
    expect(await stats('2026-01-01', '2026-12-31', 'district')).toEqual(['null:2']);
  });

  it('seeds the demo register idempotently: 46001 and 51001, and 51003 counting under 51002 from 2025-07-01', async () => {
    const first = await seedDemoFacilities(gw.pool);
    expect(first.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const again = await seedDemoFacilities(gw.pool);
    expect(again).toMatchObject({ inserted: 0, updated: 7, successions: 1 });
    const names = await facilityNames(gw.pool, ['46001', '51001', '51003']);
    expect([...names.keys()].sort()).toEqual(['46001', '51001']);
    expect(names.get('46001')).toMatchObject({ level: 'province', ownership: 'public' });
    const merged = await admin().get('/api/facilities/51002');
    expect(merged.body.predecessors).toMatchObject([{ code: '51003', effective: '2025-07-01' }]);
    const konTum = (await admin().get('/api/facilities/62001')).body.areas;
    expect(konTum.map((a: { province: string; provinceName: string }) => `${a.province} ${a.provinceName}`)).toEqual(['62 Tỉnh Kon Tum', '51 Tỉnh Quảng Ngãi']);
    const ownKey = await gw.key('facility', '46001');
    expect((await as(ownKey).get('/api/facilities/46001')).body.areas[1]).toMatchObject({ commune: '99151', communeName: expect.stringMatching(/^\[DEMO\]/) });
  });

  it('npm run facilities -- areas / import: counts and problems by row and column, exit codes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facilities-cli-'));
    try {
      const units = join(dir, 'communes.csv');
      await writeFile(units, 'level,code,name,parent,valid_from,valid_to,source\ncommune,98101,Xã thử,474,2008-08-01,2025-06-30,facilities.int.test\ncommune,98102,,474,2008-08-01,,facilities.int.test\n');
      const cli = async (args: string[]) => {
        try {
          const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/facilities.ts', ...args], { env: process.env, timeout: 60_000 });
          return { exit: 0, stdout, stderr };
        } catch (err) {
          const e = err as { code: number; stdout: string; stderr: string };
          return { exit: e.code, stdout: e.stdout, stderr: e.stderr };
        }
      };
      const a = await cli(['areas', units]);
      expect(a.exit).toBe(0);
      expect(a.stdout).toContain('2 rows: 1 new, 0 updated, 1 skipped');
      expect(a.stdout).toContain('row 2 (line 3), column name: error: empty');
      const f = code('C');
      created.push(f);
      const list = join(dir, 'list.csv');
      await writeFile(list, `MA_CSKCB,TEN_CSKCB,MA_TINH,MA_HUYEN,MA_XA\n${f},CLI,46,474,98101\n${f}x,Bad,46,,\n`);
      const i = await cli(['import', list]);
      expect(i.exit).toBe(0);
      expect(i.stdout).toContain('2 rows: 1 new, 0 updated, 1 skipped');
      expect(i.stdout).toContain('row 2 (line 3), column MA_CSKCB: error');
      expect((await admin().get(`/api/facilities/${f}`)).body.areas[0]).toMatchObject({ commune: '98101', communeName: 'Xã thử' });
      expect((await cli(['import'])).exit).toBe(2);
      expect((await cli(['import', join(dir, 'missing.csv')])).exit).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

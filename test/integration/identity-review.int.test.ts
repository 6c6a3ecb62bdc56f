/**
 * Identity without a registry (VERIFICATION=off), through HTTP with real PostgreSQL + Redis: two
 * facilities disagreeing on one CCCD (neither overwrites, the conflict is held); records without a
 * CCCD matched by BHYT, held for review and accepted / rejected / corrected; an infant under its
 * mother re-keyed when its own CCCD arrives; a wrong CCCD corrected after linking.
 */
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, uniqueFacility } from '../helpers/gateway.js';
import { citizen, doseCsv, fhirRead, recordByKey, waitForStatus } from '../helpers/identity.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('identity: sources, review queue, re-keying, corrections (HTTP, VERIFICATION=off)', () => {
  let gw: Gateway;
  let keyA: string, keyB: string, adminKey: string, portalKey: string;
  beforeAll(async () => {
    gw = await startTestGateway({ VERIFICATION: 'off' });
    keyA = await gw.key('facility', uniqueFacility());
    keyB = await gw.key('facility', uniqueFacility());
    adminKey = await gw.key('admin');
    portalKey = await gw.key('portal');
  });
  afterAll(async () => gw?.stop());

  const send = async (csv: string, key = keyA) => {
    const res = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${key}`).set('Content-Type', 'text/csv; charset=utf-8').send(csv);
    expect(res.status).toBe(202);
    return res.body.records as Array<{ key: string; status: string; issues: Array<{ category: string; field: string; message: string }> }>;
  };
  const admin = (method: 'get' | 'post', path: string, body?: unknown) => {
    const r = request(gw.url)[method](path).set('Authorization', `Bearer ${adminKey}`);
    return body === undefined ? r : r.set('Content-Type', 'application/json').send(JSON.stringify(body));
  };

  it('two facilities disagreeing on a person: the second is held (SOURCE_CONFLICT); neither overwrites; addresses accumulate', async () => {
    const p = citizen('Võ Thị Hạnh', '1988-03-04', 'female');
    const [a] = await send(doseCsv([{ p, id: `A-${p.cccd}`, extra: { patient_address: 'Thôn 1, xã Tịnh Khê' } }]), keyA);
    const linked = await waitForStatus(gw.pool, a!.key, ['linked']);
    const [b] = await send(doseCsv([{ p: { ...p, birthDate: '1988-09-10' }, id: `B-${p.cccd}` }]), keyB);
    expect(b!.status).toBe('held');
    expect(b!.issues[0]).toMatchObject({ category: 'SOURCE_CONFLICT', field: 'row 1, column patient.birthDate' });
    // Another facility sends a new name and address, same birth date: kept beside the first, not over it.
    const [c] = await send(doseCsv([{ p: { ...p, name: 'Võ Thị Hạnh Nguyên' }, id: `C-${p.cccd}`, extra: { patient_address: 'Tổ 5, phường Trần Phú' } }]), keyB);
    await waitForStatus(gw.pool, c!.key, ['linked']);
    const patient = await fhirRead(gw.url, portalKey, `Patient/${linked.personId}`);
    expect(patient.birthDate).toBe('1988-03-04');
    expect(patient.address.map((x: { text: string; use: string }) => `${x.use}:${x.text}`)).toEqual(['home:Tổ 5, phường Trần Phú', 'old:Thôn 1, xã Tịnh Khê']);
    const view = (await admin('get', `/api/persons/${linked.personId}`)).body;
    expect(view.sources).toHaveLength(2);
    const queue = (await admin('get', '/api/review').query({ status: 'held' })).body;
    const item = queue.items.find((i: { key: string }) => i.key === b!.key);
    expect(item.candidates[0]).toMatchObject({ personId: linked.personId, conflicts: ['birthDate'] });
  });

  it('no CCCD: BHYT finds the patient (linked); a doubtful one is held, then accepted; another rejected; another corrected with the right CCCD', async () => {
    const p = citizen('Đặng Văn Quang', '1975-06-07', 'male');
    const card = `GD4${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
    const [known] = await send(doseCsv([{ p, id: `K-${p.cccd}`, extra: { patient_bhyt: card } }]));
    const k = await waitForStatus(gw.pool, known!.key, ['linked']);
    const [byCard, doubtful, toReject, toCorrect] = await send(doseCsv([
      { p: { name: 'Dang Van Quang', birthDate: p.birthDate, gender: 'male' }, id: `N1-${p.cccd}`, extra: { patient_bhyt: card } },
      { p: { name: 'Dang Van Quang', birthDate: '1975-07-06', gender: 'male' }, id: `N2-${p.cccd}`, extra: { patient_bhyt: card } },
      { p: { name: 'DANG VAN QUANG', birthDate: '1975-07-06', gender: 'male' }, id: `N3-${p.cccd}`, extra: { patient_bhyt: card } },
      { p: { name: 'Đặng Văn Quang', birthDate: '1975-07-06', gender: 'male' }, id: `N4-${p.cccd}`, extra: { patient_bhyt: card } },
    ]));
    expect(byCard!.status).toBe('accepted');
    expect((await waitForStatus(gw.pool, byCard!.key, ['linked'])).personId).toBe(k.personId);
    for (const r of [doubtful, toReject, toCorrect]) expect(r).toMatchObject({ status: 'held', issues: [{ category: 'IDENTITY_REVIEW' }] });

    const held = await recordByKey(gw.pool, doubtful!.key);
    const item = (await admin('get', `/api/review/${held.id}`)).body;
    expect(item.candidates[0].personId).toBe(k.personId);
    expect(item.candidates[0].person.identifiers.some((i: { system: string }) => i.system === 'bhxh')).toBe(true);
    const accepted = await admin('post', `/api/review/${held.id}/accept`, { personId: k.personId });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
    expect((await waitForStatus(gw.pool, doubtful!.key, ['linked'])).personId).toBe(k.personId);

    const rej = await recordByKey(gw.pool, toReject!.key);
    const rejected = await admin('post', `/api/review/${rej.id}/reject`, { reason: 'thẻ BHYT mượn của người khác' });
    expect(rejected.body.status).toBe('rejected');
    expect((await recordByKey(gw.pool, toReject!.key)).category).toBe('IDENTITY_REVIEW');

    const cor = await recordByKey(gw.pool, toCorrect!.key);
    const brother = citizen('Đặng Văn Quang', '1975-07-06', 'male');
    const corrected = await admin('post', `/api/review/${cor.id}/correct`, { cccd: brother.cccd });
    expect(corrected.body.status).toBe('accepted');
    const c = await waitForStatus(gw.pool, toCorrect!.key, ['linked']);
    expect(c.personId).not.toBe(k.personId);
    // Every decision shows on the record: who, when, what.
    const shown = (await admin('get', `/api/review/${cor.id}`)).body;
    expect(shown.decisions).toEqual([expect.objectContaining({ action: 'correct', actor: expect.stringMatching(/^key:/), detail: expect.objectContaining({ corrections: { cccd: brother.cccd } }) })]);
    expect(Date.parse(shown.decisions[0].at)).toBeGreaterThan(0);
    expect((await admin('post', `/api/review/${cor.id}/accept`, { personId: k.personId })).status).toBe(409);
  });

  it('an infant under the mother is re-keyed when its own CCCD arrives: one Patient, every dose on it, the temporary one replaced-by it', async () => {
    const mother = citizen('Bùi Thị Mai', '1995-01-02', 'female');
    const child = citizen('Bùi Minh Khôi', '2026-09-15', 'male');
    const [under] = await send(doseCsv([{ p: { cccd: mother.cccd, name: 'CB Bùi Thị Mai', birthDate: child.birthDate, gender: 'male' }, id: `U-${child.cccd}`, date: '2026-09-16' }]));
    const temp = await waitForStatus(gw.pool, under!.key, ['linked']);
    const [own] = await send(doseCsv([{ p: child, id: `O-${child.cccd}`, date: '2026-11-15', extra: { mother_cccd: mother.cccd } }]), keyB);
    const real = await waitForStatus(gw.pool, own!.key, ['linked']);
    expect(real.personId).not.toBe(temp.personId);
    await waitForStatus(gw.pool, under!.key, ['linked']);
    const doses = await fhirRead(gw.url, portalKey, 'Immunization', { patient: `Patient/${real.personId}` });
    expect(doses.entry).toHaveLength(2);
    const old = await fhirRead(gw.url, portalKey, `Patient/${temp.personId}`);
    expect(old).toMatchObject({ active: false, link: [{ type: 'replaced-by', other: { reference: `Patient/${real.personId}` } }] });
    const merged = await fhirRead(gw.url, portalKey, `Patient/${real.personId}`);
    expect(merged.link).toEqual(expect.arrayContaining([{ type: 'replaces', other: { reference: `Patient/${temp.personId}` } }]));
    const provenance = await fhirRead(gw.url, portalKey, 'Provenance', { target: `Patient/${real.personId}` });
    expect(provenance.entry[0].resource.activity.text).toMatch(/rekey/);
    const stats = (await admin('get', '/api/stats/identity')).body;
    expect(stats.operations.rekey.operations).toBeGreaterThanOrEqual(1);
    expect(stats.personsCreated.infant).toBeGreaterThanOrEqual(1);
  });

  it('a delivery\'s birth certificate (XML9) becomes the child\'s own Patient; a later dose typed under the mother lands on it', async () => {
    const xml = await readFile(new URL('../golden/qd130/delivery-episode.xml', import.meta.url), 'utf8');
    const sent = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${adminKey}`).set('Content-Type', 'application/xml').send(xml);
    expect(sent.status).toBe(202);
    const mother = await waitForStatus(gw.pool, sent.body.records[0].key, ['linked']);
    const related = await fhirRead(gw.url, portalKey, 'RelatedPerson', { identifier: 'http://fhir.hl7.org.vn/core/sid/cccd|046196007315' });
    const infantRef = related.entry.map((e: { resource: { patient: { reference: string } } }) => e.resource.patient.reference)
      .find((ref: string) => ref !== `Patient/${mother.personId}`);
    const infant = await fhirRead(gw.url, portalKey, infantRef);
    expect(infant).toMatchObject({ name: [{ text: 'HOÀNG KHÁNH AN' }], gender: 'female', birthDate: '2025-01-14' });
    const key = await gw.key('facility', '46002');
    const [dose] = await send(doseCsv([{ p: { cccd: '046196007315', name: 'Con bà Linh', birthDate: '2025-01-14', gender: 'female' }, id: `BCG-${Date.now()}`, date: '2025-01-15' }]), key);
    expect((await waitForStatus(gw.pool, dose!.key, ['linked'])).personId).toBe(infantRef.slice('Patient/'.length));
  });

  it('a foreigner is keyed by passport (not verified); a CMND-only record finds the person who sent it before', async () => {
    const passport = `C${Math.floor(Math.random() * 1e7)}`;
    const [foreigner] = await send(doseCsv([{ p: { name: 'John Smith', birthDate: '1970-01-01', gender: 'male' }, id: `P-${passport}`, extra: { patient_passport: passport } }]));
    const f = await waitForStatus(gw.pool, foreigner!.key, ['linked']);
    const patient = await fhirRead(gw.url, portalKey, `Patient/${f.personId}`);
    expect(patient.identifier[0]).toMatchObject({ use: 'official', value: passport, type: { coding: [{ code: 'PPN' }] } });
    const p = citizen('Tô Văn Bảy', '1960-05-05', 'male');
    const cmnd = String(100_000_000 + Math.floor(Math.random() * 8e8));
    const [withBoth] = await send(doseCsv([{ p, id: `CM1-${cmnd}`, extra: { patient_cmnd: cmnd } }]));
    const known = await waitForStatus(gw.pool, withBoth!.key, ['linked']);
    const [cmndOnly] = await send(doseCsv([{ p: { name: 'To Van Bay', birthDate: p.birthDate, gender: 'male' }, id: `CM2-${cmnd}`, extra: { patient_cmnd: cmnd } }]));
    expect(cmndOnly!.status).toBe('accepted');
    expect((await waitForStatus(gw.pool, cmndOnly!.key, ['linked'])).personId).toBe(known.personId);
  });

  it('the README walk-through\'s identity sample: infant under the mother, a BHYT match, a held row', async () => {
    const key = await gw.key('facility', '51001');
    const csv = (name: string) => readFile(new URL(`../../samples/${name}`, import.meta.url), 'utf8');
    const first = await send(await csv('csv-51001-immunization.csv'), key);
    for (const r of first.filter((x) => x.status === 'accepted')) await waitForStatus(gw.pool, r.key, ['linked']);
    const rows = await send(await csv('csv-51001-identity.csv'), key) as Array<{ key: string; status: string; warnings?: Array<{ code: string }>; issues: Array<{ category: string }> }>;
    expect(rows.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'held']);
    expect(rows[1]!.warnings?.map((w) => w.code)).toContain('INFANT_UNDER_MOTHER_ID');
    expect(rows[2]!.warnings?.map((w) => w.code)).toContain('MATCHED_WITHOUT_CCCD');
    expect(rows[3]!.issues[0]!.category).toBe('IDENTITY_REVIEW');
  });

  it('a wrong CCCD corrected after linking: one audited move, the doses follow, Provenance on both Patients', async () => {
    const wrong = citizen('Lý Văn Tài', '1980-08-08', 'male');
    const right = citizen('Lý Văn Tài', '1980-08-08', 'male');
    const [r] = await send(doseCsv([{ p: wrong, id: `W-${wrong.cccd}` }]));
    const linked = await waitForStatus(gw.pool, r!.key, ['linked']);
    const moved = await admin('post', `/api/persons/${linked.personId}/move`, { to: { cccd: right.cccd }, reason: 'cơ sở nhập nhầm số CCCD' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ action: 'move', records: 1 });
    const after = await waitFor2(() => fhirRead(gw.url, portalKey, 'Immunization', { patient: `Patient/${moved.body.to}` }));
    expect(after.entry).toHaveLength(1);
    await waitFor2(() => fhirRead(gw.url, portalKey, 'Provenance', { target: `Patient/${linked.personId}` }));
    expect((await fhirRead(gw.url, portalKey, 'Immunization', { patient: `Patient/${linked.personId}` })).entry ?? []).toHaveLength(0);
    const provenance = await fhirRead(gw.url, portalKey, 'Provenance', { target: `Patient/${linked.personId}` });
    expect(provenance.entry[0].resource.agent[0].who.display).toMatch(/^key:/);
    const view = (await admin('get', `/api/persons/${moved.body.to}`)).body;
    expect(view.events[0]).toMatchObject({ action: 'move', reason: 'cơ sở nhập nhầm số CCCD' });
    // The wrong number stays with whoever holds it: a later record of the real holder is not sent to the corrected person.
    expect((await admin('get', `/api/persons/${linked.personId}`)).body.identifiers).toEqual([expect.objectContaining({ system: 'cccd', value: wrong.cccd })]);
  });

  it('two Patients of one person merged: the first is replaced-by the second and its doses follow', async () => {
    const a = citizen('Kiều Thị Nga', '1999-09-09', 'female');
    const b = citizen('Kiều Thị Nga', '1999-09-09', 'female');
    const [ra, rb] = await send(doseCsv([{ p: a, id: `MA-${a.cccd}` }, { p: b, id: `MB-${b.cccd}`, date: '2026-10-02' }]));
    const pa = await waitForStatus(gw.pool, ra!.key, ['linked']);
    const pb = await waitForStatus(gw.pool, rb!.key, ['linked']);
    const merged = await admin('post', `/api/persons/${pa.personId}/move`, { to: { personId: pb.personId }, merge: true, reason: 'hai hồ sơ một người' });
    expect(merged.body).toMatchObject({ action: 'merge', records: 1 });
    const doses = await waitFor2(async () => {
      const found = await fhirRead(gw.url, portalKey, 'Immunization', { patient: `Patient/${pb.personId}` });
      return (found.entry?.length ?? 0) >= 2 ? found : {};
    });
    expect(doses.entry).toHaveLength(2);
    const old = await fhirRead(gw.url, portalKey, `Patient/${pa.personId}`);
    expect(old).toMatchObject({ active: false, link: [{ type: 'replaced-by', other: { reference: `Patient/${pb.personId}` } }] });
  });
});

/** Poll a FHIR search until it finds something. */
async function waitFor2(search: () => Promise<{ entry?: unknown[] }>, timeoutMs = 20_000): Promise<{ entry: unknown[] }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const b = await search();
    if (b.entry?.length) return b as { entry: unknown[] };
    if (Date.now() > until) throw new Error('timed out waiting for the search to find resources');
    await new Promise((r) => setTimeout(r, 100));
  }
}

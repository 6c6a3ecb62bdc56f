/**
 * Hostile sender, envelope facility: a GIAMDINHHS envelope names exactly one facility, in
 * `THONGTINDONVI/MACSKCB`, before its first HOSO. Two of them (the last one used to win the
 * facility-authorisation check), none, one arriving after the episodes or one in another place are
 * refused with 400 naming MACSKCB; answers quote at most a few dozen characters of a sender's value.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startTestGateway, uniqueFacility } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('envelope facility (THONGTINDONVI/MACSKCB)', () => {
  let gw: Gateway;
  let facility: string;
  let other: string;
  let facilityKey: string;
  let adminKey: string;
  const seed = Math.floor(Math.random() * 1e9);

  beforeAll(async () => {
    gw = await startTestGateway();
    facility = uniqueFacility();
    other = facility === '46555' ? '46556' : '46555';
    facilityKey = await gw.key('facility', facility);
    adminKey = await gw.key('admin');
  });
  afterAll(async () => gw?.stop());

  /** A valid envelope of `facility` with one episode; `edit` rewrites its XML text. */
  const body = (edit: (xml: string) => string = (x) => x, n = 0) => edit(envelope(facility, [[['XML1', xml1Document(makeXml1(facility, `LK-ENVF-${seed}-${n}`, seed + n))]]]));
  const post = (xml: string, key = facilityKey) => request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/xml').send(xml);
  const macskcb = (code: string) => `<MACSKCB>${code}</MACSKCB>`;
  const submissions = async () => Number((await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n);

  /** Expect a 400 OperationOutcome whose expression names MACSKCB and that stored nothing. */
  async function expectRefused(xml: string, message: RegExp, key = facilityKey) {
    const before = await submissions();
    const res = await post(xml, key);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression.join(' ')).toMatch(/MACSKCB/);
    expect(res.body.issue[0].diagnostics).toMatch(message);
    expect(await submissions()).toBe(before);
    return res;
  }

  it('accepts the ordinary envelope (one MACSKCB, the key\'s own)', async () => {
    const res = await post(body());
    expect(res.status).toBe(202);
    expect(res.body.facility).toBe(facility);
  });

  it('refuses two MACSKCB: another facility\'s code slipped in before the key\'s own', async () => {
    await expectRefused(body((x) => x.replace(macskcb(facility), macskcb(other) + macskcb(facility)), 1), /more than one MACSKCB/);
  });

  it('refuses two MACSKCB in two THONGTINDONVI, even when both are the same code, for an admin key too', async () => {
    const twice = (x: string) => x.replace('</THONGTINDONVI>', `</THONGTINDONVI><THONGTINDONVI>${macskcb(facility)}</THONGTINDONVI>`);
    await expectRefused(body(twice, 2), /more than one MACSKCB/, adminKey);
  });

  it('refuses an envelope with no MACSKCB (its owner could not read the submission back)', async () => {
    await expectRefused(body((x) => x.replace(macskcb(facility), ''), 3), /no MACSKCB|names no facility/, adminKey);
    await expectRefused(body((x) => x.replace(/<THONGTINDONVI>.*<\/THONGTINDONVI>/, ''), 4), /no MACSKCB|names no facility/);
  });

  it('refuses a MACSKCB that only comes after the episodes', async () => {
    const late = (x: string) => x.replace(/<THONGTINDONVI>.*<\/THONGTINDONVI>/, '').replace('<CHUKYDONVI>', `<THONGTINDONVI>${macskcb(facility)}</THONGTINDONVI><CHUKYDONVI>`);
    await expectRefused(body(late, 5), /before the first HOSO/);
  });

  it('refuses a MACSKCB outside GIAMDINHHS/THONGTINDONVI', async () => {
    await expectRefused(body((x) => x.replace('<THONGTINHOSO>', `<THONGTINHOSO>${macskcb(other)}`), 6), /THONGTINDONVI/);
  });

  it('refuses an empty or malformed MACSKCB, quoting at most a few dozen characters of it', async () => {
    await expectRefused(body((x) => x.replace(macskcb(facility), '<MACSKCB/>'), 7), /MACSKCB/);
    const huge = `${other}${'9'.repeat(4000)}`;
    const res = await expectRefused(body((x) => x.replace(macskcb(facility), macskcb(huge)), 8), /5-character facility code/);
    expect(res.text.length).toBeLessThan(600);
    expect(res.text).not.toContain('9'.repeat(60));
  });

  it('403 for another facility\'s MACSKCB names both codes, and only they', async () => {
    const res = await post(body((x) => x.replace(macskcb(facility), macskcb(other)), 9));
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toContain(other);
    expect(res.body.issue[0].diagnostics).toContain(facility);
    expect(res.text.length).toBeLessThan(600);
  });
});

/**
 * A record refused as FACILITY_MISMATCH (facility A's key sends an episode whose MA_CSKCB is B's) is
 * counted under A, the facility that sent it, never under B, the facility it claims: B's statistics do
 * not change and A's show one rejected FACILITY_MISMATCH. The claimed code stays visible in the issue.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startTestGateway } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

/** Two facility codes no other test uses (province 51, Quảng Ngãi). */
const pair = () => {
  const n = Math.floor(Math.random() * 499) * 2;
  return [`51${String(n).padStart(3, '0')}`, `51${String(n + 1).padStart(3, '0')}`] as const;
};

describe('FACILITY_MISMATCH is counted under the sender', () => {
  let gw: Gateway;
  let adminKey: string;
  const [a, b] = pair();
  let keyA: string;
  const seed = Math.floor(Math.random() * 1e9);

  beforeAll(async () => {
    gw = await startTestGateway();
    adminKey = await gw.key('admin');
    keyA = await gw.key('facility', a);
  });
  afterAll(async () => gw?.stop());

  const stats = async (facility: string) => {
    const res = await request(gw.url).get('/api/stats/facilities').query({ facility }).set('Authorization', `Bearer ${adminKey}`).expect(200);
    return res.body.facilities.find((f: { facility: string }) => f.facility === facility) ?? { received: 0, rejected: 0, categories: {} };
  };
  const send = (claimed: string, maLk: string) => request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${keyA}`).set('Content-Type', 'application/xml')
    .send(envelope(a, [[['XML1', xml1Document(makeXml1(claimed, maLk, seed))]]]));

  it("A's key sending B's episode: B's statistics unchanged, A's show one rejected FACILITY_MISMATCH", async () => {
    const beforeA = await stats(a);
    const beforeB = await stats(b);
    const res = await send(b, `LK-MISMATCH-${seed}`);
    expect(res.status).toBe(202);
    expect(res.body.records).toHaveLength(1);
    expect(res.body.records[0]).toMatchObject({ status: 'rejected', issues: [{ category: 'FACILITY_MISMATCH', field: 'MA_CSKCB' }] });
    expect(res.body.records[0].issues[0].message).toContain(b); // the admin sees what was claimed

    expect(await stats(b)).toEqual(beforeB);
    const afterA = await stats(a);
    expect(afterA.received).toBe(beforeA.received + 1);
    expect(afterA.rejected).toBe(beforeA.rejected + 1);
    expect(afterA.categories.FACILITY_MISMATCH ?? 0).toBe((beforeA.categories.FACILITY_MISMATCH ?? 0) + 1);

    const view = await request(gw.url).get(`/api/submissions/${res.body.submissionId}`).set('Authorization', `Bearer ${keyA}`).expect(200);
    expect(JSON.stringify(view.body)).toContain(`"facility":"${a}"`);
  });

  it('an absurd claimed MA_CSKCB is counted under A too and quoted only in part', async () => {
    const beforeA = await stats(a);
    const res = await send(`${b}${'7'.repeat(20_000)}`, `LK-MISMATCH2-${seed}`);
    expect(res.status).toBe(202);
    expect(res.body.records[0].issues[0].category).toBe('FACILITY_MISMATCH');
    for (const issue of res.body.records[0].issues) expect(issue.message.length).toBeLessThan(300);
    const afterA = await stats(a);
    expect(afterA.categories.FACILITY_MISMATCH ?? 0).toBe((beforeA.categories.FACILITY_MISMATCH ?? 0) + 1);
  });
});

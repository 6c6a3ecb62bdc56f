/**
 * HL7 v2 over MLLP on a real socket (real PostgreSQL + Redis): a frame split across writes is
 * stored before its ACK, stray bytes and an oversized frame are answered AR and the connection goes
 * on, another facility's message is refused on a port bound to one facility, and an idle connection
 * is closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame } from '../../gateway/mllp/framer.js';
import { a04Message, mllpClient as client, msa } from '../helpers/mllp-client.js';
import { startTestGateway, uniqueFacility } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const SEED = Math.floor(Math.random() * 1e9);

describe('HL7 v2 over MLLP (real socket)', () => {
  let gw: Gateway;
  let facility: string;

  beforeAll(async () => {
    facility = uniqueFacility();
    gw = await startTestGateway({ MLLP_PORT: '0', MLLP_FACILITY: facility, MLLP_MAX_FRAME_BYTES: '4096', MLLP_IDLE_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => gw?.stop());

  const adt = (control: string, fromFacility = facility) => a04Message(fromFacility, control, SEED + control.length);


  it('stores a frame split across writes before answering it with its ACK', async () => {
    const c = await client(gw.mllpPort!);
    const control = `M1-${SEED}`;
    const bytes = frame(adt(control));
    for (const piece of [bytes.subarray(0, 7), bytes.subarray(7, 60), bytes.subarray(60)]) {
      c.socket.write(piece);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ack = await c.next();
    expect(msa(ack)).toEqual([['AA', control]]);
    expect(ack.split('\r')[0]!.split('|')[8]).toBe('ACK^A04^ACK');
    // The ACK came after the commit: the record is already there.
    const rows = await gw.pool.query('SELECT status FROM records WHERE facility = $1 AND record_key = $2', [facility, control]);
    expect(rows.rowCount).toBe(1);
    c.socket.destroy();
  });

  it('answers stray bytes and an oversized frame with AR and goes on reading the connection', async () => {
    const c = await client(gw.mllpPort!);
    c.socket.write('GET / HTTP/1.1\r\n\r\n');
    expect(msa(await c.next())).toEqual([['AR', '']]);
    c.socket.write(frame(`MSH|^~\\&|${'x'.repeat(5000)}`));
    const tooBig = await c.next();
    expect(msa(tooBig)).toEqual([['AR', '']]);
    expect(tooBig).toMatch(/MLLP_MAX_FRAME_BYTES/);
    const control = `M2-${SEED}`;
    c.socket.write(frame(adt(control)));
    expect(msa(await c.next())).toEqual([['AA', control]]);
    c.socket.destroy();
  });

  it('refuses another facility\'s message on a port bound to one facility, storing nothing', async () => {
    const c = await client(gw.mllpPort!);
    const other = facility === '46999' ? '46998' : '46999';
    const control = `M3-${SEED}`;
    c.socket.write(frame(adt(control, other)));
    const ack = await c.next();
    expect(msa(ack)).toEqual([['AR', '']]);
    expect(ack).toMatch(/ERR\|\|MSH\^1\^4\|/);
    const rows = await gw.pool.query('SELECT 1 FROM records WHERE record_key = $1', [control]);
    expect(rows.rowCount).toBe(0);
    // The same refusal when it arrives between two good frames in one write (committed apart from them).
    c.socket.write(Buffer.concat([frame(adt(`M3a-${SEED}`)), frame(adt(`M3b-${SEED}`, other)), frame(adt(`M3c-${SEED}`))]));
    expect([...msa(await c.next()), ...msa(await c.next()), ...msa(await c.next())]).toEqual([['AA', `M3a-${SEED}`], ['AR', ''], ['AA', `M3c-${SEED}`]]);
    c.socket.destroy();
  });

  it('a frame holding two messages (a sender that dropped FS CR) is read once: each message stored exactly once', async () => {
    const c = await client(gw.mllpPort!);
    const [a, b, d] = ['DA', 'DB', 'DC'].map((k) => `${k}-${SEED}`);
    // VT A VT B FS CR, then VT C FS CR, in one write.
    c.socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(adt(a!)), frame(adt(b!)), frame(adt(d!))]));
    const acks = [...msa(await c.next()), ...msa(await c.next())];
    expect(acks.map(([code]) => code)).toEqual(['AA', 'AA', 'AA']);
    const rows = await gw.pool.query('SELECT record_key, count(*)::int AS n FROM records WHERE facility = $1 AND record_key = ANY($2) GROUP BY record_key ORDER BY 1', [facility, [a, b, d]]);
    expect(rows.rows).toEqual([{ record_key: a, n: 1 }, { record_key: b, n: 1 }, { record_key: d, n: 1 }]);
    c.socket.destroy();
  });

  it('closes a connection that stays idle longer than MLLP_IDLE_TIMEOUT_MS', async () => {
    const c = await client(gw.mllpPort!);
    const t0 = Date.now();
    await c.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });
});

/**
 * MLLP under volume on real sockets (real PostgreSQL + Redis): 1,000 messages pipelined on 3
 * connections get 1,000 ACKs in order, with garbage between frames answered AR and skipped; every
 * accepted message ends in the FHIR store; a connection cut mid-frame loses nothing it was ACKed for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame } from '../../gateway/mllp/framer.js';
import { startTestGateway, uniqueFacility, waitFor } from '../helpers/gateway.js';
import { a04Message, mllpClient, msa } from '../helpers/mllp-client.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const SEED = Math.floor(Math.random() * 1e9);
const PER_CONNECTION = [334, 333, 333];

describe('MLLP: 1,000 messages on 3 connections (real sockets)', () => {
  let gw: Gateway;
  let facility: string;
  beforeAll(async () => {
    facility = uniqueFacility();
    gw = await startTestGateway({ MLLP_PORT: '0', MLLP_FACILITY: facility, MLLP_IDLE_TIMEOUT_MS: '30000' });
  });
  afterAll(async () => gw?.stop());

  /** An ADT^A04 of a distinct synthetic person (valid CCCD), one visit each. */
  const a04 = (control: string, seed: number) => a04Message(facility, control, seed);
  const linkedCount = async (keys: string[]) =>
    Number((await gw.pool.query(`SELECT count(*) FROM records WHERE facility = $1 AND record_key = ANY($2) AND status = 'linked'`, [facility, keys])).rows[0].count);

  it('answers every message in order on each connection, and every one is linked into the FHIR store', async () => {
    const clients = await Promise.all(PER_CONNECTION.map(() => mllpClient(gw.mllpPort!, 120_000)));
    const controls = PER_CONNECTION.map((n, c) => Array.from({ length: n }, (_, i) => `V${c}-${i}-${SEED}`));
    // Everything is written at once (pipelined); connection 2 also carries garbage between two frames.
    clients.forEach((client, c) => {
      const frames = controls[c]!.map((control, i) => frame(a04(control, SEED + c * 1000 + i)));
      if (c === 2) frames.splice(100, 0, Buffer.from('\x00\x00GARBAGE\r\n'));
      client.socket.write(Buffer.concat(frames));
    });
    const answers = await Promise.all(clients.map(async (client, c) => {
      const expected = controls[c]!.length + (c === 2 ? 1 : 0);
      const acks: string[][] = [];
      for (let i = 0; i < expected; i++) acks.push(...msa(await client.next()));
      return acks;
    }));
    expect(answers[0]).toEqual(controls[0]!.map((control) => ['AA', control]));
    expect(answers[1]).toEqual(controls[1]!.map((control) => ['AA', control]));
    const third = controls[2]!.map((control) => ['AA', control]);
    third.splice(100, 0, ['AR', '']);
    expect(answers[2]).toEqual(third);
    for (const client of clients) client.socket.destroy();

    const keys = controls.flat();
    expect(keys).toHaveLength(1000);
    await waitFor(async () => (await linkedCount(keys)) === 1000, 150_000, '1,000 records linked');
    const { rows } = await gw.pool.query(
      `SELECT count(DISTINCT f.id)::int AS n
         FROM records r, json_array_elements(r.resources) e, fhir_resources f
        WHERE r.facility = $1 AND r.record_key = ANY($2) AND e->>'resourceType' = 'Encounter'
          AND f.resource_type = 'Encounter' AND f.id = e->>'id' AND NOT f.deleted`,
      [facility, keys],
    );
    expect(rows[0].n).toBe(1000);
  }, 240_000);

  it('a connection cut mid-frame keeps every message it was ACKed for, and the listener goes on', async () => {
    const client = await mllpClient(gw.mllpPort!);
    const controls = Array.from({ length: 5 }, (_, i) => `CUT${i}-${SEED}`);
    const half = frame(a04(`CUT-HALF-${SEED}`, SEED + 9000));
    client.socket.write(Buffer.concat([...controls.map((control, i) => frame(a04(control, SEED + 8000 + i))), half.subarray(0, half.length >> 1)]));
    const acked: string[] = [];
    for (let i = 0; i < controls.length; i++) acked.push(...msa(await client.next()).map(([, id]) => id!));
    client.socket.destroy();
    expect(acked).toEqual(controls);
    const stored = await gw.pool.query('SELECT record_key FROM records WHERE facility = $1 AND record_key LIKE $2 ORDER BY record_key', [facility, `CUT%-${SEED}`]);
    expect(stored.rows.map((r) => r.record_key)).toEqual([...controls].sort());

    const after = await mllpClient(gw.mllpPort!);
    after.socket.write(frame(a04(`AFTER-${SEED}`, SEED + 9100)));
    expect(msa(await after.next())).toEqual([['AA', `AFTER-${SEED}`]]);
    after.socket.destroy();
  });
});

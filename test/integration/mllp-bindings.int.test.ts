/**
 * MLLP has no authentication, so a listener is bound to facilities in configuration (real sockets,
 * real PostgreSQL + Redis): a facility per source address (MLLP_SOURCES), an address bound to none
 * closed at once, and more ports each bound to one facility (MLLP_PORTS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/bench-child.js';
import { frame } from '../../gateway/mllp/framer.js';
import { startTestGateway, uniqueFacility } from '../helpers/gateway.js';
import { a04Message, mllpClient, msa } from '../helpers/mllp-client.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const SEED = Math.floor(Math.random() * 1e9);

const a04 = (facility: string, control: string) => a04Message(facility, control, SEED + control.length);

describe('MLLP bindings: per source address and per port', () => {
  const [f1, f2] = [uniqueFacility(), uniqueFacility()];
  let bySource: Gateway, elsewhere: Gateway;
  let extraPort: number;
  beforeAll(async () => {
    extraPort = await freePort();
    bySource = await startTestGateway({ MLLP_PORT: '0', MLLP_SOURCES: `127.0.0.1=${f1}`, MLLP_PORTS: `${extraPort}=${f2}` });
    elsewhere = await startTestGateway({ MLLP_PORT: '0', MLLP_SOURCES: `10.255.255.1=${f1}` });
  });
  afterAll(async () => {
    await bySource?.stop();
    await elsewhere?.stop();
  });

  it('a connection takes its source address\'s facility: that facility is accepted, another refused', async () => {
    const c = await mllpClient(bySource.mllpPort!);
    c.socket.write(Buffer.concat([frame(a04(f1, `S1-${SEED}`)), frame(a04(f2, `S2-${SEED}`))]));
    expect([...msa(await c.next()), ...msa(await c.next())]).toEqual([['AA', `S1-${SEED}`], ['AR', '']]);
    c.socket.destroy();
    const rows = await bySource.pool.query('SELECT facility, record_key FROM records WHERE record_key = ANY($1)', [[`S1-${SEED}`, `S2-${SEED}`]]);
    expect(rows.rows).toEqual([{ facility: f1, record_key: `S1-${SEED}` }]);
  });

  it('an address bound to no facility is closed without a byte', async () => {
    const c = await mllpClient(elsewhere.mllpPort!);
    let received = 0;
    c.socket.on('data', (d: Buffer) => { received += d.length; });
    c.socket.write(frame(a04(f1, `S3-${SEED}`)));
    await c.closed;
    expect(received).toBe(0);
    expect((await elsewhere.pool.query('SELECT 1 FROM records WHERE record_key = $1', [`S3-${SEED}`])).rowCount).toBe(0);
  });

  it('MLLP_PORTS opens another listener bound to its own facility', async () => {
    expect(bySource.mllpPorts).toEqual([bySource.mllpPort, extraPort]);
    const c = await mllpClient(extraPort);
    c.socket.write(Buffer.concat([frame(a04(f2, `P1-${SEED}`)), frame(a04(f1, `P2-${SEED}`))]));
    expect([...msa(await c.next()), ...msa(await c.next())]).toEqual([['AA', `P1-${SEED}`], ['AR', '']]);
    c.socket.destroy();
  });
});

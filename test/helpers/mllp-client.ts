import { connect, type Socket } from 'node:net';
import { MllpFramer } from '../../gateway/mllp/framer.js';
import { makeXml1 } from '../../scripts/lib/qd130-synthetic.js';

/** An MLLP test client on a real socket that hands out whole ACK frames in order. */
export async function mllpClient(port: number, timeoutMs = 10_000): Promise<{ socket: Socket; next: () => Promise<string>; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const framer = new MllpFramer(1 << 20);
  const frames: string[] = [];
  const waiting: Array<(s: string) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    for (const e of framer.push(chunk)) if (e.kind === 'frame') (waiting.shift() ?? ((s: string) => frames.push(s)))(e.payload.toString('utf8'));
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const next = () => {
    const ready = frames.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      setTimeout(() => reject(new Error(`no ACK within ${timeoutMs / 1000} s`)), timeoutMs).unref();
    });
  };
  return { socket, next, closed };
}

/** MSA-1 and MSA-2 of each MSA segment of an ACK. */
export const msa = (ack: string) => ack.split('\r').filter((s) => s.startsWith('MSA|')).map((s) => s.split('|').slice(1, 3));

/**
 * An ADT^A04 (HL7 v2.5.1) of a synthetic person of `facility` with a valid CCCD: MSH-10 `control`,
 * PV1-19 `V-<control>`; `seed` picks the person (makeXml1).
 */
export function a04Message(facility: string, control: string, seed: number): string {
  const x = makeXml1(facility, control, seed);
  const [family, ...rest] = x.HO_TEN!.split(' ');
  return [
    `MSH|^~\\&|HIS|${facility}|GATEWAY|SYT|20260115083000||ADT^A04^ADT_A01|${control}|P|2.5.1`,
    `PID|1||${x.SO_CCCD}^^^BCA^NI||${family}^${rest.join(' ')}||${x.NGAY_SINH!.slice(0, 8)}|${x.GIOI_TINH === '2' ? 'F' : 'M'}`,
    `PV1|1|O${'|'.repeat(17)}V-${control}`,
  ].join('\r') + '\r';
}

/**
 * The benchmark's MLLP side: one connection per submission, every frame written at once
 * (pipelined, as an interface engine sends a backlog), then one ACK read per message.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { MllpFramer } from '../../gateway/mllp/framer.js';
import type { BenchFormat } from './bench-formats.js';
import type { BenchEnvelope } from './bench-workload.js';

/** Send a body of MLLP frames to 127.0.0.1:`port` and wait for `envelope.episodes` ACKs; counts them with the format. */
export function sendOverMllp(port: number, envelope: BenchEnvelope, format: BenchFormat): Promise<{ ms: number; accepted: number; rejected: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const framer = new MllpFramer(1 << 20);
    const acks: string[] = [];
    const timer = setTimeout(() => fail(new Error(`MLLP: ${acks.length} of ${envelope.episodes} ACKs within 300 s`)), 300_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('connect', () => socket.write(envelope.body));
    socket.on('data', (chunk: Buffer) => {
      for (const e of framer.push(chunk)) if (e.kind === 'frame') acks.push(`\r${e.payload.toString('utf8')}`);
      if (acks.length < envelope.episodes) return;
      clearTimeout(timer);
      socket.end();
      resolve({ ms: performance.now() - t0, ...format.count(acks.join('')) });
    });
  });
}

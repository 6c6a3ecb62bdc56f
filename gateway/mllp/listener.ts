import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FormatMapper } from '../../mappers/contract.js';
import { hl7v2Format, ER7_CONTENT_TYPE } from '../../mappers/hl7v2/index.js';
import { isMappingError } from '../../mappers/errors.js';
import { ingest, type IngestDeps } from '../../pipeline/ingest.pipeline.js';
import { frame, MllpFramer, type MllpEvent } from './framer.js';

/** One MLLP listener: its port and the facility it is bound to (null: DEMO, any facility). */
export interface MllpListenerConfig {
  port: number;
  host: string;
  /** Every message on this port must come from this MSH-4 facility; null accepts any (DEMO only). */
  facility: string | null;
  /** Largest frame (MLLP_MAX_FRAME_BYTES); a larger one is discarded and answered AR. */
  maxFrameBytes: number;
  /** A connection silent this long is closed (MLLP_IDLE_TIMEOUT_MS). */
  idleTimeoutMs: number;
}

/** A running listener. */
export interface MllpListener {
  port: number;
  close(): Promise<void>;
}

let connectionSeq = 0;

/**
 * HL7 v2 over MLLP: each frame goes through the same `ingest()` as `POST /ingest/hl7v2` and is
 * answered with its ACKs in one frame, only after the submission is committed. Frames of one
 * connection are handled one at a time, in order (the socket is paused meanwhile, so a fast sender
 * cannot queue unbounded work). Stray bytes and oversized frames are answered with one AR.
 */
export async function startMllpListener(config: MllpListenerConfig, deps: IngestDeps, format: FormatMapper<unknown> = hl7v2Format as FormatMapper<unknown>): Promise<MllpListener> {
  const answer = format.answer!;
  const sockets = new Set<Socket>();
  const idBase = () => `M${process.pid.toString(36)}${(++connectionSeq).toString(36)}`.toUpperCase().slice(0, 14);
  const refuse = (socket: Socket, message: string, location = 'MSH') => {
    socket.write(frame(answer.renderUnreadable({ message, location }, { now: new Date(), idBase: idBase() })));
  };

  const handle = async (socket: Socket, event: MllpEvent) => {
    if (event.kind === 'garbage') return refuse(socket, `${event.bytes} bytes outside an MLLP frame (0x0B … 0x1C 0x0D) were skipped`);
    if (event.kind === 'oversize') return refuse(socket, `an MLLP frame of ${event.bytes} bytes is larger than MLLP_MAX_FRAME_BYTES (${config.maxFrameBytes}); it was not read`);
    try {
      const result = await ingest(format, Readable.from([event.payload]), 'identity', { clientId: null, facility: config.facility, contentType: ER7_CONTENT_TYPE }, deps);
      const records = result.records.map((outcome, i) => ({ outcome, reply: result.replies?.[i] }));
      socket.write(frame(answer.render(records, { now: new Date(), idBase: idBase() })));
      deps.log.info({ port: config.port, submission: result.submissionId, messages: records.length }, 'mllp frame stored');
    } catch (err) {
      if (isMappingError(err)) return refuse(socket, err.message, err.location);
      const status = (err as { status?: number }).status;
      // 403: the frame is another facility's; anything else: not stored, the sender should resend.
      if (status === 403) return refuse(socket, (err as Error).message, 'MSH-4');
      deps.log.error({ port: config.port, err: (err as Error).message }, 'mllp frame not stored');
      return refuse(socket, 'the message could not be stored; send it again', 'MSH-10');
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const framer = new MllpFramer(config.maxFrameBytes);
    socket.setTimeout(config.idleTimeoutMs, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      socket.pause();
      void (async () => {
        for (const event of framer.push(chunk)) {
          if (socket.destroyed) return;
          await handle(socket, event);
        }
        if (!socket.destroyed) socket.resume();
      })();
    });
    socket.on('end', () => {
      for (const event of framer.end()) if (event.kind === 'garbage' && !socket.destroyed) void handle(socket, event);
      socket.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : config.port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

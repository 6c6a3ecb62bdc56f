import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FormatMapper } from '../../mappers/contract.js';
import { hl7v2Format, ER7_CONTENT_TYPE } from '../../mappers/hl7v2/index.js';
import { isMappingError } from '../../mappers/errors.js';
import { ingest, type IngestDeps } from '../../pipeline/ingest.pipeline.js';
import { separatorsOf } from '../../mappers/hl7v2/er7.js';
import { BATCH_SEGMENTS, SEGMENT_END as SEGMENT_ENDS } from '../../mappers/hl7v2/reader.js';
import { normalizeAddress } from './config.js';
import { frame, MllpFramer, type MllpEvent } from './framer.js';

/** One MLLP listener: its port and the facility it is bound to (null: DEMO, any facility). */
export interface MllpListenerConfig {
  port: number;
  host: string;
  /** Every message on this port must come from this MSH-4 facility; null accepts any (DEMO only, or with `sources`). */
  facility: string | null;
  /** The facility of each source address allowed to connect (MLLP_SOURCES); other addresses are closed at once. */
  sources?: Readonly<Record<string, string>> | null;
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
/** Who submits over one connection: no key; the port's or the source address's facility. */
type MllpCaller = { clientId: null; facility: string | null; contentType: string };
/** Frames committed together at most (group commit of frames that arrived in one read). */
const MAX_GROUP_FRAMES = 200;
const SEGMENT_END = Buffer.from('\r');

/**
 * The group a frame may be committed with: its sending facility (MSH-4.1) when the frame is exactly
 * one HL7 message as the HL7 v2 reader splits a body (segments end at CR, LF, 0x0B or 0x1C; a message
 * starts at every MSH, HL7 v2.5.1 §2.5), its MSH-1/MSH-2 separators are readable, and it comes from a
 * facility this port takes; null when it must be handled alone (a batch, stray text, unreadable
 * separators, another facility's message), so it is answered exactly as when it arrives by itself.
 */
export function groupKeyOf(payload: Buffer, boundFacility: string | null): string | null {
  if (payload.length < 8 || payload.toString('latin1', 0, 3) !== 'MSH') return null;
  const lines = payload.toString('latin1').split(SEGMENT_ENDS);
  const first = lines[0]!;
  if (lines.slice(1).some((l) => l.startsWith('MSH') || BATCH_SEGMENTS.has(l.slice(0, 3)))) return null;
  const seps = separatorsOf(first);
  if (!seps) return null;
  const facility = (first.split(seps.field)[3] ?? '').split(seps.component)[0]!;
  if (!/^[0-9A-Za-z]{5}$/.test(facility) || (boundFacility !== null && facility !== boundFacility)) return null;
  return facility;
}

/**
 * HL7 v2 over MLLP: each frame goes through the same `ingest()` as `POST /ingest/hl7v2` and is
 * answered with its ACKs in one frame, only after the submission is committed (single-message frames
 * that arrive together are committed as one submission, each still answered in its own frame). Frames of one
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

  /** The facility a connection submits for: the port's, or its source address's (undefined: refused). */
  const facilityOf = (socket: Socket): string | null | undefined =>
    (config.sources ? config.sources[normalizeAddress(socket.remoteAddress ?? '')] : config.facility);
  /**
   * Group commit: frames that arrived together and each hold exactly one message go through one
   * `ingest()` (one transaction, one submission), and each still gets its own ACK frame, in order,
   * after the commit. If the group is refused as a whole (another facility's message, a store
   * error) nothing of it was committed, and its frames are taken one at a time instead.
   */
  const handleGroup = async (socket: Socket, caller: MllpCaller, frames: Buffer[]) => {
    if (frames.length === 1) return handle(socket, caller, { kind: 'frame', payload: frames[0]! });
    let result;
    try {
      // The count is checked inside the transaction: a group read as another number of messages is
      // rolled back, never stored and then stored again frame by frame.
      const body = Readable.from([Buffer.concat(frames.flatMap((f) => [f, SEGMENT_END]))]);
      result = await ingest(format, body, 'identity', { ...caller, expectItems: frames.length }, deps);
    } catch {
      result = undefined;
    }
    if (!result) {
      for (const payload of frames) if (!socket.destroyed) await handle(socket, caller, { kind: 'frame', payload });
      return;
    }
    const now = new Date();
    socket.write(Buffer.concat(result.records.map((outcome, i) => frame(answer.render([{ outcome, reply: result.replies?.[i] }], { now, idBase: idBase() })))));
    deps.log.info({ port: config.port, submission: result.submissionId, messages: frames.length }, 'mllp frames stored');
  };

  const handle = async (socket: Socket, caller: MllpCaller, event: MllpEvent) => {
    if (event.kind === 'garbage') return refuse(socket, `${event.bytes} bytes outside an MLLP frame (0x0B … 0x1C 0x0D) were skipped`);
    if (event.kind === 'oversize') return refuse(socket, `an MLLP frame of ${event.bytes} bytes is larger than MLLP_MAX_FRAME_BYTES (${config.maxFrameBytes}); it was not read`);
    try {
      const result = await ingest(format, Readable.from([event.payload]), 'identity', caller, deps);
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
    const facility = facilityOf(socket);
    if (facility === undefined) {
      // MLLP has no authentication: an address not bound to a facility (MLLP_SOURCES) is not served at all.
      deps.log.warn({ port: config.port, address: socket.remoteAddress }, 'mllp connection from an address bound to no facility refused');
      socket.destroy();
      return;
    }
    const caller: MllpCaller = { clientId: null, facility, contentType: ER7_CONTENT_TYPE };
    sockets.add(socket);
    const framer = new MllpFramer(config.maxFrameBytes);
    socket.setTimeout(config.idleTimeoutMs, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      socket.pause();
      void (async () => {
        let group: Buffer[] = [];
        let groupKey: string | null = null;
        const flush = async () => {
          if (group.length && !socket.destroyed) await handleGroup(socket, caller, group);
          group = [];
        };
        for (const event of framer.push(chunk)) {
          if (socket.destroyed) return;
          const key = event.kind === 'frame' ? groupKeyOf(event.payload, facility) : null;
          if (key === null || key !== groupKey || group.length >= MAX_GROUP_FRAMES) await flush();
          groupKey = key;
          if (key !== null && event.kind === 'frame') group.push(event.payload);
          else await handle(socket, caller, event);
        }
        await flush();
        if (!socket.destroyed) socket.resume();
      })();
    });
    socket.on('end', () => {
      for (const event of framer.end()) if (event.kind === 'garbage' && !socket.destroyed) void handle(socket, caller, event);
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

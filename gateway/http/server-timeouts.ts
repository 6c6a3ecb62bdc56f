import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { operationOutcome } from '../../errors/outcome.js';

/** Timeouts of the HTTP server (the Config fields of the same names). */
export interface ServerTimeouts {
  /** Time to send the request headers (node http `headersTimeout`). */
  headersTimeoutMs: number;
  /** Time to send the whole request, body included (node http `requestTimeout`; also enforced per upload below). */
  requestTimeoutMs: number;
  /** A request body that stops arriving for this long is cut. */
  idleTimeoutMs: number;
  /** Idle keep-alive connections between requests (node http `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /** An upload slower than this, averaged over `minUploadRateWindowMs`, is cut; 0 = off. */
  minUploadBytesPerSecond: number;
  minUploadRateWindowMs: number;
}

/** How long after the 408 is written the connection is destroyed (so the client can still read it). */
const CUT_GRACE_MS = 200;

/**
 * Options for `http.createServer(options, app)`, for a runtime that creates its server itself; node
 * checks `headersTimeout`/`requestTimeout` only every `connectionsCheckingInterval` (30 s by default).
 */
export function httpServerOptions(t: ServerTimeouts): ServerOptions {
  return {
    requestTimeout: t.requestTimeoutMs,
    headersTimeout: Math.min(t.headersTimeoutMs, t.requestTimeoutMs),
    keepAliveTimeout: t.keepAliveTimeoutMs,
    connectionsCheckingInterval: checkingInterval(t),
  };
}

/**
 * Apply the timeouts to a node http.Server and cut slow or stalled request bodies with 408
 * (RFC 9110 §15.5.9) so a client trickling bytes cannot hold a connection, memory or a database
 * transaction for long. Call it before the server starts listening for the checking interval to apply.
 * `server.timeout` (socket inactivity) stays 0: a response that takes long to compute must not lose its
 * socket; inactivity is checked only while a request body is being received.
 */
export function applyServerTimeouts(server: Server, t: ServerTimeouts): void {
  server.requestTimeout = t.requestTimeoutMs;
  server.headersTimeout = Math.min(t.headersTimeoutMs, t.requestTimeoutMs);
  server.keepAliveTimeout = t.keepAliveTimeoutMs;
  server.timeout = 0;
  // Read by node when the server starts listening (not in @types/node).
  if (!server.listening) (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = checkingInterval(t);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => guardBody(req, res, t));
}

function checkingInterval(t: ServerTimeouts): number {
  return Math.max(100, Math.min(30_000, Math.floor(Math.min(t.headersTimeoutMs, t.requestTimeoutMs) / 4)));
}

const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** Watch one request body: total time, inactivity and average rate, sampled from the socket's byte counter. */
function guardBody(req: IncomingMessage, res: ServerResponse, t: ServerTimeouts): void {
  if (!hasBody(req) || req.complete) return;
  const socket = req.socket;
  const start = Date.now();
  let lastBytes = socket.bytesRead;
  let lastActive = start;
  let samples: Array<[number, number]> = [[start, lastBytes]];
  const window = t.minUploadRateWindowMs;
  const tickMs = Math.max(50, Math.min(1000, Math.floor(Math.min(t.idleTimeoutMs, t.requestTimeoutMs, window) / 4)));

  const stop = () => clearInterval(timer);
  const timer = setInterval(() => {
    if (req.complete || res.writableEnded || socket.destroyed) return stop();
    const now = Date.now();
    const bytes = socket.bytesRead;
    if (req.readableLength > 0) {
      // Data is waiting for us, not for the client (backpressure): that is not the client's slowness.
      lastActive = now;
      samples = [[now, bytes]];
    } else if (bytes !== lastBytes) {
      lastActive = now;
    }
    lastBytes = bytes;
    samples.push([now, bytes]);
    while (samples.length > 1 && samples[1]![0] <= now - window) samples.shift();
    if (now - start >= t.requestTimeoutMs) return cut(`the request was not received within ${t.requestTimeoutMs} ms (REQUEST_TIMEOUT_MS)`);
    if (now - lastActive >= t.idleTimeoutMs) return cut(`no request data arrived for ${t.idleTimeoutMs} ms (IDLE_TIMEOUT_MS)`);
    const [t0, b0] = samples[0]!;
    if (t.minUploadBytesPerSecond > 0 && now - t0 >= window) {
      const rate = ((bytes - b0) * 1000) / (now - t0);
      if (rate < t.minUploadBytesPerSecond) return cut(`the upload is slower than ${t.minUploadBytesPerSecond} bytes/s over ${window} ms (MIN_UPLOAD_BYTES_PER_S)`);
    }
  }, tickMs);
  timer.unref();
  req.once('end', stop);
  res.once('close', stop);

  function cut(why: string): void {
    stop();
    const kill = () => setTimeout(() => socket.destroy(), CUT_GRACE_MS).unref();
    if (res.headersSent) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(operationOutcome([{ code: 'timeout', diagnostics: why }]));
    res.writeHead(408, { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body, kill);
  }
}

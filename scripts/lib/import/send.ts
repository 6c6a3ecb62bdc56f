/**
 * Sending one file: its bytes streamed from disk as the request body (never read whole), with the
 * key, content type and encoding of its plan; a 429 or 503 is retried after its Retry-After, a
 * bounded number of times.
 */
import { createReadStream } from 'node:fs';
import type { SendPlan } from './plan.js';

/** Where and as whom the import sends. */
export interface Target {
  /** The gateway's base URL, without a trailing slash. */
  url: string;
  key: string;
}

/** The gateway's answer to one file, read whole (answers are small next to the files). */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
  /** The Location header (`/api/submissions/{id}` of a committed submission), when given. */
  location?: string;
  /** Requests made for the file (1 without retries). */
  attempts: number;
}

/** Progress hooks and retry policy of a send. */
export interface SendHooks {
  /** `n` more bytes of the file went into the request body. */
  onBytes?: (n: number) => void;
  /** The file is sent again from its start after `waitMs`. */
  onRetry?: (attempt: number, waitMs: number, status: number) => void;
  /** Retries after the first request (default 5). */
  retries?: number;
  /** The longest wait honoured (default 120 s; a longer Retry-After waits this long). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Current time, for a Retry-After given as an HTTP date. */
  now?: () => number;
}

/** The gateway could not be reached or the connection broke (no HTTP status). */
export class SendError extends Error {
  override name = 'SendError';
}

const RETRY_STATUSES = new Set([429, 503]);

/**
 * How long to wait before retry number `attempt` (1-based) of an answer with `status`, or
 * undefined when it is not retried: Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3),
 * else 1, 2, 4, 8 … s; capped at `maxWaitMs`.
 */
export function retryDelayMs(status: number, retryAfter: string | null, attempt: number, maxWaitMs = 120_000, now = Date.now()): number | undefined {
  if (!RETRY_STATUSES.has(status)) return undefined;
  let ms = 1000 * 2 ** (attempt - 1);
  const value = retryAfter?.trim();
  if (value && /^\d+$/.test(value)) ms = Number(value) * 1000;
  else if (value && !Number.isNaN(Date.parse(value))) ms = Math.max(0, Date.parse(value) - now);
  return Math.min(ms, maxWaitMs);
}

/** The file's bytes as they are read, each chunk reported to `onBytes`. */
async function* fileBody(path: string, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    onBytes(bytes.length);
    yield bytes;
  }
}

/** The request headers of a plan. */
export function requestHeaders(plan: SendPlan, key: string): Record<string, string> {
  return {
    authorization: `Bearer ${key}`,
    'content-type': plan.contentType,
    'content-length': String(plan.file.size),
    ...(plan.gzip ? { 'content-encoding': 'gzip' } : {}),
  };
}

/** The cause of a fetch failure as a short phrase (`ECONNREFUSED`, `other side closed`). */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

async function attempt(plan: SendPlan, target: Target, onBytes: (n: number) => void): Promise<Response> {
  try {
    return await fetch(`${target.url}${plan.route}`, {
      method: 'POST',
      headers: requestHeaders(plan, target.key),
      body: fileBody(plan.file.path, onBytes),
      duplex: 'half',
    });
  } catch (err) {
    throw new SendError(`POST ${plan.route} failed: ${causeOf(err)}`);
  }
}

/**
 * POST a file to its route and read the answer; 429/503 are retried (the file is streamed again
 * from its start) up to `hooks.retries` times, and the last answer is returned whatever it is.
 * Throws SendError when no answer came (refused, reset).
 */
export async function sendFile(plan: SendPlan, target: Target, hooks: SendHooks = {}): Promise<HttpAnswer> {
  const retries = hooks.retries ?? 5;
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 1; ; n++) {
    const res = await attempt(plan, target, hooks.onBytes ?? (() => {}));
    const body = await res.text().catch((err: unknown) => {
      throw new SendError(`reading the answer to POST ${plan.route} failed: ${causeOf(err)}`);
    });
    const wait = n <= retries ? retryDelayMs(res.status, res.headers.get('retry-after'), n, hooks.maxWaitMs, hooks.now?.()) : undefined;
    if (wait === undefined) {
      const location = res.headers.get('location');
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', body, ...(location ? { location } : {}), attempts: n };
    }
    hooks.onRetry?.(n, wait, res.status);
    await sleep(wait);
  }
}

/**
 * How large a `guiHoSoXml` body may be and how much upload memory it reserves
 * (docs/formats/data-hub.md, "Size and memory"). Pure: no I/O.
 *
 * The JSON body is held whole: while express.json parses it the process holds the raw bytes, the
 * JSON text and the parsed strings (about 3 × the body), then one decoded file at a time (at most
 * 3/4 of the body) while it goes through the pipeline. A request therefore reserves
 * HUB_MEMORY_FACTOR × its size against MAX_UPLOAD_MEMORY_MB, not the per-upload reservation of a
 * streamed `/ingest` body.
 */

const MIB = 1024 * 1024;

/** Upload memory a request holds at its peak, as a multiple of its JSON body (3× while parsing, plus one decoded file and its parse). */
export const HUB_MEMORY_FACTOR = 4;

/** The largest body the route takes and the setting that makes it so (named in the 413 answer). */
export interface HubBodyLimit {
  bytes: number;
  setting: string;
}

/** Sizes the limit is taken from, in bytes. */
export interface HubLimitInputs {
  /** DATA_HUB_MAX_BODY_MB. */
  hubMaxBodyBytes: number;
  /** MAX_BODY_MB: the largest envelope; a body never needs more than its base64. */
  maxBodyBytes: number;
  /** MAX_UPLOAD_MEMORY_MB: all uploads together. */
  uploadMemoryBytes: number;
}

/** Base64 of a `maxBodyBytes` envelope (4/3 of it) plus 1 MiB for the other fields and line breaks. */
export function base64Allowance(maxBodyBytes: number): number {
  return Math.ceil(maxBodyBytes / 3) * 4 + MIB;
}

/**
 * The largest `guiHoSoXml` body: the smallest of DATA_HUB_MAX_BODY_MB, the base64 of one
 * MAX_BODY_MB envelope, and 1/HUB_MEMORY_FACTOR of MAX_UPLOAD_MEMORY_MB. The last bound means a
 * body within the limit can always be admitted when no other upload runs, so a request too large
 * for the whole memory budget is 413 (send fewer files), never an endless 503.
 */
export function hubBodyLimit(l: HubLimitInputs): HubBodyLimit {
  const candidates: HubBodyLimit[] = [
    { bytes: l.hubMaxBodyBytes, setting: 'DATA_HUB_MAX_BODY_MB' },
    { bytes: base64Allowance(l.maxBodyBytes), setting: 'MAX_BODY_MB, as base64' },
    { bytes: Math.floor(l.uploadMemoryBytes / HUB_MEMORY_FACTOR), setting: `MAX_UPLOAD_MEMORY_MB / ${HUB_MEMORY_FACTOR}` },
  ];
  return candidates.reduce((a, b) => (b.bytes < a.bytes ? b : a));
}

/** The request headers that size a body. */
export interface BodyHeaders {
  contentLength?: string | undefined;
  contentEncoding?: string | undefined;
}

/** The body's size when it is known before reading: uncompressed with a Content-Length; else undefined (chunked, gzip). */
export function declaredBodyBytes(h: BodyHeaders): number | undefined {
  if ((h.contentEncoding ?? 'identity').toLowerCase() !== 'identity' || h.contentLength === undefined) return undefined;
  const n = Number(h.contentLength);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Upload memory a request reserves: HUB_MEMORY_FACTOR × its declared size, or × the limit when the
 * size is unknown (a chunked or gzip body may grow to it before the parser cuts it); at least 1 MiB.
 * Never more than HUB_MEMORY_FACTOR × the limit, so never more than the whole budget.
 */
export function hubReservation(h: BodyHeaders, limitBytes: number): number {
  const size = Math.min(declaredBodyBytes(h) ?? limitBytes, limitBytes);
  return Math.max(MIB, HUB_MEMORY_FACTOR * size);
}

/** The 413 reason for a body over the limit (`bytes` when known). */
export function tooLargeReason(limit: HubBodyLimit, bytes?: number): string {
  const sent = bytes === undefined ? 'the body is' : `the body is ${bytes} bytes,`;
  return `${sent} larger than the ${limit.bytes} bytes a guiHoSoXml request may hold (${limit.setting}); send fewer files per request`;
}

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tooLarge } from '../errors/outcome.js';

/** An upload spooled to disk, byte for byte as it arrived (a gzip body stays gzip). */
export interface Spool {
  path: string;
  bytes: number;
  /** Hex SHA-256 of the raw bytes. */
  sha256: string;
  /** A fresh stream of the raw bytes, from the start. */
  open(): Readable;
  /** Delete the file; safe to call more than once. */
  remove(): Promise<void>;
}

/** Where and how much to spool. */
export interface SpoolOptions {
  /** Directory of the spool files (SPOOL_DIR; os.tmpdir() by default). */
  dir: string;
  /** Refuse with 413 (OperationOutcome `too-costly`) past this many raw bytes (MAX_BODY_MB). */
  maxBytes: number;
  /** Abort the spooling (client gone, shutdown); the partial file is removed. */
  signal?: AbortSignal;
}

/** Spool files are named `fgw-spool-<uuid>`; anything else in the directory is never touched. */
const PREFIX = 'fgw-spool-';

/**
 * Copy an upload to a temporary file while counting and hashing it, so the request can be parsed and
 * committed afterwards in one short database transaction: a slow client then holds only a file
 * descriptor, never a pooled connection. On any error (too large, client abort, disk full) the partial
 * file is removed and the error is rethrown. The file is private to this user (mode 0600): it holds
 * personal health data.
 */
export async function spoolUpload(body: Readable | AsyncIterable<Buffer>, opts: SpoolOptions): Promise<Spool> {
  const path = join(opts.dir, `${PREFIX}${randomUUID()}`);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes) {
        done(tooLarge(`upload is larger than ${opts.maxBytes} bytes (MAX_BODY_MB)`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const remove = () => rm(path, { force: true });
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }), opts.signal ? { signal: opts.signal } : {});
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
  return {
    path,
    bytes,
    sha256: hash.digest('hex'),
    open: () => createReadStream(path),
    remove,
  };
}

/**
 * Delete spool files older than `maxAgeMs` left behind by a crash (call at start and from time to
 * time); returns how many were removed.
 */
export async function removeStaleSpools(dir: string, maxAgeMs: number, now: number = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(PREFIX)) continue;
    const file = join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > maxAgeMs) {
      await rm(file, { force: true }).catch(() => undefined);
      removed += 1;
    }
  }
  return removed;
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { SEALED_KEY_ID_OFFSET, SEALED_VERSION, SealedDataError, type DataKeyring } from '../db/encryption.js';

/**
 * The file format of a raw-submission archive (docs/data-at-rest.md). The raw body, exactly as it
 * arrived, is gzip-compressed (RFC 1952) and then, unless DATA_ENCRYPTION=off, sealed:
 *
 *   sealed (`<id>.raw.gz.sealed`): "FGWRAW1\n", then frames `[u32 big-endian length][sealed bytes]`,
 *     each ≤ 4 MB of the gzip stream sealed with the current data key (db/encryption.ts) under the
 *     context `raw-archive/<submission id>/<frame number>`, the last frame's context ending `/end`
 *     (so a file cut at a frame boundary is detected);
 *   plaintext (`<id>.raw.gz`): the gzip stream itself (`zcat` reads it).
 *
 * Beside each archive, `<file>.sha256` holds the SHA-256 of the archive file in `sha256sum` format,
 * so `sha256sum -c` checks a copy without any key.
 */

const MAGIC = Buffer.from('FGWRAW1\n', 'latin1');
const FRAME_BYTES = 4 * 1024 * 1024;

/** The archive file name of a submission, relative to the archive directory: `<yyyy>/<mm>/<id>.raw.gz[.sealed]`. */
export function archiveFileName(submissionId: string, receivedAt: Date, sealed: boolean): string {
  const yyyy = String(receivedAt.getUTCFullYear());
  const mm = String(receivedAt.getUTCMonth() + 1).padStart(2, '0');
  return `${yyyy}/${mm}/${submissionId}.raw.gz${sealed ? '.sealed' : ''}`;
}

const frameContext = (submissionId: string, n: number, last: boolean) => `raw-archive/${submissionId}/${n}${last ? '/end' : ''}`;

/** What writing an archive produced. */
export interface WrittenArchive {
  /** SHA-256 (hex) of the raw bytes that went in, to compare with the submission's. */
  rawSha256: string;
  rawBytes: number;
  /** SHA-256 (hex) of the archive file, as written to its `.sha256` file. */
  fileSha256: string;
  fileBytes: number;
}

/**
 * Write `raw` (the body's bytes in order) to `path` as an archive: compressed, sealed with the
 * keyring's current key (plain gzip when `keyring` is null), durably (written to a temporary file,
 * fsynced, renamed), and its `.sha256` file beside it. `gzipLevel` 1 suits a body that is already gzip.
 */
export async function writeRawArchive(path: string, submissionId: string, raw: AsyncIterable<Buffer>, keyring: DataKeyring | null, gzipLevel = 6): Promise<WrittenArchive> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const file = await open(tmp, 'w', 0o600);
  const rawHash = createHash('sha256');
  const fileHash = createHash('sha256');
  let rawBytes = 0;
  let fileBytes = 0;
  const put = async (buf: Buffer) => {
    fileHash.update(buf);
    fileBytes += buf.length;
    await file.write(buf);
  };
  try {
    async function* counted() {
      for await (const chunk of raw) {
        rawHash.update(chunk);
        rawBytes += chunk.length;
        yield chunk;
      }
    }
    if (keyring) await put(MAGIC);
    let frame = 0;
    const putFrame = async (data: Buffer, last: boolean) => {
      const sealed = keyring!.seal(data, frameContext(submissionId, frame++, last));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(sealed.length);
      await put(length);
      await put(sealed);
    };
    await pipeline(Readable.from(counted()), createGzip({ level: gzipLevel }), async (compressed: AsyncIterable<Buffer>) => {
      let parts: Buffer[] = [];
      let size = 0;
      for await (const c of compressed) {
        if (!keyring) {
          await put(c);
          continue;
        }
        parts.push(c);
        size += c.length;
        if (size >= FRAME_BYTES) {
          await putFrame(Buffer.concat(parts), false);
          parts = [];
          size = 0;
        }
      }
      if (keyring) await putFrame(Buffer.concat(parts), true);
    });
    await file.sync();
    await file.close();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await rename(tmp, path);
  const fileSha256 = fileHash.digest('hex');
  await writeFile(`${path}.sha256`, `${fileSha256}  ${basename(path)}\n`, { mode: 0o600 });
  const dir = await open(dirname(path), 'r');
  await dir.sync().finally(() => dir.close()); // the renames survive a crash
  return { rawSha256: rawHash.digest('hex'), rawBytes, fileSha256, fileBytes };
}

/** The frames of a sealed archive file, opened, in order (the gzip stream); throws on a cut or altered file. */
async function* openedFrames(path: string, submissionId: string, keyring: DataKeyring): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let n = 0;
  let ended = false;
  let magicChecked = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    if (!magicChecked) {
      if (pending.length < MAGIC.length) continue;
      if (!pending.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealedDataError('malformed', `${path}: not a sealed raw archive`);
      pending = pending.subarray(MAGIC.length);
      magicChecked = true;
    }
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      if (ended) throw new SealedDataError('tampered', `${path}: data after the last frame`);
      const sealed = pending.subarray(4, 4 + pending.readUInt32BE(0));
      pending = pending.subarray(4 + sealed.length);
      // The last frame is the one that opens under the `/end` context.
      let opened: Buffer;
      try {
        opened = keyring.open(sealed, frameContext(submissionId, n, false));
      } catch (err) {
        if (!(err instanceof SealedDataError) || err.reason !== 'tampered') throw err;
        opened = keyring.open(sealed, frameContext(submissionId, n, true));
        ended = true;
      }
      n += 1;
      yield opened;
    }
  }
  if (!ended || pending.length) throw new SealedDataError('tampered', `${path}: the archive is cut short (no last frame)`);
}

/** The raw body an archive holds, exactly as it arrived (opened and decompressed). */
export async function* readRawArchive(path: string, submissionId: string, keyring: DataKeyring | null): AsyncGenerator<Buffer> {
  const compressed: AsyncIterable<Buffer> = path.endsWith('.sealed')
    ? (keyring ? openedFrames(path, submissionId, keyring) : failing(`${path} is sealed but DATA_ENCRYPTION=off: configure DATA_KEYS to read it`))
    : createReadStream(path);
  const gunzip = createGunzip();
  const source = Readable.from(compressed);
  source.on('error', (err) => gunzip.destroy(err));
  yield* source.pipe(gunzip) as AsyncIterable<Buffer>;
}

async function* failing(message: string): AsyncGenerator<Buffer> {
  throw new Error(message);
}

/** The key id of a sealed archive's first frame (undefined for a plaintext archive). */
export async function archiveKeyId(path: string): Promise<number | undefined> {
  if (!path.endsWith('.sealed')) return undefined;
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length + 4 + 2);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const at = MAGIC.length + 4; // the first frame's version byte, then its key id
    return bytesRead === head.length && head[at] === SEALED_VERSION ? head[at + SEALED_KEY_ID_OFFSET] : undefined;
  } finally {
    await file.close();
  }
}

/**
 * Re-seal a sealed archive with the keyring's current key (key rotation), durably and with a new
 * `.sha256`; the raw bytes are checked against `rawSha256` before the old file is replaced.
 */
export async function resealRawArchive(path: string, submissionId: string, keyring: DataKeyring, rawSha256: string | null): Promise<WrittenArchive> {
  const next = `${path}.reseal`;
  const written = await writeRawArchive(next, submissionId, readRawArchive(path, submissionId, keyring), keyring);
  if (rawSha256 && written.rawSha256 !== rawSha256) {
    await rm(next, { force: true });
    await rm(`${next}.sha256`, { force: true });
    throw new Error(`${path}: the archived bytes do not match the submission's SHA-256; left as it is`);
  }
  await rename(next, path);
  await writeFile(`${path}.sha256`, `${written.fileSha256}  ${basename(path)}\n`, { mode: 0o600 });
  await rm(`${next}.sha256`, { force: true });
  return written;
}

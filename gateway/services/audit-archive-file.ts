import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

/**
 * Audit archive files: gzip-compressed JSON lines (one audit row per line, every column), with a
 * `<file>.sha256` beside it in `sha256sum` format, so `sha256sum -c <file>.sha256` checks it too.
 */

/** What was written: the SHA-256 of the file's bytes and the number of lines. */
export interface WrittenArchive {
  file: string;
  sha256: string;
  rows: number;
  bytes: number;
}

/** The result of checking an archive file against its checksum file. */
export interface ArchiveVerification {
  file: string;
  /** SHA-256 of the file as it is now. */
  sha256: string;
  /** SHA-256 written in `<file>.sha256`; null when that file is missing or unreadable. */
  expectedSha256: string | null;
  /** JSON lines in the file (after decompression); null when it does not decompress. */
  rows: number | null;
  /** Lines that are not a JSON object. */
  badLines: number;
  ok: boolean;
  problem?: string;
}

/** Path of the checksum file of an archive. */
export function checksumPathOf(file: string): string {
  return `${file}.sha256`;
}

/**
 * Write `lines` (JSON text, no newline) gzip-compressed to `file`, durably: a temporary file is
 * written and fsynced, then renamed over `file`, then the checksum file is written the same way.
 */
export async function writeArchiveFile(file: string, lines: AsyncIterable<string>): Promise<WrittenArchive> {
  const tmp = `${file}.partial`;
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  async function* numbered() {
    for await (const line of lines) {
      rows += 1;
      yield `${line}\n`;
    }
  }
  try {
    await pipeline(Readable.from(numbered()), createGzip({ level: 9 }), hashing, createWriteStream(tmp, { flags: 'w', mode: 0o640 }));
    await fsyncFile(tmp);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const sha256 = hash.digest('hex');
  const sumTmp = `${checksumPathOf(file)}.partial`;
  await writeFile(sumTmp, `${sha256}  ${basename(file)}\n`, { mode: 0o640 });
  await fsyncFile(sumTmp);
  await rename(sumTmp, checksumPathOf(file));
  await fsyncFile(dirname(file));
  return { file, sha256, rows, bytes };
}

/** Check an archive: its bytes against `<file>.sha256`, and that it decompresses to JSON object lines. */
export async function verifyArchiveFile(file: string): Promise<ArchiveVerification> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(file), new Transform({ transform(chunk: Buffer, _e, done) { hash.update(chunk); done(); } }));
  } catch (err) {
    return { file, sha256: '', expectedSha256: null, rows: null, badLines: 0, ok: false, problem: `cannot read: ${(err as Error).message}` };
  }
  const sha256 = hash.digest('hex');
  const expectedSha256 = await readFile(checksumPathOf(file), 'utf8').then((s) => /^([0-9a-f]{64})\b/.exec(s.trim())?.[1] ?? null, () => null);
  let rows: number | null = 0;
  let badLines = 0;
  try {
    const reader = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
    for await (const line of reader) {
      rows += 1;
      if (!isJsonObject(line)) badLines += 1;
    }
  } catch {
    rows = null;
  }
  const problem = expectedSha256 === null ? `no readable checksum in ${checksumPathOf(file)}`
    : expectedSha256 !== sha256 ? 'SHA-256 does not match the checksum file'
      : rows === null ? 'does not decompress (gzip)'
        : badLines > 0 ? `${badLines} lines are not JSON objects` : undefined;
  return { file, sha256, expectedSha256, rows, badLines, ok: problem === undefined, ...(problem ? { problem } : {}) };
}

/** Every line of an archive, parsed (for tests and small exports; archives of a month fit in memory only when small). */
export async function readArchiveRows(file: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  const reader = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of reader) out.push(JSON.parse(line) as Record<string, unknown>);
  return out;
}

function isJsonObject(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

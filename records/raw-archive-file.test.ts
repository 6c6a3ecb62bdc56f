import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeyring, SealedDataError } from '../db/encryption.js';
import { archiveFileName, archiveKeyId, readRawArchive, resealRawArchive, writeRawArchive } from './raw-archive-file.js';

const KEY_4 = { id: 4, key: randomBytes(32) };
const ring = new DataKeyring([KEY_4]);
const ID = '6f1d3c1e-8a4b-4d5e-9f00-0123456789ab';
/** A body of several 4 MB frames even once compressed (random bytes do not compress), plus XML that does. */
const BODY = Buffer.concat([Buffer.from('<GIAMDINHHS><SO_CCCD>046190000123</SO_CCCD>'.repeat(2000)), randomBytes(9 * 1024 * 1024)]);

async function* pieces(buf: Buffer, size = 1 << 20) {
  for (let at = 0; at < buf.length; at += size) yield buf.subarray(at, at + size);
}
async function readAll(path: string, keyring: DataKeyring | null, id = ID): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of readRawArchive(path, id, keyring)) parts.push(c);
  return Buffer.concat(parts);
}

describe('raw archive files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fgw-rawarch-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names files by month of receipt', () => {
    expect(archiveFileName(ID, new Date('2025-03-31T23:00:00Z'), true)).toBe(`2025/03/${ID}.raw.gz.sealed`);
    expect(archiveFileName(ID, new Date('2025-03-31T23:00:00Z'), false)).toBe(`2025/03/${ID}.raw.gz`);
  });

  it('round-trips a multi-frame sealed archive with its checksum, and hides the content', async () => {
    const path = join(dir, archiveFileName(ID, new Date(), true));
    const written = await writeRawArchive(path, ID, pieces(BODY), ring);
    expect(written.rawBytes).toBe(BODY.length);
    const file = await readFile(path);
    expect(file.includes(Buffer.from('046190000123'))).toBe(false);
    expect((await readFile(`${path}.sha256`, 'utf8')).startsWith(`${written.fileSha256}  ${ID}.raw.gz.sealed`)).toBe(true);
    expect(await archiveKeyId(path)).toBe(4);
    expect((await readAll(path, ring)).equals(BODY)).toBe(true);
  });

  it('detects a file cut at a frame boundary, an altered byte, and the wrong submission', async () => {
    const path = join(dir, 'cut.raw.gz.sealed');
    await writeRawArchive(path, ID, pieces(BODY), ring);
    const whole = await readFile(path);
    const firstFrameEnd = 8 + 4 + whole.readUInt32BE(8);
    await truncate(path, firstFrameEnd);
    await expect(readAll(path, ring)).rejects.toThrow(/cut short/);
    const flipped = Buffer.from(whole);
    flipped[firstFrameEnd + 100]! ^= 1;
    await writeFile(path, flipped);
    await expect(readAll(path, ring)).rejects.toBeInstanceOf(SealedDataError);
    await writeFile(path, whole);
    await expect(readAll(path, ring, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(SealedDataError);
    await expect(readAll(path, new DataKeyring([{ id: 5, key: randomBytes(32) }]))).rejects.toThrow(/sealed with data key 4/);
  });

  it('re-seals under a new current key; with encryption off writes a plain gzip file', async () => {
    const path = join(dir, 'rot.raw.gz.sealed');
    await writeRawArchive(path, ID, pieces(BODY), ring);
    const rotated = new DataKeyring([{ id: 6, key: randomBytes(32) }, KEY_4]);
    await resealRawArchive(path, ID, rotated, null);
    expect(await archiveKeyId(path)).toBe(6);
    expect((await readAll(path, rotated)).equals(BODY)).toBe(true);

    const plain = join(dir, 'plain.raw.gz');
    await writeRawArchive(plain, ID, pieces(BODY), null);
    expect(gunzipSync(await readFile(plain)).equals(BODY)).toBe(true);
    expect(await archiveKeyId(plain)).toBeUndefined();
  });
});

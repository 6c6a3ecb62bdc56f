import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverFiles, MissingPathError, readHead } from './discover.js';

describe('file discovery', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-discover-'));
    await mkdir(join(dir, 'b-folder', 'deep'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'c.xml'), '<x/>');
    await writeFile(join(dir, 'a.csv'), 'a,b\n');
    await writeFile(join(dir, '.hidden.xml'), '<x/>');
    await writeFile(join(dir, '.git', 'config'), 'x');
    await writeFile(join(dir, 'b-folder', 'z.hl7'), 'MSH|');
    await writeFile(join(dir, 'b-folder', 'deep', 'y.xml.gz'), gzipSync(Buffer.from('<?xml version="1.0"?><GIAMDINHHS>')));
    await symlink(join(dir, 'c.xml'), join(dir, 'b-folder', 'link.xml'));
    await symlink(dir, join(dir, 'b-folder', 'loop'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('walks folders recursively in name order, skipping hidden files and folders, following links to files only', async () => {
    const files = await discoverFiles([dir], dir);
    expect(files.map((f) => f.display)).toEqual(['a.csv', join('b-folder', 'deep', 'y.xml.gz'), join('b-folder', 'link.xml'), join('b-folder', 'z.hl7'), 'c.xml']);
    expect(files[0]!.size).toBe(4);
  });

  it('takes a file named explicitly even when hidden, lists a file reached twice once, and refuses a missing path', async () => {
    const files = await discoverFiles([join(dir, '.hidden.xml'), join(dir, 'c.xml'), dir], dir);
    expect(files.map((f) => f.display)).toEqual(['.hidden.xml', 'c.xml', 'a.csv', join('b-folder', 'deep', 'y.xml.gz'), join('b-folder', 'link.xml'), join('b-folder', 'z.hl7')]);
    await expect(discoverFiles([join(dir, 'nope')])).rejects.toThrow(MissingPathError);
  });

  it('reads the start of a file, decompressed when it is gzip', async () => {
    expect(await readHead(join(dir, 'b-folder', 'deep', 'y.xml.gz'))).toEqual({ head: Buffer.from('<?xml version="1.0"?><GIAMDINHHS>'), gzip: true });
    expect(await readHead(join(dir, 'c.xml'))).toEqual({ head: Buffer.from('<x/>'), gzip: false });
  });
});

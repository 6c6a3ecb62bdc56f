/**
 * The files an import sends: the paths given, folders walked recursively in sorted order, hidden
 * entries (a name starting with `.`) skipped; and the first bytes of a file for format detection.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';

/** A regular file to consider. */
export interface FoundFile {
  /** The path to open. */
  path: string;
  /** The path as shown in progress and summary (relative to the working directory when inside it). */
  display: string;
  size: number;
}

/** A path argument that is neither a file nor a folder. */
export class MissingPathError extends Error {
  override name = 'MissingPathError';
}

/** How much of a file's start format detection reads. */
export const HEAD_BYTES = 64 * 1024;

const isHidden = (name: string) => name.startsWith('.');
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function walk(folder: string, out: FoundFile[], cwd: string): Promise<void> {
  const entries = (await readdir(folder, { withFileTypes: true })).filter((e) => !isHidden(e.name));
  entries.sort((a, b) => byName(a.name, b.name));
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, out, cwd);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      // A link to a file is taken; links to folders are not followed (no cycles).
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) out.push({ path, display: displayPath(path, cwd), size: info.size });
    }
  }
}

/** `path` relative to `cwd` when it lies inside it, else as given. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}

/**
 * Every file under `paths`, in argument order, each folder's files sorted by name (byte order,
 * folders descended where they sort). A file named explicitly is taken even when hidden; a path
 * that does not exist throws MissingPathError. A file reached twice is listed once.
 */
export async function discoverFiles(paths: readonly string[], cwd = process.cwd()): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) await walk(path, out, cwd);
    else if (info?.isFile()) out.push({ path, display: displayPath(path, cwd), size: info.size });
    else throw new MissingPathError(`${path}: no such file or folder`);
  }
  const seen = new Set<string>();
  return out.filter((f) => {
    const key = resolve(cwd, f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** True when `head` starts with the gzip magic bytes (RFC 1952: 1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

async function firstBytes(stream: NodeJS.ReadableStream & { destroy(): void }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      chunks.push(b);
      length += b.length;
      if (length >= max) break;
    }
  } catch {
    // A truncated or broken gzip still gives what decompressed before the damage; the gateway names the problem.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/**
 * The start of a file for detection: up to HEAD_BYTES of its content, decompressed when the file
 * is gzip (whatever its name), and whether it was.
 */
export async function readHead(path: string): Promise<{ head: Buffer; gzip: boolean }> {
  const raw = await firstBytes(createReadStream(path, { start: 0, end: HEAD_BYTES - 1 }), HEAD_BYTES);
  if (!isGzip(raw)) return { head: raw, gzip: false };
  const source = createReadStream(path);
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  try {
    return { head: await firstBytes(source.pipe(gunzip), HEAD_BYTES), gzip: true };
  } finally {
    source.destroy();
  }
}

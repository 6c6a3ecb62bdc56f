/**
 * The registry extract plus padding as one roster CSV under the OS temp dir, written as a stream
 * (a million rows never sit in memory as text), and loaded with the roster import.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type pg from 'pg';
import { importRoster, type RosterImportResult } from '../../../identity/registry/roster-import.js';
import { registryHeader, registryLine } from './cells.js';
import { padRegistry, type RegistryExtract } from './registry.js';

const LINES_PER_WRITE = 2_000;

/** Write the extract, then padding rows until `totalRows` (never fewer than the extract), to `dir/registry.csv`. */
export async function writeRegistryCsv(dir: string, extract: RegistryExtract, totalRows: number, seed: number): Promise<{ path: string; rows: number; bytes: number }> {
  const path = join(dir, 'registry.csv');
  const out = createWriteStream(path);
  let bytes = 0;
  let rows = 0;
  let buffer = registryHeader();
  const flush = async () => {
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  const take = async (line: string) => {
    buffer += line;
    rows += 1;
    if (rows % LINES_PER_WRITE === 0) await flush();
  };
  for (const row of extract.rows) await take(registryLine(row));
  for (const row of padRegistry(Math.max(0, totalRows - extract.rows.length), seed)) await take(registryLine(row));
  await flush();
  out.end();
  await once(out, 'finish');
  return { path, rows, bytes };
}

/** Load the roster file into population_registry; the result and the seconds it took. */
export async function loadRegistry(pool: pg.Pool, path: string, source: string, onProgress: (rows: number) => void): Promise<RosterImportResult & { seconds: number }> {
  const t0 = performance.now();
  const result = await importRoster(pool, createReadStream(path), { source, onProgress: (rows) => onProgress(rows) });
  return { ...result, seconds: (performance.now() - t0) / 1000 };
}

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { ensureAdminUnits, readShippedUnits } from './admin-units.js';
import { upsertAdminUnits } from './admin-units.repo.js';
import { importRegister, type RegisterImportResult } from './register-import.js';

const DEMO_REGISTER = fileURLToPath(new URL('../../samples/facilities-demo.csv', import.meta.url));
/** Invented communes (codes 99xxx, no official code) for the demo facilities only. */
const DEMO_COMMUNES = 'demo-communes.csv';

/**
 * The demo register (DEMO=1): the shipped units, the demo communes (marked [DEMO], codes 99xxx
 * that the GSO list does not use) and samples/facilities-demo.csv, which holds the demo keys'
 * facilities 46001 and 51001, public and private ones, and 51002 that took over 51003 on
 * 01/07/2025. Idempotent. Never run it on a server holding a real register.
 */
export async function seedDemoFacilities(db: pg.Pool): Promise<RegisterImportResult> {
  await ensureAdminUnits(db);
  await upsertAdminUnits(db, await readShippedUnits(DEMO_COMMUNES), true);
  return importRegister(db, await readFile(DEMO_REGISTER));
}

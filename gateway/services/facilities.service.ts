import type pg from 'pg';
import { withTransaction } from '../../db/pool.js';
import { badRequest, conflict, forbidden, notFound } from '../../errors/outcome.js';
import { ensureAdminUnits } from '../../reporting/facilities/admin-units.js';
import { listAdminUnits, loadUnitIndex, type AreaQuery } from '../../reporting/facilities/admin-units.repo.js';
import { CsvFormatError } from '../../reporting/facilities/csv-table.js';
import { facilityInputOf, successionInputOf } from '../../reporting/facilities/facility-input.js';
import { findFacility, listRegistered, listUnregistered, saveFacility, type StoredFacility, type UnregisteredFacility } from '../../reporting/facilities/facilities.repo.js';
import type { AdminUnit, Problem } from '../../reporting/facilities/model.js';
import { importRegister, type RegisterImportResult } from '../../reporting/facilities/register-import.js';
import { recordSuccession, SuccessionError, type SuccessionResult } from '../../reporting/facilities/successions.repo.js';
import { checkArea, checkPeriods } from '../../reporting/facilities/unit-index.js';
import type { Role } from '../store/keys.repo.js';

/** What the register operations need. */
export interface FacilitiesDeps {
  pool: pg.Pool;
  /** Resolves once the shipped administrative units are stored (ensureAdminUnits, once per app). */
  unitsReady(): Promise<void>;
}

/** The deps of the register operations, with the shipped units stored on first use (a start-up call of ensureAdminUnits makes it a no-op wait). */
export function facilitiesDeps(pool: pg.Pool): FacilitiesDeps {
  let ready: Promise<void> | undefined;
  return {
    pool,
    unitsReady: () => (ready ??= ensureAdminUnits(pool).then(() => undefined, (err: unknown) => { ready = undefined; throw err; })),
  };
}

/** Who asks (a facility key may read only its own entry). */
export interface Viewer {
  role: Role;
  facility: string | null;
}

/** Throw the errors among `problems` as one 400 naming every field; return the warnings. */
function refuse(problems: Problem[]): Problem[] {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw badRequest(errors.map((p) => `${p.field}: ${p.message}`).join('; '), [...new Set(errors.map((p) => p.field))]);
  return problems.filter((p) => p.severity === 'warning');
}

/** Import a facility list (CSV bytes): counts and the problems of each row (POST /api/facilities/import). */
export async function importFacilities(deps: FacilitiesDeps, body: Buffer): Promise<RegisterImportResult> {
  await deps.unitsReady();
  try {
    return await importRegister(deps.pool, body);
  } catch (err) {
    if (err instanceof CsvFormatError) throw badRequest(err.message, ['body']);
    throw err;
  }
}

/** The register, then the codes that sent data without being registered (`registered: false`). */
export async function listFacilities(deps: FacilitiesDeps, registered?: boolean): Promise<Array<StoredFacility | UnregisteredFacility>> {
  return [
    ...(registered === false ? [] : await listRegistered(deps.pool)),
    ...(registered === true ? [] : await listUnregistered(deps.pool)),
  ];
}

/** One register entry; a facility key may read only its own. */
export async function readFacility(deps: FacilitiesDeps, code: string, viewer: Viewer): Promise<StoredFacility> {
  if (viewer.role === 'facility' && viewer.facility !== code) throw forbidden(`a facility key may read only its own facility (${viewer.facility ?? 'none'})`);
  const f = await findFacility(deps.pool, code);
  if (!f) throw notFound(`facility ${code} is not registered`);
  return f;
}

/**
 * Create or replace a register entry (PUT /api/facilities/{code}): shape, periods and units are
 * checked (every error listed in one 400); warnings (a commune list not loaded) come back with it.
 */
export async function putFacility(deps: FacilitiesDeps, code: string, raw: unknown): Promise<{ created: boolean; facility: StoredFacility; warnings: Problem[] }> {
  const { input, problems } = facilityInputOf(code, raw);
  refuse(problems);
  const areas = input!.areas;
  refuse(checkPeriods(areas, (i, key) => `areas[${i}].${key}`));
  await deps.unitsReady();
  const index = await loadUnitIndex(deps.pool, [...new Set(areas.map((a) => a.province))],
    areas.flatMap((a) => [a.district, a.commune]).filter((c): c is string => c !== null));
  const warnings = refuse(areas.flatMap((a, i) => checkArea(a, index, {
    validFrom: `areas[${i}].validFrom`, province: `areas[${i}].province`, district: `areas[${i}].district`, commune: `areas[${i}].commune`,
  })));
  const saved = await withTransaction(deps.pool, (client) => saveFacility(client, input!));
  return { created: saved === 'inserted', facility: (await findFacility(deps.pool, code))!, warnings };
}

/** Record a code change (POST /api/facilities/{code}/successor); loops and a second successor are 409. */
export async function addSuccessor(deps: FacilitiesDeps, code: string, raw: unknown): Promise<SuccessionResult & { warnings: Problem[] }> {
  const { input, problems } = successionInputOf(code, raw);
  refuse(problems);
  let result: SuccessionResult;
  try {
    result = await withTransaction(deps.pool, (client) => recordSuccession(client, input!));
  } catch (err) {
    if (err instanceof SuccessionError) throw conflict(err.message);
    throw err;
  }
  const warnings: Problem[] = (await findFacility(deps.pool, result.newCode))
    ? []
    : [{ field: 'newCode', message: `${result.newCode} is not registered: its records are counted, but reports show no name or area for it`, severity: 'warning' }];
  return { ...result, warnings };
}

/** Administrative units of a level valid on a day (GET /api/areas). */
export async function listAreas(deps: FacilitiesDeps, q: AreaQuery): Promise<AdminUnit[]> {
  await deps.unitsReady();
  return listAdminUnits(deps.pool, q);
}

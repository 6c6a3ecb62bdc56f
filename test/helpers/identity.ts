/**
 * Helpers for the identity integration tests: citizens with structurally valid CCCDs (TT 07/2016:
 * province, century/sex digit, birth year, 6 digits), registry rows, immunization CSV rows, and
 * reading a record's state and its person through the HTTP API.
 */
import type pg from 'pg';
import request from 'supertest';
import { waitFor } from './gateway.js';

/** A person of a test: CCCD, name, birth date (yyyy-mm-dd) and sex. */
export interface TestCitizen {
  cccd: string;
  name: string;
  birthDate: string;
  gender: 'male' | 'female';
}

let serial = Math.floor(Math.random() * 900_000);

/** A citizen whose CCCD agrees with the birth year and sex (birth registration in Hà Nội, code 001). */
export function citizen(name: string, birthDate: string, gender: 'male' | 'female'): TestCitizen {
  const year = Number(birthDate.slice(0, 4));
  const century = Math.floor((year - 1900) / 100) * 2 + (gender === 'female' ? 1 : 0);
  serial = (serial + 7919) % 1_000_000;
  return { cccd: `001${century}${String(year % 100).padStart(2, '0')}${String(serial).padStart(6, '0')}`, name, birthDate, gender };
}

/** Put people in the population-registry table (as a roster import would). */
export async function registerCitizens(pool: pg.Pool, people: Array<TestCitizen & { previousIds?: string[]; province?: string }>): Promise<void> {
  for (const p of people) {
    await pool.query(
      `INSERT INTO population_registry (cccd, full_name, name_key, birth_date, gender, province, previous_ids, source)
       VALUES ($1, $2, upper($2), $3, $4, $5, $6, 'test') ON CONFLICT (cccd) DO UPDATE SET full_name = EXCLUDED.full_name, birth_date = EXCLUDED.birth_date, gender = EXCLUDED.gender`,
      [p.cccd, p.name, p.birthDate, p.gender, p.province ?? null, p.previousIds ?? []],
    );
  }
}

/** A CSV cell, quoted when it holds a separator, a quote or a line break (RFC 4180). */
function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One dose row per entry for `POST /ingest/csv?kind=immunization`; extra columns by name. */
export function doseCsv(rows: Array<{ p: Partial<TestCitizen>; id: string; date?: string; extra?: Record<string, string> }>): string {
  const extraCols = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const header = ['patient_cccd', 'patient_name', 'patient_birth_date', 'patient_gender', 'immunization_identifier', 'vaccine_national_code', 'vaccine_name', 'occurrence', 'dose_number', ...extraCols];
  const lines = rows.map((r) => [
    r.p.cccd ?? '', r.p.name ?? '', r.p.birthDate ?? '', r.p.gender === 'female' ? 'nữ' : r.p.gender === 'male' ? 'nam' : '',
    r.id, '53', 'Viêm gan B', r.date ?? '2026-10-01', '1', ...extraCols.map((c) => r.extra?.[c] ?? ''),
  ].map(csvCell).join(','));
  return [header.join(','), ...lines, ''].join('\r\n');
}

/** The gateway's view of one record (status, category, issues, person), by its key. */
export async function recordByKey(pool: pg.Pool, key: string): Promise<{ id: number; status: string; category: string | null; issues: Array<{ category: string; field: string; message: string }>; warnings: Array<{ code: string }>; personId: string | null }> {
  const { rows } = await pool.query('SELECT id, status, category, issues, warnings, person_id FROM records WHERE record_key = $1 ORDER BY id DESC LIMIT 1', [key]);
  const r = rows[0];
  if (!r) throw new Error(`no record ${key}`);
  return { id: Number(r.id), status: r.status, category: r.category, issues: r.issues, warnings: r.warnings, personId: r.person_id };
}

/** Wait until a record reaches one of these statuses. */
export async function waitForStatus(pool: pg.Pool, key: string, statuses: string[], timeoutMs = 20_000) {
  return waitFor(async () => {
    const r = await recordByKey(pool, key).catch(() => undefined);
    return r && statuses.includes(r.status) ? r : undefined;
  }, timeoutMs, `record ${key} to be ${statuses.join('/')}`);
}

/** The CSV row key of a dose with an identifier: the facility's dose key (docs/formats/csv.md). */
export async function keyOfDose(pool: pg.Pool, submissionId: string, seq: number): Promise<string> {
  const { rows } = await pool.query('SELECT record_key FROM records WHERE submission_id = $1 AND seq = $2', [submissionId, seq]);
  return rows[0].record_key;
}

/** A FHIR read through the portal key. */
export async function fhirRead(url: string, portalKey: string, path: string, query: Record<string, string> = {}) {
  return (await request(url).get(`/fhir/${path}`).query(query).set('Authorization', `Bearer ${portalKey}`)).body;
}

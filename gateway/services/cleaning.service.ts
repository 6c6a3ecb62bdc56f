import { withTransaction } from '../../db/pool.js';
import { badRequest } from '../../errors/outcome.js';
import type { CleaningRow, ListProblem, ReturnedRow } from '../../identity/cleaning/police-list.js';
import { readReturnedList } from '../../identity/cleaning/read-return.js';
import { writeCleaningCsv, writeCleaningXlsx } from '../../identity/cleaning/write-list.js';
import { applyCorrections } from '../../identity/corrections.js';
import type { RecordFacts } from '../../mappers/contract.js';
import { rerunRecord } from '../../pipeline/rerun-record.js';
import { insertCleaningEvents, recordsToClean, type AreaFilter, type CleaningCandidate } from '../../records/cleaning.repo.js';
import { insertDecision, lockRecordForRerun, updateRerunRecord } from '../../records/review.repo.js';
import { queueNow, type ReviewDeps } from './review.service.js';

/** Most records on one list (a commune's list is a few hundred; a district's a few thousand). */
const MAX_LIST_ROWS = 20_000;

const REASONS: Record<string, string> = {
  VERIFICATION_MISMATCH: 'Sai lệch thông tin so với CSDL quốc gia về dân cư',
  REGISTRY_NOT_FOUND: 'Không tìm thấy số CCCD trong CSDL quốc gia về dân cư',
  SOURCE_CONFLICT: 'Các cơ sở khai báo khác nhau về ngày sinh/giới tính',
};
const FIELD_NAMES: Array<[RegExp, string]> = [[/name|HO_TEN|PID-5/i, 'họ tên'], [/birth|NGAY_SINH|PID-7/i, 'ngày sinh'], [/gender|GIOI_TINH|PID-8/i, 'giới tính'], [/address|TINH|PID-11/i, 'tỉnh cư trú']];

/** Why a record is on the list, in Vietnamese: the category and the fields that disagree. */
function reasonOf(c: CleaningCandidate): string {
  if (c.status === 'unverified') return 'Chưa xác thực được (CSDL dân cư không phản hồi)';
  const base = REASONS[c.category ?? ''] ?? c.category ?? '';
  const fields = [...new Set(c.issues.flatMap((i) => FIELD_NAMES.filter(([re]) => re.test(i.field)).map(([, n]) => n)))];
  return fields.length ? `${base}: ${fields.join(', ')}` : base;
}

function rowOf(c: CleaningCandidate): CleaningRow | undefined {
  const p = (c.facts as RecordFacts | undefined)?.person;
  if (!p) return undefined;
  return {
    ref: `R${c.id}`, facility: c.facility, area: c.area, reason: reasonOf(c),
    cccd: p.cccd.value, name: p.name ?? '', birthDate: p.birth?.fhirDate.slice(0, 10) ?? '', gender: p.gender ?? 'unknown',
    ...(p.address?.text ? { address: p.address.text } : {}),
  };
}

/**
 * The list for the commune police (step 1 of the round trip): records of an area awaiting
 * verification or held for a registry mismatch, as CSV or XLSX, each listing counted.
 */
export async function cleaningList(deps: ReviewDeps, filter: AreaFilter, format: 'csv' | 'xlsx', actor: string): Promise<{ body: Buffer | string; rows: number }> {
  const candidates = await recordsToClean(deps.pool, deps.keyring, filter, MAX_LIST_ROWS);
  const rows = candidates.flatMap((c) => rowOf(c) ?? []);
  await insertCleaningEvents(deps.pool, rows.map((r) => Number(r.ref.slice(1))), 'listed', actor);
  const where = filter.commune ? `xã ${filter.commune}` : filter.district ? `huyện ${filter.district}` : filter.province ? `tỉnh ${filter.province}` : filter.facility ? `cơ sở ${filter.facility}` : 'toàn tỉnh';
  const body = format === 'csv' ? writeCleaningCsv(rows) : await writeCleaningXlsx(rows, { title: `Danh sách đề nghị xác minh thông tin công dân — ${where}` });
  return { body, rows: rows.length };
}

/** What importing a returned list did. */
export interface CleaningImport {
  rows: number;
  confirmed: number;
  corrected: number;
  notFound: number;
  linked: number;
  stillHeld: number;
  problems: ListProblem[];
}

/**
 * The police's answers (step 3): a confirmed record is re-checked as verified and linked; a
 * corrected one gets the corrections and is re-checked (linked, or held again with the reason);
 * not found stays held with the police's note. Each row in its own transaction; every step counted.
 */
export async function importReturnedList(deps: ReviewDeps, bytes: Buffer, kind: 'csv' | 'xlsx', actor: string): Promise<CleaningImport> {
  const { rows, problems } = await readReturnedList(bytes, kind).catch((err: Error) => { throw badRequest(`the returned list cannot be read: ${err.message}`); });
  const result: CleaningImport = { rows: rows.length, confirmed: 0, corrected: 0, notFound: 0, linked: 0, stillHeld: 0, problems: [...problems] };
  const toQueue: number[] = [];
  for (const row of rows) {
    const id = /^R(\d{1,15})$/.exec(row.ref)?.[1];
    if (!id) { result.problems.push({ row: row.row, column: 'MA_THAM_CHIEU', message: 'not a reference the gateway wrote (R followed by digits)' }); continue; }
    const outcome = await applyReturnedRow(deps, Number(id), row, actor).catch((err: Error) => ({ problem: err.message }));
    if ('problem' in outcome) { result.problems.push({ row: row.row, column: 'MA_THAM_CHIEU', message: outcome.problem }); continue; }
    result[row.result === 'not_found' ? 'notFound' : row.result] += 1;
    if (outcome.status === 'accepted') { result.linked += 1; toQueue.push(Number(id)); } else result.stillHeld += 1;
  }
  if (toQueue.length) await queueNow(deps, toQueue);
  return result;
}

async function applyReturnedRow(deps: ReviewDeps, id: number, row: ReturnedRow, actor: string): Promise<{ status: string }> {
  return withTransaction(deps.pool, async (client) => {
    const rec = await lockRecordForRerun(client, deps.keyring, id);
    if (!rec || !['unverified', 'rejected', 'held'].includes(rec.status)) throw new Error(`record ${id} is not awaiting cleaning (already linked, or unknown)`);
    if (!rec.facts) throw new Error(`record ${id} kept no facts to correct`);
    let status: string;
    if (row.result === 'not_found') {
      const issues = [{ category: 'REGISTRY_NOT_FOUND' as const, field: 'cleaning', message: `commune police: not found in the population database${row.note ? ` (${row.note.slice(0, 200)})` : ''}` }];
      await updateRerunRecord(client, deps.keyring, rec, { status: rec.status === 'held' ? 'held' : 'rejected', category: 'REGISTRY_NOT_FOUND', issues, warnings: [], resources: null, personId: null, facts: rec.facts, review: rec.review });
      await insertDecision(client, { recordId: id, actor, action: 'cleaning:not_found', detail: { note: row.note ?? null } });
      status = 'rejected';
    } else {
      const facts = row.result === 'corrected' ? applyCorrections(rec.facts as RecordFacts, row.corrections) : (rec.facts as RecordFacts);
      const outcome = await rerunRecord(client, { stages: deps.stages, keyring: deps.keyring, verifyRetryMs: deps.verifyRetryMs }, rec, {
        facts, checkedBy: 'commune-police', actor, action: `cleaning:${row.result}`, detail: row.result === 'corrected' ? { corrections: row.corrections } : {},
      });
      status = outcome.status;
    }
    await insertCleaningEvents(client, [id], row.result, actor);
    await insertCleaningEvents(client, [id], status === 'accepted' ? 'linked' : 'still_held', actor);
    return { status };
  });
}

import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataKeyring } from '../../db/encryption.js';
import { withTransaction } from '../../db/pool.js';
import { badRequest } from '../../errors/outcome.js';
import { intParam, singleParam } from '../../http-input/params.js';
import type { RecordFacts } from '../../mappers/contract.js';
import { FORMATS, formatByName } from '../../mappers/registry.js';
import type { EnqueueLink } from '../../pipeline/ingest.pipeline.js';
import { rerunRecord, type RerunDeps } from '../../pipeline/rerun-record.js';
import {
  ATTENTION_STATUSES, heldIdsWhere, listAttention, type AttentionCursor, type AttentionRow, type AttentionStatus, type RecordsWhere,
} from '../../records/errors.repo.js';
import { ISSUE_CATEGORY_TABLE, RECORD_KINDS, REPORT_GROUPS, reportGroupOf, type RecordIssue, type ReportCategory, type ReportGroup } from '../../records/model.js';
import { lockRecordForRerun } from '../../records/review.repo.js';
import { listUploads, type UploadsQuery } from '../../records/uploads.repo.js';
import { addDays, isDay } from '../../reporting/period.js';
import { queueNow } from './review.service.js';

/**
 * Error review (docs/error-review.md): the filter of `GET /api/errors` and its exports, checked
 * parameter by parameter; each record's view (issues, the last linkage error, the source's key
 * fields opened from the sealed facts); and the bulk re-run of held records through the identity stage.
 */

const FACILITY = /^[0-9A-Za-z]{5}$/;
const AREA = { province: [/^\d{2}$/, 2], district: [/^\d{3}$/, 3], commune: [/^\d{5}$/, 5] } as const;
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)~(\d{1,18})$/;
/** Filter parameters common to the list, the exports and (as JSON fields) the bulk re-run. */
const FILTER_PARAMS = ['facility', 'province', 'district', 'commune', 'category', 'group', 'status', 'kind', 'from', 'to'];
/** Rows of one page of `GET /api/errors`: default and largest. */
export const ERRORS_PAGE = { default: 100, max: 500 } as const;

/** The first instant of a Vietnam day (UTC+7). */
export function vnDayStart(day: string): Date {
  return new Date(`${day}T00:00:00+07:00`);
}

/** A 5-character MA_CSKCB, a GSO code, a category: each value checked, the parameter named in the 400. */
function checked(name: string, v: unknown, ok: (s: string) => boolean, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !ok(v)) throw badRequest(`${name} must be ${what}`, [name]);
  return v;
}

/** `from`/`to` Vietnam days (both inclusive) → [from, to) instants; `to` before `from` is a 400. */
export function arrivalPeriodOf(from: unknown, to: unknown): { from?: Date; to?: Date } {
  const f = checked('from', from, isDay, 'a real date YYYY-MM-DD (Vietnam day of arrival)');
  const t = checked('to', to, isDay, 'a real date YYYY-MM-DD (Vietnam day of arrival, inclusive)');
  if (f && t && t < f) throw badRequest('to must not be before from', ['to']);
  return { ...(f ? { from: vnDayStart(f) } : {}), ...(t ? { to: vnDayStart(addDays(t, 1)) } : {}) };
}

/** The area fields (`province`, `district`, `commune`: GSO codes of the facility's area) of a query or body. */
export function areaOf(src: Record<string, unknown>): Pick<RecordsWhere, 'province' | 'district' | 'commune'> {
  const out: Pick<RecordsWhere, 'province' | 'district' | 'commune'> = {};
  for (const [level, [re, digits]] of Object.entries(AREA) as Array<[keyof typeof AREA, readonly [RegExp, number]]>) {
    const v = checked(level, src[level], (s) => re.test(s), `a ${digits}-digit GSO ${level} code`);
    if (v) out[level] = v;
  }
  return out;
}

/** A report category (`ISSUE_CATEGORY_TABLE`, `LINK_FAILED` for failed records). */
export function categoryOf(v: unknown): string | undefined {
  return checked('category', v, (s) => Object.hasOwn(ISSUE_CATEGORY_TABLE, s), `one of ${Object.keys(ISSUE_CATEGORY_TABLE).join(', ')}`);
}

/**
 * The filter of `GET /api/errors` and `GET /api/errors/export` from the query: every parameter
 * checked (400 naming it), unknown parameters refused. `formatParam` names the submission-format
 * filter (`format` on the list; `sourceFormat` on the export, whose `format` is csv|xlsx). A
 * facility key's own facility is forced, whatever it asks.
 */
export function errorFilterOf(query: Record<string, unknown>, callerFacility: string | null, opts: { formatParam: string; extra: readonly string[] }): RecordsWhere {
  const known = [...FILTER_PARAMS, opts.formatParam, ...opts.extra];
  const unknown = Object.keys(query).find((k) => !known.includes(k));
  if (unknown !== undefined) throw badRequest(`unknown parameter "${unknown.slice(0, 50)}"; allowed: ${known.join(', ')}`, [unknown.slice(0, 50)]);
  for (const name of known) singleParam(query, name);
  const facility = checked('facility', query.facility, (s) => FACILITY.test(s), 'a 5-character MA_CSKCB');
  const group = checked('group', query.group, (s) => Object.hasOwn(REPORT_GROUPS, s), `one of ${Object.keys(REPORT_GROUPS).join(', ')}`) as ReportGroup | undefined;
  const format = checked(opts.formatParam, query[opts.formatParam], (s) => !!formatByName(s), `one of ${FORMATS.map((f) => f.format).join(', ')}`);
  const kind = checked('kind', query.kind, (s) => (RECORD_KINDS as readonly string[]).includes(s), `one of ${RECORD_KINDS.join(', ')}`);
  const status = checked('status', query.status, (s) => s.split(',').every((x) => (ATTENTION_STATUSES as readonly string[]).includes(x)),
    `one or more of ${ATTENTION_STATUSES.join(', ')}, comma-separated`);
  const category = categoryOf(query.category);
  return {
    statuses: status ? [...new Set(status.split(','))] as AttentionStatus[] : ATTENTION_STATUSES,
    ...(callerFacility ? { facility: callerFacility } : facility ? { facility } : {}),
    ...areaOf(query), ...(category ? { category } : {}), ...(group ? { group } : {}),
    ...(format ? { format } : {}), ...(kind ? { kind } : {}), ...arrivalPeriodOf(query.from, query.to),
  };
}

/** The `after` cursor of a page (opaque to callers: the last row's exact arrival and id). */
export function cursorOf(query: Record<string, unknown>): AttentionCursor | undefined {
  const raw = singleParam(query, 'after');
  if (raw === undefined) return undefined;
  const m = CURSOR.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!m || Buffer.from(m[0], 'utf8').toString('base64url') !== raw) throw badRequest('after must be the next cursor of a previous page', ['after']);
  return { receivedAt: m[1]!, id: Number(m[2]) };
}

/** The cursor that continues after this row. */
export function cursorAfter(row: Pick<AttentionRow, 'receivedAt' | 'id'>): string {
  return Buffer.from(`${row.receivedAt}~${row.id}`, 'utf8').toString('base64url');
}

/** A record needing attention as the API shows it: the stored row's identifying fields, plus what the API derives. */
export interface ErrorItem extends Pick<AttentionRow, 'id' | 'submissionId' | 'seq' | 'facility' | 'format' | 'kind' | 'recordKey' | 'receivedAt' | 'status' | 'category' | 'issues'> {
  /** CSV uploads: the data row (1 = first row after the header); null for other formats. */
  position: { row: number } | null;
  group: ReportGroup;
  /** Failed records: the EHR's (or the transport's) answer, summarised. */
  lastError: string | null;
  /** The source's key fields from the kept facts; null when the record kept none (failed records). */
  patient: { name: string | null; birthDate: string | null; SO_CCCD: string | null } | null;
  /** The facility's area on the arrival day (facility register), null when unknown. */
  facilityArea: AttentionRow['area'];
}

/** The EHR's OperationOutcome (or a transport error) as one line, at most 500 characters. */
export function summarizeError(e: unknown): string | null {
  if (e === null || e === undefined) return null;
  let text: string;
  if (typeof e === 'string') text = e;
  else if (typeof e === 'object' && Array.isArray((e as { issue?: unknown }).issue)) {
    text = ((e as { issue: Array<{ diagnostics?: string; details?: { text?: string }; code?: string }> }).issue)
      .map((i) => i.diagnostics ?? i.details?.text ?? i.code ?? '').filter(Boolean).join('; ');
  } else text = (e as { message?: string }).message ?? JSON.stringify(e);
  return Array.from(text).slice(0, 500).join('');
}

/** The person key fields of kept facts (name, birth date, SO_CCCD). */
export function patientOf(facts: unknown): ErrorItem['patient'] {
  const p = (facts as RecordFacts | undefined)?.person;
  if (!p) return null;
  return { name: p.name ?? null, birthDate: p.birth?.fhirDate ?? null, SO_CCCD: p.cccd?.value || null };
}

/** One stored row → its API view. */
export function errorItemOf(r: AttentionRow): ErrorItem {
  return {
    id: r.id, submissionId: r.submissionId, seq: r.seq, position: r.format === 'csv' ? { row: r.seq } : null,
    facility: r.facility, format: r.format, kind: r.kind, recordKey: r.recordKey, receivedAt: r.receivedAt, status: r.status,
    category: r.category, group: r.category ? reportGroupOf(r.category as ReportCategory) : 'other', issues: r.issues,
    lastError: r.status === 'failed' ? summarizeError(r.lastError) : null, patient: patientOf(r.facts), facilityArea: r.area,
  };
}

/** One page of `GET /api/errors`: the items and the cursor of the next page (null on the last). */
export async function listErrors(deps: { pool: pg.Pool; keyring: DataKeyring | null }, where: RecordsWhere, after: AttentionCursor | undefined, limit: number) {
  const rows = await listAttention(deps.pool, deps.keyring, where, { ...(after ? { after } : {}), limit: limit + 1 });
  const page = rows.slice(0, limit);
  return { items: page.map(errorItemOf), next: rows.length > limit ? cursorAfter(page[page.length - 1]!) : null };
}

/** The page size of a query (`limit`, 1–500). */
export const pageLimitOf = (query: Record<string, unknown>) => intParam(query, 'limit', { min: 1, max: ERRORS_PAGE.max, default: ERRORS_PAGE.default });

/** What a bulk re-run of held records needs. */
export interface HeldRerunDeps {
  pool: pg.Pool;
  enqueueLink: EnqueueLink;
  log: Logger;
  rerun: RerunDeps;
}

/** What deciding held records again did: how many became what (accepted ones are queued for linkage). */
export interface HeldRerunResult {
  accepted: number;
  held: number;
  rejected: number;
  unverified: number;
  /** Left as they were: decided meanwhile by someone else, or kept no facts to decide on. */
  skipped: number;
}

/** Most held records one request decides; `more` says when the filter matched more. */
export const MAX_HELD_PER_RUN = 10_000;
const HELD_PAGE = 200;

/**
 * Decide held records again through the identity stage (pipeline/rerun-record.ts, as the review
 * queue does): each in its own transaction, locked, still held; the accepted ones queued at once.
 * The statistics follow through the records triggers.
 */
export async function rerunHeld(deps: HeldRerunDeps, filter: Omit<RecordsWhere, 'statuses'>, actor: string): Promise<HeldRerunResult & { more?: true }> {
  const result: HeldRerunResult = { accepted: 0, held: 0, rejected: 0, unverified: 0, skipped: 0 };
  let afterId = 0;
  let seen = 0;
  for (;;) {
    const ids = await heldIdsWhere(deps.pool, filter, afterId, Math.min(HELD_PAGE, MAX_HELD_PER_RUN - seen));
    if (ids.length === 0) break;
    const accepted: number[] = [];
    for (const id of ids) {
      const status = await withTransaction(deps.pool, async (client) => {
        const rec = await lockRecordForRerun(client, deps.rerun.keyring, id);
        if (!rec || rec.status !== 'held' || !rec.facts) return undefined;
        return (await rerunRecord(client, deps.rerun, rec, { actor, action: 'rerun', detail: { bulk: true } })).status;
      }).catch((err: Error) => {
        deps.log.warn({ record: id, err: err.name }, 'held record could not be decided again; left held');
        return undefined;
      });
      if (status === undefined) result.skipped += 1;
      else result[status] += 1;
      if (status === 'accepted') accepted.push(id);
    }
    if (accepted.length) await queueNow(deps, accepted);
    seen += ids.length;
    afterId = ids[ids.length - 1]!;
    if (seen >= MAX_HELD_PER_RUN) return { ...result, more: true };
  }
  return result;
}

const UPLOAD_CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)~([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The query of `GET /api/submissions`: `facility` (forced for a facility key), `from`/`to` arrival days, `after`, `limit`. */
export function uploadsQueryOf(query: Record<string, unknown>, callerFacility: string | null): UploadsQuery {
  const known = ['facility', 'from', 'to', 'after', 'limit'];
  const unknown = Object.keys(query).find((k) => !known.includes(k));
  if (unknown !== undefined) throw badRequest(`unknown parameter "${unknown.slice(0, 50)}"; allowed: ${known.join(', ')}`, [unknown.slice(0, 50)]);
  for (const name of known) singleParam(query, name);
  const facility = checked('facility', query.facility, (s) => FACILITY.test(s), 'a 5-character MA_CSKCB');
  let after: UploadsQuery['after'];
  if (query.after !== undefined) {
    const raw = query.after as string;
    const m = UPLOAD_CURSOR.exec(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!m || Buffer.from(m[0], 'utf8').toString('base64url') !== raw) throw badRequest('after must be the next cursor of a previous page', ['after']);
    after = { receivedAt: m[1]!, id: m[2]! };
  }
  return {
    ...(callerFacility ? { facility: callerFacility } : facility ? { facility } : {}),
    ...arrivalPeriodOf(query.from, query.to), ...(after ? { after } : {}), limit: pageLimitOf(query),
  };
}

/** One page of the upload history, newest first, and the cursor of the next (null on the last). */
export async function uploadHistory(pool: pg.Pool, q: UploadsQuery) {
  const rows = await listUploads(pool, { ...q, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(({ cursor: _cursor, ...u }) => u),
    next: rows.length > q.limit ? Buffer.from(page[page.length - 1]!.cursor, 'utf8').toString('base64url') : null,
  };
}

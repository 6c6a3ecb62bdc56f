import { Router } from 'express';
import { badRequest } from '../../errors/outcome.js';
import { factDateOf, type IdentityCorrections } from '../../identity/corrections.js';
import type { RecordStatus } from '../../records/model.js';
import { identityStats } from '../../identity/identity-stats.repo.js';
import { requireRole } from '../http/auth.js';
import { parsePeriod } from './api.routes.js';
import { moveRecords, viewPerson, type MoveTarget, type PersonsDeps } from '../services/persons.service.js';
import { acceptCandidate, correctRecord, listReview, rejectHeld, reviewItem, type ReviewDeps } from '../services/review.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FACILITY = /^[0-9A-Za-z]{5}$/;
const CCCD = /^\d{12}$/;
const REVIEW_STATUSES: RecordStatus[] = ['held', 'unverified', 'rejected'];

function recordId(raw: unknown): number {
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw badRequest('record id must be a positive integer', ['id']);
  return Number(raw);
}

function body(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('the body must be a JSON object');
  return raw as Record<string, unknown>;
}

function onlyFields(b: Record<string, unknown>, allowed: string[]): void {
  const unknown = Object.keys(b).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw badRequest(`unknown field "${unknown.slice(0, 50)}"; allowed: ${allowed.join(', ')}`, [unknown.slice(0, 50)]);
}

function text(b: Record<string, unknown>, name: string, max = 500): string {
  const v = b[name];
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw badRequest(`${name} must be a non-empty string of at most ${max} characters`, [name]);
  return v.trim();
}

/** The identity fields of `POST /api/review/{id}/correct`, checked. */
export function correctionsOf(raw: unknown): IdentityCorrections {
  const b = body(raw);
  onlyFields(b, ['cccd', 'name', 'birthDate', 'gender']);
  const c: IdentityCorrections = {};
  if (b.cccd !== undefined) { if (typeof b.cccd !== 'string' || !CCCD.test(b.cccd)) throw badRequest('cccd must be 12 digits', ['cccd']); c.cccd = b.cccd; }
  if (b.name !== undefined) c.name = text(b, 'name', 200);
  if (b.birthDate !== undefined) {
    if (typeof b.birthDate !== 'string' || !factDateOf(b.birthDate)) throw badRequest('birthDate must be a real date: yyyy, yyyy-mm or yyyy-mm-dd', ['birthDate']);
    c.birthDate = b.birthDate;
  }
  if (b.gender !== undefined) { if (!['male', 'female', 'unknown'].includes(b.gender as string)) throw badRequest('gender must be male, female or unknown', ['gender']); c.gender = b.gender as IdentityCorrections['gender']; }
  if (Object.keys(c).length === 0) throw badRequest('name at least one of cccd, name, birthDate, gender to correct');
  return c;
}

/** The review queue's filter from the query string. */
function reviewFilterOf(q: Record<string, unknown>) {
  const statuses = q.status === undefined ? ['held' as RecordStatus] : String(q.status).split(',') as RecordStatus[];
  if (!statuses.every((s) => REVIEW_STATUSES.includes(s))) throw badRequest(`status must be among ${REVIEW_STATUSES.join(', ')}`, ['status']);
  if (q.facility !== undefined && (typeof q.facility !== 'string' || !FACILITY.test(q.facility))) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
  if (q.commune !== undefined && (typeof q.commune !== 'string' || !/^\d{5}$/.test(q.commune))) throw badRequest('commune must be a 5-digit GSO code', ['commune']);
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be an integer 1–1000', ['limit']);
  const after = q.after === undefined ? 0 : Number(q.after);
  if (!Number.isSafeInteger(after) || after < 0) throw badRequest('after must be a record id', ['after']);
  const categories = q.category === undefined ? undefined : String(q.category).split(',');
  return { statuses, limit, afterId: after, ...(q.facility ? { facility: q.facility as string } : {}), ...(q.commune ? { commune: q.commune as string } : {}), ...(categories ? { categories } : {}) };
}

/**
 * Identity administration (docs/identity.md): the review queue — list held and doubtful records
 * with candidates and reasons, accept a candidate, reject, or correct and re-run — and the person
 * index — view a person, move records to the right person after linking. Admin keys only; every
 * decision records who (the key), when and what changed.
 */
export function identityRoutes(deps: ReviewDeps & PersonsDeps & { clock: () => Date }): Router {
  const router = Router();
  const actor = (req: { principal?: { keyId: string } }) => `key:${req.principal?.keyId ?? 'unknown'}`;

  router.get('/review', requireRole('admin'), async (req, res) => {
    const items = await listReview(deps, reviewFilterOf(req.query as Record<string, unknown>));
    res.json({ count: items.length, next: items.length ? items[items.length - 1]!.id : null, items });
  });
  router.get('/review/:id', requireRole('admin'), async (req, res) => {
    res.json(await reviewItem(deps, recordId(req.params.id)));
  });
  router.post('/review/:id/accept', requireRole('admin'), async (req, res) => {
    const b = body(req.body);
    onlyFields(b, ['personId']);
    if (typeof b.personId !== 'string' || !UUID.test(b.personId)) throw badRequest('personId must be a candidate\'s person id (UUID)', ['personId']);
    const id = recordId(req.params.id);
    res.locals.audit = { resource: `record/${id}` };
    res.json(await acceptCandidate(deps, id, b.personId, actor(req)));
  });
  router.post('/review/:id/reject', requireRole('admin'), async (req, res) => {
    const b = body(req.body);
    onlyFields(b, ['reason']);
    const id = recordId(req.params.id);
    res.locals.audit = { resource: `record/${id}` };
    res.json(await rejectHeld(deps, id, text(b, 'reason'), actor(req)));
  });
  router.post('/review/:id/correct', requireRole('admin'), async (req, res) => {
    const id = recordId(req.params.id);
    res.locals.audit = { resource: `record/${id}` };
    res.json(await correctRecord(deps, id, correctionsOf(req.body), actor(req)));
  });

  router.get('/stats/identity', requireRole('admin'), async (req, res) => {
    const { from, to } = parsePeriod(req.query as Record<string, unknown>, deps.clock());
    res.json({ from: from.toISOString(), to: to.toISOString(), ...(await identityStats(deps.pool, from, to)) });
  });

  router.get('/persons/:id', requireRole('admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!UUID.test(id)) throw badRequest('person id must be a UUID', ['id']);
    res.locals.audit = { resource: `Patient/${id}` };
    res.json(await viewPerson(deps, id));
  });
  router.post('/persons/:id/move', requireRole('admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!UUID.test(id)) throw badRequest('person id must be a UUID', ['id']);
    const b = body(req.body);
    onlyFields(b, ['to', 'records', 'merge', 'reason']);
    if (b.merge !== undefined && typeof b.merge !== 'boolean') throw badRequest('merge must be a boolean (true: the two are one person)', ['merge']);
    const to = b.to as Record<string, unknown> | undefined;
    let target: MoveTarget;
    if (to && typeof to.cccd === 'string' && CCCD.test(to.cccd)) target = { cccd: to.cccd };
    else if (to && typeof to.personId === 'string' && UUID.test(to.personId)) target = { personId: to.personId };
    else throw badRequest('to must be {"cccd": "<12 digits>"} or {"personId": "<uuid>"}', ['to']);
    if (b.records !== undefined && (!Array.isArray(b.records) || b.records.length === 0 || b.records.length > 10_000 || !b.records.every((r) => Number.isSafeInteger(r) && r > 0))) {
      throw badRequest('records must be a non-empty array of record ids', ['records']);
    }
    res.locals.audit = { resource: `Patient/${id}` };
    res.json(await moveRecords(deps, id, target, { ...(b.records ? { recordIds: b.records as number[] } : {}), ...(b.merge ? { merge: true } : {}), reason: text(b, 'reason'), actor: actor(req) }));
  });
  return router;
}


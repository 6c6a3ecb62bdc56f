import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataKeyring } from '../../db/encryption.js';
import { withTransaction } from '../../db/pool.js';
import { badRequest, conflict, notFound } from '../../errors/outcome.js';
import { checkCccdAgainstPerson } from '../../identity/cccd.js';
import { acceptedCandidateDecision, applyCorrections, type IdentityCorrections } from '../../identity/corrections.js';
import { identifiersOf, loadPersons } from '../../identity/person-index.repo.js';
import type { RecordFacts } from '../../mappers/contract.js';
import type { EnqueueLink } from '../../pipeline/ingest.pipeline.js';
import type { RecordStages } from '../../pipeline/process-record.js';
import { rerunRecord } from '../../pipeline/rerun-record.js';
import type { RecordStatus } from '../../records/model.js';
import { markQueued } from '../../records/records.repo.js';
import {
  decisionsOf, insertDecision, listReviewRecords, lockRecordForRerun, updateRerunRecord, type RecordToRerun, type RerunOutcome, type ReviewItem,
} from '../../records/review.repo.js';

/** What the review queue needs: the pool, the record stages (to decide again), the keyring of kept facts, the queue. */
export interface ReviewDeps {
  pool: pg.Pool;
  stages: RecordStages;
  keyring: DataKeyring | null;
  enqueueLink: EnqueueLink;
  log: Logger;
  verifyRetryMs: number;
}

/** Statuses an administrator may decide on: held (review queue), rejected (identity categories), unverified. */
const DECIDABLE: ReadonlySet<RecordStatus> = new Set(['held', 'rejected', 'unverified']);

/** A candidate as the reviewer sees it: who they are in the person index. */
async function describeCandidates(pool: pg.Pool, items: ReviewItem[]) {
  const ids = [...new Set(items.flatMap((i) => ((i.review as { candidates?: Array<{ personId: string }> } | null)?.candidates ?? []).map((c) => c.personId)))];
  const persons = await loadPersons(pool, ids);
  const identifiers = await identifiersOf(pool, ids);
  return (personId: string) => {
    const p = persons.get(personId);
    return p ? {
      kind: p.kind, state: p.state, verified: p.verified !== null,
      birthDate: p.verified?.birthDate ?? p.demographics?.birthDate ?? null, gender: p.verified?.gender ?? p.demographics?.gender ?? null,
      commune: p.demographics?.commune ?? null, name: p.verified?.name ?? p.demographics?.nameKey ?? null,
      identifiers: (identifiers.get(personId) ?? []).map(({ system, value, state }) => ({ system, value, state })),
    } : null;
  };
}

/** The review queue (GET /api/review): records with their reasons, candidates (who they are) and the decisions taken so far. */
export async function listReview(deps: Pick<ReviewDeps, 'pool'>, f: Parameters<typeof listReviewRecords>[1]) {
  const items = await listReviewRecords(deps.pool, f);
  const describe = await describeCandidates(deps.pool, items);
  const decisions = await decisionsOf(deps.pool, items.map((i) => i.id));
  return items.map((i) => {
    const candidates = ((i.review as { candidates?: Array<{ personId: string }> } | null)?.candidates ?? []).map((c) => ({ ...c, person: describe(c.personId) }));
    return { ...i, review: undefined, candidates, decisions: decisions.get(i.id) ?? [] };
  });
}

/** One record of the queue, with its decisions. */
export async function reviewItem(deps: Pick<ReviewDeps, 'pool'>, id: number) {
  const [item] = await listReview(deps, { statuses: ['held', 'unverified', 'rejected', 'accepted', 'linked', 'failed'], afterId: id - 1, limit: 1 });
  if (!item || item.id !== id) throw notFound(`record ${id} not found`);
  return item;
}

/** Run one decision in a transaction on a locked record; queue it when it became accepted. */
async function decideOn(deps: ReviewDeps, id: number, run: (client: pg.PoolClient, rec: RecordToRerun) => Promise<RerunOutcome>): Promise<RerunOutcome & { id: number }> {
  const outcome = await withTransaction(deps.pool, async (client) => {
    const rec = await lockRecordForRerun(client, deps.keyring, id);
    if (!rec) throw notFound(`record ${id} not found`);
    if (!DECIDABLE.has(rec.status)) throw conflict(`record ${id} is ${rec.status}: only held, unverified or rejected records are decided here`);
    return run(client, rec);
  });
  if (outcome.status === 'accepted') await queueNow(deps, [id]);
  return { ...outcome, id };
}

/** Queue accepted records at once (a queue outage leaves them to the outbox relay). */
export async function queueNow(deps: Pick<ReviewDeps, 'pool' | 'enqueueLink' | 'log'>, ids: number[]): Promise<void> {
  const jobId = `review-${ids[0]}-${ids.length}-${Date.now().toString(36)}`;
  try {
    await deps.enqueueLink(ids, jobId);
    await markQueued(deps.pool, ids, jobId);
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, records: ids.length }, 'could not queue reviewed records; the relay will retry');
  }
}

const rerunDeps = (deps: ReviewDeps) => ({ stages: deps.stages, keyring: deps.keyring, verifyRetryMs: deps.verifyRetryMs });

/** The record's CCCD when it is structurally valid (an accepted candidate is keyed by it). */
function validCccd(facts: RecordFacts): string | undefined {
  const p = facts.person;
  const v = p?.cccd.value.replace(/\s+/g, '') ?? '';
  return /^\d{12}$/.test(v) && !checkCccdAgainstPerson(v, { birthYear: p?.birth?.year, gender: p?.gender }) ? v : undefined;
}

/** Accept a candidate: the record belongs to that person (one of its candidates), and is linked. */
export async function acceptCandidate(deps: ReviewDeps, id: number, personId: string, actor: string) {
  return decideOn(deps, id, async (client, rec) => {
    const candidates = ((rec.review as { candidates?: Array<{ personId: string }> } | null)?.candidates ?? []).map((c) => c.personId);
    if (!candidates.includes(personId)) throw badRequest(`person ${personId} is not a candidate of record ${id}; correct the record's identity instead`, ['personId']);
    const cccd = rec.facts ? validCccd(rec.facts as RecordFacts) : undefined;
    const held = cccd ? (await identifiersOf(client, [personId])).get(personId)?.find((i) => i.system === 'cccd' && i.state !== 'previous' && i.value !== cccd) : undefined;
    if (held) throw conflict(`person ${personId} holds another CCCD than record ${id}: correct the record's CCCD, or move records between persons, instead of accepting`);
    return rerunRecord(client, rerunDeps(deps), rec, {
      decide: (facts) => acceptedCandidateDecision(facts, personId, validCccd(facts)),
      actor, action: 'accept', detail: { personId },
    });
  });
}

/** Reject a held record: it stays out of the EHR with its category, the reason recorded. */
export async function rejectHeld(deps: ReviewDeps, id: number, reason: string, actor: string) {
  return decideOn(deps, id, async (client, rec) => {
    const issues = [{ category: (rec.category ?? 'IDENTITY_REVIEW') as RerunOutcome['issues'][number]['category'], field: 'review', message: `rejected by the reviewer: ${reason}` }];
    const outcome: RerunOutcome = { status: 'rejected', category: rec.category ?? 'IDENTITY_REVIEW', issues, warnings: [], resources: null, personId: null, facts: rec.facts, review: rec.review };
    await updateRerunRecord(client, deps.keyring, rec, outcome);
    await insertDecision(client, { recordId: rec.id, actor, action: 'reject', detail: { reason } });
    return outcome;
  });
}

/** Correct the identity fields of a record (the right CCCD, name, birth date, sex) and decide it again. */
export async function correctRecord(deps: ReviewDeps, id: number, corrections: IdentityCorrections, actor: string) {
  return decideOn(deps, id, async (client, rec) => {
    if (!rec.facts) throw conflict(`record ${id} was stored before facts were kept: re-send it from the facility`);
    return rerunRecord(client, rerunDeps(deps), rec, {
      facts: applyCorrections(rec.facts as RecordFacts, corrections),
      actor, action: 'correct', detail: { corrections },
    });
  });
}

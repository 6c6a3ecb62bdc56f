import type { DataKeyring } from '../db/encryption.js';
import type { Db } from '../db/pool.js';
import { conflict } from '../errors/outcome.js';
import type { IdentityDecision } from '../identity/identity.stage.js';
import type { MappedItem, RecordFacts } from '../mappers/contract.js';
import { insertDecision, updateRerunRecord, type RecordToRerun, type RerunOutcome } from '../records/review.repo.js';
import { finishRecord, type RecordStages } from './process-record.js';

/** What deciding a stored record again needs. */
export interface RerunDeps {
  stages: RecordStages;
  keyring: DataKeyring | null;
  /** Wait before an unverified record is checked again. */
  verifyRetryMs: number;
}

/** How to decide again: with corrected facts, or with the person an administrator chose. */
export interface RerunRequest {
  facts?: RecordFacts;
  decide?: (facts: RecordFacts) => IdentityDecision;
  actor: string;
  action: string;
  detail: unknown;
  /** Who checked the identity against the population database (the cleaning round trip): the registry is not asked again. */
  checkedBy?: string;
}

/**
 * Decide a stored record again (review queue, cleaning round trip, registry back): the identity
 * stage runs on its kept facts (or the corrected ones), resources are built and validated as at
 * ingest, the person index learns, the row is updated, and the decision is recorded with who and
 * what. An accepted record is left for the outbox relay to queue. Runs inside the caller's transaction.
 */
export async function rerunRecord(db: Db, deps: RerunDeps, rec: RecordToRerun, req: RerunRequest): Promise<RerunOutcome> {
  const facts = req.facts ?? (rec.facts as RecordFacts | undefined);
  if (!facts) throw conflict(`record ${rec.id} was stored before facts were kept: re-send it from the facility`);
  const item: MappedItem = { seq: rec.seq, facts, payload: undefined, kind: rec.kind };
  const session = await deps.stages.identity.begin({ db, format: rec.format, now: new Date(), ...(req.checkedBy ? { checkedBy: req.checkedBy } : {}) }, [facts]);
  const decision = req.decide ? req.decide(facts) : await session.decide(facts);
  // The sender's facility stands in for its key: a record refused for another facility's episode stays refused.
  const record = finishRecord(item, decision, deps.stages, rec.facility === 'UNKNOWN' ? null : rec.facility);
  record.facility = rec.facility;
  const outcome: RerunOutcome = {
    status: record.status, category: record.category, issues: record.issues, warnings: record.warnings,
    resources: record.resources, personId: record.personId ?? null, verifyAfterMs: deps.verifyRetryMs, learn: record.learn ?? null,
    ...(record.facts !== undefined ? { facts: record.facts } : {}), ...(record.review !== undefined ? { review: record.review } : {}),
  };
  await updateRerunRecord(db, deps.keyring, rec, outcome);
  // A registry still unavailable decides nothing: no decision to record.
  if (!(rec.status === 'unverified' && record.status === 'unverified')) {
    await insertDecision(db, { recordId: rec.id, actor: req.actor, action: req.action, detail: { ...(req.detail as object), outcome: record.status, category: record.category } });
  }
  return outcome;
}

import type pg from 'pg';
import type { Logger } from 'pino';
import type { EnqueueLink } from '../../pipeline/ingest.pipeline.js';
import type { RerunDeps } from '../../pipeline/rerun-record.js';
import { reopenFailedWhere } from '../../records/errors.repo.js';
import { markQueued } from '../../records/records.repo.js';
import { getSubmission, getSubmissionFacility, type SubmissionView } from '../../records/submissions.repo.js';
import { forbidden, GatewayError, notFound } from '../../errors/outcome.js';
import { rerunHeld, type HeldRerunResult } from './errors.service.js';

/** What the administrative services need. */
export interface RecordsServiceDeps {
  pool: pg.Pool;
  enqueueLink: EnqueueLink;
  log: Logger;
  linkBatchSize: number;
  /** Deciding held records again (the identity stage, builders, kept facts' keyring); absent: held re-runs refused. */
  rerun?: RerunDeps;
}

/** A submission's view; a facility caller sees only its own submissions. */
export async function viewSubmission(deps: Pick<RecordsServiceDeps, 'pool'>, id: string, callerFacility: string | null): Promise<SubmissionView> {
  if (callerFacility) {
    const owner = await getSubmissionFacility(deps.pool, id);
    if (!owner) throw notFound(`submission ${id} not found`);
    if (owner.facility !== callerFacility) throw forbidden('this submission belongs to another facility');
  }
  const view = await getSubmission(deps.pool, id);
  if (!view) throw notFound(`submission ${id} not found`);
  return view;
}

/** Which records to re-run (fields combine with AND; no field: every facility's); see docs/error-review.md. */
export interface RerunFilter {
  facility?: string;
  submissionId?: string;
  keys?: string[];
  /** `failed` (default): re-queued for linkage; `held`: decided again through the identity stage. */
  status?: 'failed' | 'held';
  /** Arrival in [from, to) (Vietnam day boundaries). */
  from?: Date;
  to?: Date;
  /** The facility's area on the arrival day (GSO codes). */
  province?: string;
  district?: string;
  commune?: string;
  /** A report category (ISSUE_CATEGORY_TABLE; LINK_FAILED for failed records). */
  category?: string;
}

/** What a re-run did: failed records re-queued, or held records decided again (accepted ones queued). */
export interface RerunAnswer {
  requeued: number;
  decided?: HeldRerunResult;
  /** More held records matched than one request decides (MAX_HELD_PER_RUN): send it again. */
  more?: true;
}

/**
 * Re-run records: failed ones (dead letters) back to accepted and queued again; held ones decided
 * again through the identity stage (`deps.rerun` needed), the accepted ones queued. The statistics
 * follow through the records triggers.
 */
export async function rerunFailed(deps: RecordsServiceDeps, filter: RerunFilter, actor = 'system'): Promise<RerunAnswer> {
  const { status, ...where } = filter;
  if (status === 'held') {
    if (!deps.rerun) throw new GatewayError(503, 'not-supported', 'held records cannot be decided again by this process (no identity stage configured)');
    const { more, ...decided } = await rerunHeld({ ...deps, rerun: deps.rerun }, where, actor);
    return { requeued: 0, decided, ...(more ? { more } : {}) };
  }
  const ids = await reopenFailedWhere(deps.pool, where);
  for (let i = 0; i < ids.length; i += deps.linkBatchSize) {
    const batch = ids.slice(i, i + deps.linkBatchSize);
    const jobId = `rerun-${batch[0]}-${batch.length}-${Date.now().toString(36)}`;
    try {
      await deps.enqueueLink(batch, jobId);
      await markQueued(deps.pool, batch, jobId);
    } catch (err) {
      // Left with queued_at NULL: the outbox relay queues them.
      deps.log.warn({ err: (err as Error).message, records: batch.length }, 'could not queue re-run; the relay will retry');
      break;
    }
  }
  return { requeued: ids.length };
}

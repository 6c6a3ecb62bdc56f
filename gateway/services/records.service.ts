import type pg from 'pg';
import type { Logger } from 'pino';
import type { EnqueueLink } from '../../pipeline/ingest.pipeline.js';
import { markQueued, reopenFailed } from '../../records/records.repo.js';
import { facilityStats, totalOf, type FacilityStats, type StatsFilter } from '../../records/stats.repo.js';
import { getSubmission, getSubmissionFacility, type SubmissionView } from '../../records/submissions.repo.js';
import { forbidden, notFound } from '../../errors/outcome.js';

/** What the administrative services need. */
export interface RecordsServiceDeps {
  pool: pg.Pool;
  enqueueLink: EnqueueLink;
  log: Logger;
  linkBatchSize: number;
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

/** Per-facility statistics of a period with their totals (every column adds up to `received`). */
export async function statisticsOf(
  deps: Pick<RecordsServiceDeps, 'pool'>, from: Date, to: Date, filter: StatsFilter = {},
): Promise<{ totals: ReturnType<typeof totalOf>; facilities: FacilityStats[] }> {
  const facilities = await facilityStats(deps.pool, from, to, filter);
  return { totals: totalOf(facilities), facilities };
}

/** Which failed records to re-run (fields combine with AND; no field: every facility's). */
export interface RerunFilter {
  facility?: string;
  submissionId?: string;
  keys?: string[];
}

/** Re-run failed records (dead letters): back to accepted and queued again; returns how many. */
export async function rerunFailed(deps: RecordsServiceDeps, filter: RerunFilter): Promise<number> {
  const ids = await reopenFailed(deps.pool, filter);
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
  return ids.length;
}

import { runPeriodically } from '../resilience/periodic.js';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import { findOpenRecords, markQueued } from '../records/records.repo.js';
import { enqueueLinkBatch, type LinkJobData, type LinkJobResult } from './queues.js';

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The outbox relay: PostgreSQL is the source of truth, the queue only a delivery mechanism. Records
 * that were accepted but never queued (Redis was down at ingest) or whose job vanished (Redis lost
 * its data, a worker died with the lock) are queued again. Re-delivery is harmless: linkage is idempotent.
 */
export async function relayOpenRecords(
  deps: { pool: pg.Pool; queue: Queue<LinkJobData, LinkJobResult>; log: Logger; staleMs: number; batchSize: number },
): Promise<number> {
  const open = await findOpenRecords(deps.pool, deps.staleMs, 5000);
  if (open.length === 0) return 0;
  const jobStates = new Map<string, boolean>();
  const orphaned: number[] = [];
  for (const r of open) {
    if (r.jobId) {
      if (!jobStates.has(r.jobId)) {
        const job = await deps.queue.getJob(r.jobId);
        jobStates.set(r.jobId, !!job && LIVE_STATES.has(await job.getState()));
      }
      if (jobStates.get(r.jobId)) continue;
    }
    orphaned.push(r.id);
  }
  for (let i = 0; i < orphaned.length; i += deps.batchSize) {
    const batch = orphaned.slice(i, i + deps.batchSize);
    const jobId = await enqueueLinkBatch(deps.queue, batch, `relay-${batch[0]}-${batch.length}-${Date.now().toString(36)}`);
    await markQueued(deps.pool, batch, jobId);
  }
  if (orphaned.length) deps.log.info({ records: orphaned.length }, 'relay queued open records');
  return orphaned.length;
}

/** Run the relay every `intervalMs` until stopped; errors (Redis or PostgreSQL down) are logged and retried. */
export function startRelay(deps: Parameters<typeof relayOpenRecords>[0] & { intervalMs: number }): { stop: () => Promise<void> } {
  return runPeriodically(() => relayOpenRecords(deps), deps.intervalMs, (err) => deps.log.warn({ err: err.message }, 'relay pass failed'));
}

import { runPeriodically } from '../resilience/periodic.js';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataKeyring } from '../db/encryption.js';
import { withTransaction } from '../db/pool.js';
import { lockDueUnverified, lockRecordForRerun, postponeVerification } from '../records/review.repo.js';
import type { RecordStages } from './process-record.js';
import { rerunRecord } from './rerun-record.js';

/** Most records decided per pass. */
const BATCH = 200;

/** What the re-check loop needs. */
export interface VerificationRetryDeps {
  pool: pg.Pool;
  keyring: DataKeyring | null;
  stages: RecordStages;
  log: Logger;
  intervalMs: number;
  /** How long a record still unverified waits before the next check. */
  verifyRetryMs: number;
}

/**
 * One pass: unverified records whose time has come (the registry was unavailable when they
 * arrived) are decided again, each in its own transaction (SKIP LOCKED: several workers share the
 * work). Verified → accepted (the relay queues them); mismatch or not found → rejected with the
 * category; still unavailable → checked again after VERIFY_RETRY_MS. Never `unavailable` →
 * mismatch. A record that cannot be decided (its facts unreadable) is postponed and logged by id,
 * so it never blocks the others. Returns how many records left the unverified state.
 */
export async function recheckUnverified(deps: Omit<VerificationRetryDeps, 'intervalMs'>): Promise<number> {
  let settled = 0;
  for (let i = 0; i < BATCH; i++) {
    const outcome = await recheckOne(deps);
    if (outcome === 'none') break;
    if (outcome === 'settled') settled += 1;
  }
  return settled;
}

async function recheckOne(deps: Omit<VerificationRetryDeps, 'intervalMs'>): Promise<'none' | 'settled' | 'still'> {
  let id: number | undefined;
  try {
    return await withTransaction(deps.pool, async (client) => {
      [id] = await lockDueUnverified(client, 1);
      if (id === undefined) return 'none';
      const rec = await lockRecordForRerun(client, deps.keyring, id);
      if (!rec) throw new Error(`record ${id} vanished`);
      const outcome = await rerunRecord(client, { stages: deps.stages, keyring: deps.keyring, verifyRetryMs: deps.verifyRetryMs }, rec, {
        actor: 'registry-recheck', action: 'verify', detail: {},
      });
      if (outcome.status === 'unverified') await postponeVerification(client, [rec.id], deps.verifyRetryMs);
      return outcome.status === 'unverified' ? 'still' : 'settled';
    });
  } catch (err) {
    if (id === undefined) throw err;
    deps.log.warn({ record: id, err: (err as Error).message }, 'registry re-check of a record failed; postponed');
    await postponeVerification(deps.pool, [id], deps.verifyRetryMs).catch(() => undefined);
    return 'still';
  }
}

/** Run `recheckUnverified` every `intervalMs` (in the worker role); `stop()` waits for a running pass. */
export function startVerificationRetry(deps: VerificationRetryDeps): { stop: () => Promise<void> } {
  return runPeriodically(async () => {
    const n = await recheckUnverified(deps);
    if (n) deps.log.info({ records: n }, 'unverified records decided after the registry answered');
  }, deps.intervalMs, (err) => deps.log.warn({ err: err.message }, 'registry re-check pass failed'));
}

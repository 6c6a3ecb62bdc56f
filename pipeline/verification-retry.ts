import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataKeyring } from '../db/encryption.js';
import { lockDueUnverified, postponeVerification } from '../records/review.repo.js';
import type { RecordStages } from './process-record.js';
import { rerunRecord } from './rerun-record.js';

/** Records checked per pass. */
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
 * arrived) are decided again. Verified → accepted (the relay queues them); mismatch or not found →
 * rejected with the category; still unavailable → checked again after VERIFY_RETRY_MS. Never
 * `unavailable` → mismatch. Returns how many records left the unverified state.
 */
export async function recheckUnverified(deps: Omit<VerificationRetryDeps, 'intervalMs'>): Promise<number> {
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    const due = await lockDueUnverified(client, deps.keyring, BATCH);
    let settled = 0;
    const still: number[] = [];
    for (const rec of due) {
      const outcome = await rerunRecord(client, { stages: deps.stages, keyring: deps.keyring, verifyRetryMs: deps.verifyRetryMs }, rec, {
        actor: 'registry-recheck', action: 'verify', detail: {},
      });
      if (outcome.status === 'unverified') still.push(rec.id);
      else settled += 1;
    }
    await postponeVerification(client, still, deps.verifyRetryMs);
    await client.query('COMMIT');
    return settled;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Run `recheckUnverified` every `intervalMs` (in the worker role); `stop()` waits for a running pass. */
export function startVerificationRetry(deps: VerificationRetryDeps): { stop: () => Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = recheckUnverified(deps)
      .then((n) => { if (n) deps.log.info({ records: n }, 'unverified records decided after the registry answered'); })
      .catch((err) => deps.log.warn({ err: (err as Error).message }, 'registry re-check pass failed'))
      .finally(() => { busy = false; });
  }, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

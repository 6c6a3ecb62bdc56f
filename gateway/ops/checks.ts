import type pg from 'pg';
import type { ReadinessCheck } from './readiness.js';

/** Longest wait for PostgreSQL and Redis (a Kubernetes probe's default timeout is 1 s; docs/operations.md). */
export const DEPENDENCY_TIMEOUT_MS = 1000;
/** Longest wait for the external EHR's capability statement. */
export const EHR_TIMEOUT_MS = 2000;
/** How long an EHR result is reused, so probes every few seconds never hammer a province's server. */
export const EHR_CACHE_MS = 10_000;

/** PostgreSQL answers `SELECT 1` (on the pool the process serves from). */
export function postgresCheck(pool: pg.Pool, timeoutMs = DEPENDENCY_TIMEOUT_MS): ReadinessCheck {
  return { name: 'postgres', timeoutMs, run: async () => { await pool.query('SELECT 1'); } };
}

/** Redis answers PING (on the queue's connection: without it nothing is queued for linkage). */
export function redisCheck(redis: { ping: () => Promise<unknown> }, timeoutMs = DEPENDENCY_TIMEOUT_MS): ReadinessCheck {
  return { name: 'redis', timeoutMs, run: async () => { await redis.ping(); } };
}

/** Where linkage writes: the built-in store (this PostgreSQL), or a province's FHIR server over HTTP. */
export type EhrTarget = { kind: 'built-in'; pool: pg.Pool } | { kind: 'external'; baseUrl: string; apiKey?: string };

/**
 * The EHR: the built-in store lives in PostgreSQL (`SELECT 1`); an external EHR must answer
 * `GET [base]/metadata` with 2xx (its CapabilityStatement, http://hl7.org/fhir/R4/http.html#capabilities)
 * within 2 s. The external result is cached ~10 s. The credential is the one linkage sends there.
 */
export function ehrCheck(target: EhrTarget, fetchFn: typeof fetch = fetch): ReadinessCheck {
  if (target.kind === 'built-in') {
    return { name: 'ehr', target: 'built-in', timeoutMs: DEPENDENCY_TIMEOUT_MS, run: async () => { await target.pool.query('SELECT 1'); } };
  }
  const url = `${target.baseUrl.replace(/\/+$/, '')}/metadata`;
  return {
    name: 'ehr', target: 'external', timeoutMs: EHR_TIMEOUT_MS, cacheMs: EHR_CACHE_MS,
    run: async (signal) => {
      const res = await fetchFn(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(EHR_TIMEOUT_MS)]),
        headers: { accept: 'application/fhir+json', ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}) },
      });
      await res.body?.cancel().catch(() => undefined); // only the status matters
      if (!res.ok) throw new Error(`EHR /metadata answered ${res.status}`);
    },
  };
}

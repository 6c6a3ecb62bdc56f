import { createHmac, randomBytes } from 'node:crypto';
import type { CircuitBreaker } from '../../resilience/circuit-breaker.js';
import type { PopulationRegistry, Verification, VerificationField, VerifyQuery } from './port.js';

/** How to reach a remote verification service (VERIFICATION=remote, docs/registry.md). */
export interface RemoteRegistryOptions {
  /** The endpoint that is POSTed to (REGISTRY_URL). */
  url: string;
  /** Sent as `Authorization: Bearer <token>` (REGISTRY_TOKEN); wins over user/password. */
  token?: string;
  /** With `password`, sent as HTTP Basic (REGISTRY_USER, REGISTRY_PASSWORD). */
  user?: string;
  password?: string;
  /** Whole request, answer body included (REGISTRY_TIMEOUT_MS). */
  timeoutMs: number;
  /** How long a verified / mismatch / not_found verdict is reused; 0 disables the cache. */
  cacheTtlMs: number;
  /** Most cached verdicts; the oldest is dropped first (default 100,000). */
  cacheMax?: number;
  /** Counts timeouts, network errors, 5xx, 429 and malformed answers; open → no call at all. */
  breaker: CircuitBreaker;
  fetchImpl?: typeof fetch;
}

/** A verdict the service gave (what is cached: never `unavailable`). */
type Answer = Exclude<Verification, { outcome: 'unavailable' }>;

const DEFAULT_CACHE_MAX = 100_000;
const FIELDS: readonly VerificationField[] = ['name', 'birthDate', 'gender', 'address'];

/** The call failed in a way that says the service is unwell: counts towards opening the breaker. */
class RegistryServiceError extends Error {
  override name = 'RegistryServiceError' as const;
}

/** The service refused this request (4xx other than 429): a configuration problem, not an outage. */
class RegistryRejectedError extends Error {
  override name = 'RegistryRejectedError' as const;
}

/**
 * The remote implementation (VERIFICATION=remote): one `POST {url}` per batch of uncached queries.
 *
 * Request: `{ "items": [ { "cccd", "name", "birthDate", "gender", "province"?, "commune"? } ] }`,
 * JSON, with `Authorization: Bearer <token>` or Basic `user:password`.
 * Answer: 200 `{ "results": [ { "outcome": "verified"|"mismatch"|"not_found", "fields"?: [...] } ] }`,
 * one result per item in the same order; a mismatch names at least one of name, birthDate,
 * gender, address.
 *
 * A timeout, network error, 5xx, 429, malformed answer or wrong number of results makes every
 * uncached query `unavailable` (never `mismatch`) and counts as a breaker failure; any other 4xx
 * (or a redirect, which is not followed) is `unavailable` without counting. While the breaker is
 * open nothing is sent. Verdicts are cached in process for `cacheTtlMs`, keyed by an HMAC-SHA-256
 * of the query's fields under a key made at start-up, so no CCCD is held as a key in memory.
 */
export function remoteRegistry(opts: RemoteRegistryOptions): PopulationRegistry & { cacheSize(): number } {
  const cache = new VerdictCache(opts.cacheTtlMs, opts.cacheMax ?? DEFAULT_CACHE_MAX);
  const fetchImpl = opts.fetchImpl ?? fetch;
  return {
    mode: 'remote',
    cacheSize: () => cache.size,
    async verifyMany(queries: readonly VerifyQuery[]): Promise<Verification[]> {
      const keys = queries.map((q) => cache.keyOf(q));
      const results: Array<Verification | undefined> = keys.map((k) => cache.get(k));
      const pending = uncachedKeys(keys, results);
      if (pending.size === 0) return results as Verification[];
      const sent = [...pending.values()].map((indexes) => queries[indexes[0]!]!);
      let answers: Answer[];
      try {
        answers = await opts.breaker.run(() => callService(opts, fetchImpl, sent), (err) => err instanceof RegistryServiceError);
      } catch (err) {
        const unavailable: Verification = { outcome: 'unavailable', reason: unavailableReason(err) };
        return results.map((r) => r ?? unavailable);
      }
      [...pending].forEach(([key, indexes], i) => {
        const answer = answers[i]!;
        cache.set(key, answer);
        for (const index of indexes) results[index] = answer;
      });
      return results as Verification[];
    },
  };
}

/** Cache key → indexes of the uncached queries that share it (identical queries are sent once). */
function uncachedKeys(keys: readonly string[], results: ReadonlyArray<Verification | undefined>): Map<string, number[]> {
  const pending = new Map<string, number[]>();
  keys.forEach((key, i) => {
    if (results[i]) return;
    const indexes = pending.get(key);
    if (indexes) indexes.push(i);
    else pending.set(key, [i]);
  });
  return pending;
}

/** What identifies a query: every field the service compares, in a fixed order. */
function queryFields(q: VerifyQuery): Array<string | null> {
  return [q.cccd, q.name ?? null, q.birthDate ?? null, q.gender ?? null, q.address?.province ?? null, q.address?.commune ?? null];
}

/** One POST for the batch; throws RegistryServiceError or RegistryRejectedError. */
async function callService(opts: RemoteRegistryOptions, fetchImpl: typeof fetch, queries: readonly VerifyQuery[]): Promise<Answer[]> {
  let response: Response;
  let body: unknown;
  try {
    response = await fetchImpl(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...authorization(opts) },
      body: JSON.stringify({ items: queries.map(requestItem) }),
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw statusError(response.status);
    }
    body = await response.json().catch((err: unknown) => {
      if (isTimeout(err)) throw err;
      throw new RegistryServiceError('the registry service answered with something that is not JSON');
    });
  } catch (err) {
    if (err instanceof RegistryServiceError || err instanceof RegistryRejectedError) throw err;
    if (isTimeout(err)) throw new RegistryServiceError(`the registry service did not answer within ${opts.timeoutMs} ms`);
    throw new RegistryServiceError('the registry service could not be reached');
  }
  return readAnswers(body, queries.length);
}

function authorization(opts: RemoteRegistryOptions): Record<string, string> {
  if (opts.token) return { authorization: `Bearer ${opts.token}` };
  if (opts.user !== undefined && opts.password !== undefined) {
    return { authorization: `Basic ${Buffer.from(`${opts.user}:${opts.password}`, 'utf8').toString('base64')}` };
  }
  return {};
}

function requestItem(q: VerifyQuery): Record<string, string | undefined> {
  return { cccd: q.cccd, name: q.name, birthDate: q.birthDate, gender: q.gender, province: q.address?.province, commune: q.address?.commune };
}

function statusError(status: number): Error {
  if (status >= 500 || status === 429) return new RegistryServiceError(`the registry service answered ${status}`);
  if (status >= 300 && status < 400) return new RegistryRejectedError(`the registry service answered ${status}; redirects are not followed (set REGISTRY_URL to the final address)`);
  return new RegistryRejectedError(`the registry service refused the request (${status})`);
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The answer's results, checked against the contract; throws RegistryServiceError when it is not kept. */
function readAnswers(body: unknown, expected: number): Answer[] {
  const results = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new RegistryServiceError('the registry service answer has no results array');
  if (results.length !== expected) {
    throw new RegistryServiceError(`the registry service answered ${results.length} results for ${expected} queries`);
  }
  return results.map((r, i) => {
    const answer = readAnswer(r);
    if (!answer) throw new RegistryServiceError(`the registry service answer's result ${i + 1} is malformed`);
    return answer;
  });
}

function readAnswer(r: unknown): Answer | undefined {
  const { outcome, fields } = (r ?? {}) as { outcome?: unknown; fields?: unknown };
  if (outcome === 'verified') return { outcome: 'verified' };
  if (outcome === 'not_found') return { outcome: 'not_found' };
  if (outcome !== 'mismatch' || !Array.isArray(fields) || fields.length === 0) return undefined;
  if (!fields.every((f) => FIELDS.includes(f as VerificationField))) return undefined;
  return { outcome: 'mismatch', fields: FIELDS.filter((f) => fields.includes(f)) };
}

function unavailableReason(err: unknown): string {
  if (err instanceof RegistryServiceError || err instanceof RegistryRejectedError) return err.message;
  if ((err as { name?: unknown } | null)?.name === 'CircuitOpenError') return (err as Error).message;
  return 'the registry service could not be asked';
}

/**
 * Verdicts by HMAC-SHA-256 of the query's fields (the key is random per process, so the hashes of
 * the small CCCD space cannot be looked up in a table made elsewhere). Insertion order is age:
 * the first entry is the oldest, dropped first when full.
 */
class VerdictCache {
  private readonly entries = new Map<string, { answer: Answer; expiresAt: number }>();
  private readonly secret = randomBytes(32);

  constructor(private readonly ttlMs: number, private readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cache key of a query (computed even when the cache is off: it also groups identical queries). */
  keyOf(q: VerifyQuery): string {
    return createHmac('sha256', this.secret).update(JSON.stringify(queryFields(q))).digest('base64url');
  }

  get(key: string): Answer | undefined {
    if (this.ttlMs <= 0) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.answer;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, answer: Answer): void {
    if (this.ttlMs <= 0 || this.max <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { answer, expiresAt: Date.now() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

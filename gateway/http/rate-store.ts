import type { Redis } from 'ioredis';

/**
 * Counters and blocks for rate limiting, shared by every gateway process through Redis (a limit
 * behind N replicas is still one limit). Fixed windows: a counter lives in the window
 * `floor(now / windowMs)` and expires with it.
 */
export interface RateStore {
  /** Add one to `key` in the current window of `windowMs`; the new count. */
  hit(key: string, windowMs: number): Promise<number>;
  /** `hit(key)` and the milliseconds left on block `blockKey` (0 = none), in one round trip. */
  hitChecking(key: string, windowMs: number, blockKey: string): Promise<{ count: number; blockedMs: number }>;
  /** Block `blockKey` for `ms`. */
  block(blockKey: string, ms: number): Promise<void>;
  /** Add `members` to the set `key` of the current window; the set's size afterwards. */
  addMembers(key: string, windowMs: number, members: readonly string[]): Promise<number>;
}

const windowOf = (key: string, windowMs: number, now: number) => `${key}:${Math.floor(now / windowMs)}`;

/** A RateStore in this process's memory: the fallback while Redis is unreachable, and for unit tests. */
export function memoryRateStore(now: () => number = Date.now): RateStore {
  const counters = new Map<string, { n: number; until: number }>();
  const blocks = new Map<string, number>();
  const sets = new Map<string, { members: Set<string>; until: number }>();
  const sweep = () => {
    if (sets.size > 10_000) sets.clear();
    if (counters.size < 50_000 && blocks.size < 50_000) return;
    const t = now();
    for (const [k, v] of counters) if (v.until <= t) counters.delete(k);
    for (const [k, until] of blocks) if (until <= t) blocks.delete(k);
    if (counters.size >= 50_000) counters.clear(); // under a flood of distinct addresses, forget rather than grow
  };
  return {
    async hit(key, windowMs) {
      sweep();
      const k = windowOf(key, windowMs, now());
      const c = counters.get(k) ?? { n: 0, until: (Math.floor(now() / windowMs) + 1) * windowMs };
      c.n += 1;
      counters.set(k, c);
      return c.n;
    },
    async hitChecking(key, windowMs, blockKey) {
      return { count: await this.hit(key, windowMs), blockedMs: Math.max(0, (blocks.get(blockKey) ?? 0) - now()) };
    },
    async block(blockKey, ms) {
      sweep();
      blocks.set(blockKey, now() + ms);
    },
    async addMembers(key, windowMs, members) {
      sweep();
      const k = windowOf(key, windowMs, now());
      const set = sets.get(k) ?? { members: new Set<string>(), until: (Math.floor(now() / windowMs) + 1) * windowMs };
      for (const m of members) set.members.add(m);
      sets.set(k, set);
      return set.members.size;
    },
  };
}

/**
 * A RateStore in Redis under `prefix`. While Redis cannot answer, the process falls back to its own
 * memory (limits then hold per process) rather than refusing every request or letting all through.
 */
export function redisRateStore(redis: Redis, prefix: string, onFallback: (err: Error) => void = () => undefined): RateStore {
  const local = memoryRateStore();
  let reportedAt = 0;
  const fallback = <T>(fn: () => Promise<T>, alt: () => Promise<T>) => fn().catch((err: Error) => {
    if (Date.now() - reportedAt > 60_000) { // once a minute, not once a request
      reportedAt = Date.now();
      onFallback(err);
    }
    return alt();
  });
  return {
    hit: (key, windowMs) => fallback(async () => {
      const k = `${prefix}:${windowOf(key, windowMs, Date.now())}`;
      const res = await redis.multi().incr(k).pexpire(k, windowMs * 2).exec();
      return Number(res?.[0]?.[1] ?? 0);
    }, () => local.hit(key, windowMs)),
    hitChecking: (key, windowMs, blockKey) => fallback(async () => {
      const k = `${prefix}:${windowOf(key, windowMs, Date.now())}`;
      const res = await redis.multi().incr(k).pexpire(k, windowMs * 2).pttl(`${prefix}:${blockKey}`).exec();
      return { count: Number(res?.[0]?.[1] ?? 0), blockedMs: Math.max(0, Number(res?.[2]?.[1] ?? 0)) };
    }, () => local.hitChecking(key, windowMs, blockKey)),
    block: (blockKey, ms) => fallback(async () => {
      await redis.set(`${prefix}:${blockKey}`, '1', 'PX', ms);
    }, () => local.block(blockKey, ms)),
    addMembers: (key, windowMs, members) => fallback(async () => {
      const k = `${prefix}:${windowOf(key, windowMs, Date.now())}`;
      const m = redis.multi();
      if (members.length) m.sadd(k, ...members);
      const res = await m.pexpire(k, windowMs * 2).scard(k).exec();
      return Number(res?.[res.length - 1]?.[1] ?? 0);
    }, () => local.addMembers(key, windowMs, members)),
  };
}

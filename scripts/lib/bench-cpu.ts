/**
 * Where the CPU goes during the timed phase: the gateway children (ROLE=all or gateway), the
 * ROLE=worker children, PostgreSQL (postmaster and its
 * backends), Redis and the benchmark itself. Read-only: /proc, `pg_backend_pid()` and Redis INFO.
 * Figures for a service are absent when it does not run on this machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type pg from 'pg';

/** CPU seconds (user + system) used so far, per party. */
export interface CpuSnapshot {
  /** Summed over every ROLE=all / ROLE=gateway process. */
  gateway?: number;
  /** Summed over every ROLE=worker process (absent when there is none). */
  worker?: number;
  postgres?: number;
  redis?: number;
  bench: number;
}

/** The CPU each party used between two snapshots. */
export type CpuUsage = { [K in keyof CpuSnapshot]?: number };

const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat after the command name (index 0 = state, 1 = ppid, 11 = utime, …). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) used so far by `pid`; undefined when it is gone. */
function processCpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND : undefined;
}

/** The postmaster's pid, as the parent of our own backend; undefined when PostgreSQL is not local. */
export async function findPostmaster(pool: pg.Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const ppid = Number(statFields(rows[0]?.pid ?? 0)?.[1]);
  const comm = Number.isFinite(ppid) && ppid > 1 ? readFileSync(`/proc/${ppid}/comm`, 'utf8').trim() : '';
  return /postgres|postmaster/.test(comm) ? ppid : undefined;
}

/**
 * CPU seconds of the postmaster plus its live children, plus what its exited children used
 * (cutime/cstime), so backends that come and go are still counted.
 */
export function postgresCpuSeconds(postmaster: number): number | undefined {
  const own = statFields(postmaster);
  if (!own) return undefined;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Redis's own CPU seconds from INFO cpu; undefined when it cannot be asked. */
export async function redisCpuSeconds(redisUrl: string): Promise<number | undefined> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
    const seconds = field('used_cpu_user') + field('used_cpu_sys');
    return Number.isFinite(seconds) ? seconds : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** CPU seconds summed over `pids`; undefined when there are none or one is gone. */
function sumCpuSeconds(pids: readonly number[]): number | undefined {
  let sum = 0;
  for (const pid of pids) {
    const s = processCpuSeconds(pid);
    if (s === undefined) return undefined;
    sum += s;
  }
  return pids.length ? sum : undefined;
}

/** CPU seconds used so far by one process (for per-process figures); undefined when it is gone. */
export const cpuSecondsOf = processCpuSeconds;

/** Take a CPU snapshot of every party that can be measured. */
export async function cpuSnapshot(o: { gatewayPids: readonly number[]; workerPids?: readonly number[]; postmaster?: number; redisUrl: string }): Promise<CpuSnapshot> {
  const usage = process.cpuUsage();
  const snapshot: CpuSnapshot = { bench: (usage.user + usage.system) / 1e6 };
  const gateway = sumCpuSeconds(o.gatewayPids);
  if (gateway !== undefined) snapshot.gateway = gateway;
  const worker = sumCpuSeconds(o.workerPids ?? []);
  if (worker !== undefined) snapshot.worker = worker;
  const postgres = o.postmaster === undefined ? undefined : postgresCpuSeconds(o.postmaster);
  if (postgres !== undefined) snapshot.postgres = postgres;
  const redis = await redisCpuSeconds(o.redisUrl);
  if (redis !== undefined) snapshot.redis = redis;
  return snapshot;
}

/** Every party, in report order. */
export const CPU_PARTIES = ['gateway', 'worker', 'postgres', 'redis', 'bench'] as const;

/** `after − before` for every party measured both times. */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const out: CpuUsage = {};
  for (const k of CPU_PARTIES) {
    const a = after[k];
    const b = before[k];
    if (a !== undefined && b !== undefined) out[k] = Math.round((a - b) * 100) / 100;
  }
  return out;
}

import { withTimeout } from './timeout.js';

/** One dependency the process needs to serve: PostgreSQL, Redis, the EHR. */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; `signal` aborts work the timeout gave up on. */
  run: (signal: AbortSignal) => Promise<void>;
  /** Longest wait for an answer; beyond it the check is down. */
  timeoutMs: number;
  /** Reuse a result this long (the external EHR: ~10 s, so probes never hammer it); default 0. */
  cacheMs?: number;
  /** Shown beside the result (e.g. `built-in` or `external` for the EHR); never a secret. */
  target?: string;
}

/** The result of one check, as /readyz shows it: up or down and how long it took, nothing more. */
export interface CheckResult {
  status: 'up' | 'down';
  ms: number;
  target?: string;
  /** The result was reused from an earlier probe (cacheMs). */
  cached?: boolean;
}

/** The answer of /readyz. */
export interface ReadinessReport {
  status: 'ready' | 'not ready';
  checks: Record<string, CheckResult>;
  /** The checks that are down (empty when ready). */
  failing: string[];
}

/** Runs the checks; each failure is handed to `onDown` (for the log) but never shown to the caller. */
export interface Readiness {
  check(): Promise<ReadinessReport>;
}

/**
 * Readiness over `checks`, run in parallel, each bounded by its timeout so a hung dependency
 * answers "down" instead of hanging the probe. A cached check shares one run between concurrent
 * probes and reuses its result for `cacheMs`. `onChange` is called when a check goes up or down
 * (log once per transition, not once per probe).
 */
export function createReadiness(checks: ReadinessCheck[], onChange: (name: string, up: boolean, err?: Error) => void = () => undefined, now: () => number = Date.now): Readiness {
  const last = new Map<string, { at: number; result: CheckResult }>();
  const running = new Map<string, Promise<CheckResult>>();
  const state = new Map<string, boolean>();

  const runCheck = async (c: ReadinessCheck): Promise<CheckResult> => {
    const started = now();
    const controller = new AbortController();
    let error: Error | undefined;
    try {
      await withTimeout(c.run(controller.signal), c.timeoutMs);
    } catch (err) {
      error = err as Error;
      controller.abort();
    }
    const result: CheckResult = { status: error ? 'down' : 'up', ms: Math.max(0, now() - started), ...(c.target ? { target: c.target } : {}) };
    if (state.get(c.name) !== !error) onChange(c.name, !error, error);
    state.set(c.name, !error);
    return result;
  };

  const resultOf = (c: ReadinessCheck): Promise<CheckResult> => {
    const cacheMs = c.cacheMs ?? 0;
    const hit = last.get(c.name);
    if (cacheMs > 0 && hit && now() - hit.at < cacheMs) return Promise.resolve({ ...hit.result, cached: true });
    let p = running.get(c.name);
    if (!p) {
      p = runCheck(c).then((result) => {
        last.set(c.name, { at: now(), result });
        return result;
      }).finally(() => running.delete(c.name));
      running.set(c.name, p);
    }
    return p;
  };

  return {
    async check() {
      const results = await Promise.all(checks.map(async (c) => [c.name, await resultOf(c)] as const));
      const failing = results.filter(([, r]) => r.status === 'down').map(([name]) => name);
      return { status: failing.length ? 'not ready' : 'ready', checks: Object.fromEntries(results), failing };
    },
  };
}

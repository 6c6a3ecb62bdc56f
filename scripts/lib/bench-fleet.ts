/**
 * The processes under test: one ROLE=all child (the default), or N ROLE=gateway + M ROLE=worker
 * children on the same PostgreSQL + Redis, with peak RSS per process and per role.
 */
import { freePort, startGatewayChild, waitHealthy, type GatewayChild } from './bench-child.js';
import { countQueueWorkers, describeLayout, workerEhrEnv, workerEhrMode, type ProcessRole, type WorkerEhrMode } from './bench-roles.js';

/** One started process. */
export interface FleetMember {
  role: ProcessRole;
  child: GatewayChild;
}

/** Peak RSS of the processes of one role, in MB (the sum adds per-process peaks: an upper bound). */
export interface RolePeaks {
  role: ProcessRole;
  processes: number;
  peakRssMbMax: number;
  peakRssMbSum: number;
}

/** The running processes. */
export interface Fleet {
  members: FleetMember[];
  /** Base URLs of the processes that take uploads (ROLE=all or gateway). */
  urls: string[];
  /** Their MLLP ports (same order as `urls`), when started with `mllp`. */
  mllpPorts: number[];
  /** e.g. `1 all`, `2 gateway + 2 worker`. */
  layout: string;
  /** How the ROLE=worker processes reach the FHIR store; undefined when there are none. */
  workerEhr?: WorkerEhrMode;
  pids(role: 'uploads' | 'worker'): number[];
  /** Throws when any process has exited. */
  assertAlive(): void;
  peaks(): RolePeaks[];
  /** SIGTERM every process (workers first); resolves with how each one ended. */
  stop(graceMs?: number): Promise<Array<{ name: string; how: string }>>;
}

/** What the fleet needs to start. */
export interface FleetOptions {
  root: string;
  roles: readonly ProcessRole[];
  /** Environment of one process (ROLE and PORT are set on top). */
  env: Record<string, string>;
  nodeArgs?: readonly string[];
  redisUrl: string;
  queuePrefix: string;
  /** A `linker` API key, asked for only by the worker-EHR FALLBACK (see bench-roles.ts). */
  linkerKey: () => Promise<string>;
  log?: (msg: string) => void;
  /**
   * Open an MLLP listener in every uploading process. It takes every facility (DEMO=1): the bench
   * sends for several facilities, and production binds one port to one facility (MLLP_FACILITY).
   */
  mllp?: boolean;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Wait until at least `count` workers are connected to the queue, while `child` is alive. */
function workersJoined(o: FleetOptions, count: number): (child: GatewayChild, timeoutMs: number) => Promise<void> {
  return async (child, timeoutMs) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      child.assertAlive();
      if ((await countQueueWorkers(o.redisUrl, o.queuePrefix).catch(() => 0)) >= count) return;
      if (Date.now() > until) throw new Error(`${child.name} did not join the queue within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 150));
    }
  };
}

async function stopAll(members: readonly FleetMember[], graceMs: number): Promise<Array<{ name: string; how: string }>> {
  const workers = members.filter((m) => m.role === 'worker');
  const others = members.filter((m) => m.role !== 'worker');
  const out: Array<{ name: string; how: string }> = [];
  for (const group of [workers, others]) {
    const hows = await Promise.all(group.map((m) => m.child.stop(graceMs)));
    group.forEach((m, i) => out.push({ name: m.child.name, how: hows[i]! }));
  }
  return out;
}

/** Start the uploading processes (in parallel), then the workers, each once ready. */
export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const members: FleetMember[] = [];
  const nodeArgs = o.nodeArgs ?? [];
  const uploadRoles = o.roles.filter((r) => r !== 'worker');
  const workerCount = o.roles.length - uploadRoles.length;
  const mllpPortOf = new Map<GatewayChild, number>();
  try {
    await Promise.all(uploadRoles.map(async (role, i) => {
      const port = await freePort();
      const mllpPort = o.mllp ? await freePort() : undefined;
      const name = uploadRoles.length > 1 ? `${role} ${i + 1}` : role === 'all' ? 'gateway' : role;
      const mllpEnv: Record<string, string> = mllpPort ? { MLLP_PORT: String(mllpPort), DEMO: '1' } : {};
      const child = await startGatewayChild(o.root, { ...o.env, ...mllpEnv, ROLE: role, PORT: String(port) }, nodeArgs, {
        name, ready: (c, ms) => waitHealthy(`http://127.0.0.1:${port}`, c, ms),
      });
      if (mllpPort) mllpPortOf.set(child, mllpPort);
      members.push({ role, child });
    }));
    const urls = members.map((m) => m.child.url);
    const mllpPorts = members.flatMap((m) => (mllpPortOf.has(m.child) ? [mllpPortOf.get(m.child)!] : []));
    let workerEhr: WorkerEhrMode | undefined;
    if (workerCount > 0) {
      workerEhr = workerEhrMode(o.env);
      const linker = workerEhr === 'gateway' ? await o.linkerKey() : '';
      if (workerEhr === 'gateway') o.log?.('FALLBACK: ROLE=worker processes push over HTTP to the gateways\' /fhir (set WORKER_EHR=in-process once workers write in-process)');
      const joined = (await countQueueWorkers(o.redisUrl, o.queuePrefix)) + workerCount;
      await Promise.all(Array.from({ length: workerCount }, async (_, i) => {
        const env = { ...o.env, ROLE: 'worker', PORT: String(await freePort()), ...workerEhrEnv(workerEhr!, urls[i % urls.length]!, linker) };
        const child = await startGatewayChild(o.root, env, nodeArgs, { name: `worker ${i + 1}`, url: '', ready: workersJoined(o, joined), startTimeoutMs: 90_000 });
        members.push({ role: 'worker', child });
      }));
    }
    return {
      members,
      urls,
      mllpPorts,
      layout: describeLayout(o.roles),
      ...(workerEhr ? { workerEhr } : {}),
      pids: (which) => members.filter((m) => (which === 'worker') === (m.role === 'worker')).map((m) => m.child.pid),
      assertAlive: () => members.forEach((m) => m.child.assertAlive()),
      peaks() {
        const byRole = new Map<ProcessRole, RolePeaks>();
        for (const m of members) {
          const mb = m.child.peakRssKb() / 1024;
          const r = byRole.get(m.role) ?? { role: m.role, processes: 0, peakRssMbMax: 0, peakRssMbSum: 0 };
          byRole.set(m.role, { role: m.role, processes: r.processes + 1, peakRssMbMax: round1(Math.max(r.peakRssMbMax, mb)), peakRssMbSum: round1(r.peakRssMbSum + mb) });
        }
        return [...byRole.values()];
      },
      stop: (graceMs = 15_000) => stopAll(members, graceMs),
    };
  } catch (err) {
    await stopAll(members, 2000);
    throw err;
  }
}

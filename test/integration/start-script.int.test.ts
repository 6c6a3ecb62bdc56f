/**
 * `npm start` (scripts/start.sh) must not leave its private PostgreSQL and Redis running when the
 * gateway ends: SIGKILL of the node process, SIGTERM to the script, or a gateway that exits with an
 * error. Each case runs the real script with its own data directory (START_DATA_DIR) and port, and
 * checks that the database and Redis processes it started are gone and their ports closed. The two
 * running cases start side by side (two data directories) to keep the file under half a minute.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A data directory (relative to the repository, as START_DATA_DIR takes it) for one case. */
const dataDir = (name: string) => `.data/start-test-${process.pid}-${name}`;

/** A running `bash scripts/start.sh` with the processes it started. */
interface StartedScript {
  dir: string;
  script: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Whether `pid` is a live process (a zombie waiting for its parent counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The processes start.sh started: the gateway (its node child), PostgreSQL (postmaster) and Redis, with their ports. */
function startedProcesses(scriptPid: number, dir: string): { node?: number; postgres: number; redis: number; ports: number[] } {
  const abs = join(ROOT, dir);
  const pgDir = readFileSync(join(abs, 'pgdir'), 'utf8').trim();
  const postgres = Number(readFileSync(join(pgDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const redis = Number(readFileSync(join(abs, 'redis', 'redis.pid'), 'utf8').trim());
  const ports = portsOf(dir);
  const node = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).find((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === scriptPid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('gateway/main.ts');
    } catch {
      return false;
    }
  });
  return { ...(node ? { node } : {}), postgres, redis, ports };
}

/** The PostgreSQL and Redis ports services.sh chose for `dir`. */
const portsOf = (dir: string) => readFileSync(join(ROOT, dir, 'ports'), 'utf8').trim().split(' ').map(Number);

/** `bash scripts/start.sh` on data directory `dir` and `port`, without the test run's services. */
function runStartScript(dir: string, port: number, env: Record<string, string> = {}): StartedScript {
  const { DATABASE_URL: _db, REDIS_URL: _redis, SVC_DIR: _svc, ...rest } = process.env;
  const script = spawn('bash', ['scripts/start.sh'], {
    cwd: ROOT,
    env: { ...rest, START_DATA_DIR: dir, PORT: String(port), MLLP_PORT: '0', LOG_LEVEL: 'warn', LINK_WORKER_THREAD: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  script.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
  return { dir, script, exited, stderr: () => stderr };
}

/** Start the script and wait until the gateway answers /health. */
async function startAndWaitHealthy(dir: string): Promise<StartedScript & ReturnType<typeof startedProcesses>> {
  const port = await freePort();
  const started = runStartScript(dir, port);
  let ended = false;
  void started.exited.then(() => { ended = true; });
  await until(async () => {
    if (ended) throw new Error(`start.sh exited before /health answered:\n${started.stderr()}`);
    return (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok === true;
  }, 60_000, '/health', started.stderr);
  const processes = startedProcesses(started.script.pid!, dir);
  expect(processes.node, 'the gateway is a child of start.sh').toBeDefined();
  expect([alive(processes.postgres), alive(processes.redis)]).toEqual([true, true]);
  return { ...started, ...processes };
}

/** PostgreSQL and Redis (and the gateway) are gone and their ports closed within a few seconds. */
async function expectServicesGone(p: { node?: number; postgres: number; redis: number; ports: number[]; stderr: () => string }): Promise<void> {
  await until(async () => !alive(p.postgres) && !alive(p.redis) && !(p.node && alive(p.node)), 8000, 'PostgreSQL and Redis to stop', p.stderr);
  expect(await Promise.all(p.ports.map(listening))).toEqual([false, false]);
}

describe('npm start stops the PostgreSQL and Redis it started', () => {
  const scripts: StartedScript[] = [];
  let killed: Awaited<ReturnType<typeof startAndWaitHealthy>>;
  let terminated: Awaited<ReturnType<typeof startAndWaitHealthy>>;

  beforeAll(async () => {
    const started = await Promise.allSettled([startAndWaitHealthy(dataDir('kill')), startAndWaitHealthy(dataDir('term'))]);
    for (const s of started) if (s.status === 'fulfilled') scripts.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    [killed, terminated] = scripts as [typeof killed, typeof terminated];
  }, 90_000);

  afterAll(async () => {
    for (const s of scripts) if (s.script.exitCode === null && s.script.signalCode === null) s.script.kill('SIGKILL');
    await Promise.all([dataDir('kill'), dataDir('term')].map((dir) => new Promise<void>((resolve) => {
      const stop = spawn('bash', ['scripts/services.sh', 'stop', dir, '--purge'], { cwd: ROOT, stdio: 'ignore' });
      stop.once('exit', () => resolve());
    })));
  }, 30_000);

  it('when the gateway process is killed with SIGKILL', async () => {
    process.kill(killed.node!, 'SIGKILL');
    expect(await killed.exited).not.toBe(0);
    await expectServicesGone(killed);
  });

  it('when the script receives SIGTERM (the gateway shuts down first)', async () => {
    terminated.script.kill('SIGTERM');
    await terminated.exited;
    await expectServicesGone(terminated);
  });

  it('when the gateway exits with an error (here: an invalid configuration)', async () => {
    const dir = dataDir('kill'); // already initialised by the first case
    const started = runStartScript(dir, await freePort(), { DEMO: 'maybe' });
    scripts.push(started);
    expect(await started.exited, started.stderr()).toBe(2);
    expect(started.stderr()).toMatch(/PostgreSQL and Redis running[\s\S]*DEMO/);
    const pgDir = readFileSync(join(ROOT, dir, 'pgdir'), 'utf8').trim();
    // Both remove their pid files on a clean stop; left running (or crashed) they would remain.
    expect([existsSync(join(pgDir, 'data', 'postmaster.pid')), existsSync(join(ROOT, dir, 'redis', 'redis.pid'))]).toEqual([false, false]);
    expect(await Promise.all(portsOf(dir).map(listening))).toEqual([false, false]);
  });
});

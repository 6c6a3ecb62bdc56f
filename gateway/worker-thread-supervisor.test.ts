import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Config } from './config.js';
import { startSupervisedWorkerThread } from './worker-thread-supervisor.js';

describe('startSupervisedWorkerThread', () => {
  it('restarts a linkage thread that dies at start until it runs, then stops it', async () => {
    const counterFile = join(mkdtempSync(join(tmpdir(), 'sup-')), 'starts');
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const entry = new URL('../test/fixtures/threads/dies-twice.mjs', import.meta.url);
    const config = { workerThreadHeapMb: 64, counterFile } as unknown as Config;
    const supervisor = await startSupervisedWorkerThread(config, log, entry, 20);
    const deadline = Date.now() + 5000;
    while (readFileSync(counterFile, 'utf8').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(counterFile, 'utf8')).toBe('xxx'); // two deaths, one running thread, no more restarts
    expect(lines.filter((l) => l.includes('restarting'))).toHaveLength(2);
    await supervisor.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(counterFile, 'utf8')).toBe('xxx');
  });
});

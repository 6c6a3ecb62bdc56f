import { describe, expect, it } from 'vitest';
import { memoryRateStore } from './rate-store.js';

describe('memoryRateStore', () => {
  it('counts per fixed window and starts again in the next one', async () => {
    let now = 60_000 * 1000;
    const store = memoryRateStore(() => now);
    expect(await store.hit('a', 60_000)).toBe(1);
    expect(await store.hit('a', 60_000)).toBe(2);
    expect(await store.hit('b', 60_000)).toBe(1);
    now += 60_000;
    expect(await store.hit('a', 60_000)).toBe(1);
  });

  it('reports the time left on a block with the count', async () => {
    let now = 1_000_000;
    const store = memoryRateStore(() => now);
    await store.block('lock:x', 5000);
    now += 1000;
    expect(await store.hitChecking('try:x', 60_000, 'lock:x')).toEqual({ count: 1, blockedMs: 4000 });
    now += 5000;
    expect((await store.hitChecking('try:x', 60_000, 'lock:x')).blockedMs).toBe(0);
  });

  it('counts distinct members per window', async () => {
    const store = memoryRateStore(() => 0);
    expect(await store.addMembers('p', 3_600_000, ['Patient/1', 'Patient/2'])).toBe(2);
    expect(await store.addMembers('p', 3_600_000, ['Patient/1'])).toBe(2);
    expect(await store.addMembers('p', 3_600_000, [])).toBe(2);
  });
});

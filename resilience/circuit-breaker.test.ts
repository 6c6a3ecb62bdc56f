import { beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from './circuit-breaker.js';

const FAILURES = 3;
const COOLDOWN = 1000;

class Transient extends Error {}
class Refused extends Error {}
const isFailure = (err: unknown) => err instanceof Transient;

let now: number;
let breaker: CircuitBreaker;
beforeEach(() => {
  now = 5000;
  breaker = new CircuitBreaker('ehr', FAILURES, COOLDOWN, () => now);
});

const ok = () => breaker.run(async () => 'ok', isFailure);
const fail = (err: Error = new Transient('503')) =>
  breaker.run(async () => {
    throw err;
  }, isFailure);

async function trip(): Promise<void> {
  for (let i = 0; i < FAILURES; i++) await expect(fail()).rejects.toBeInstanceOf(Transient);
}

/** A call that stays in flight until `release` settles it. */
function pending(): { done: Promise<string>; release: (err?: Error) => void } {
  let release!: (err?: Error) => void;
  const inner = new Promise<string>((resolve, reject) => {
    release = (err) => (err ? reject(err) : resolve('trial'));
  });
  return { done: breaker.run(() => inner, isFailure), release };
}

describe('CircuitBreaker', () => {
  it('starts closed and passes results and errors through', async () => {
    expect(breaker.state).toBe('closed');
    await expect(ok()).resolves.toBe('ok');
    const err = new Transient('boom');
    await expect(fail(err)).rejects.toBe(err);
  });

  it(`stays closed below ${FAILURES} consecutive failures and opens at ${FAILURES}`, async () => {
    for (let i = 1; i < FAILURES; i++) {
      await expect(fail()).rejects.toBeInstanceOf(Transient);
      expect(breaker.state).toBe('closed');
    }
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    expect(breaker.state).toBe('open');
  });

  it('fails fast while open without calling, with the time left in retryInMs and the message', async () => {
    await trip();
    now += 400;
    let called = false;
    const err = await breaker
      .run(async () => {
        called = true;
      }, isFailure)
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toMatchObject({ name: 'CircuitOpenError', retryInMs: 600, message: 'circuit open for ehr; not calling for 600 ms' });
  });

  it('becomes half-open when the cooldown has passed', async () => {
    await trip();
    now += COOLDOWN - 1;
    expect(breaker.state).toBe('open');
    now += 1;
    expect(breaker.state).toBe('half-open');
  });

  it('lets a single trial through while half-open and refuses the others meanwhile', async () => {
    await trip();
    now += COOLDOWN;
    const trial = pending();
    const second = await ok().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(CircuitOpenError);
    expect((second as CircuitOpenError).retryInMs).toBe(0);
    trial.release();
    await expect(trial.done).resolves.toBe('trial');
  });

  it('closes when the trial succeeds', async () => {
    await trip();
    now += COOLDOWN;
    await expect(ok()).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    // the count starts over: one more failure does not re-open
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    expect(breaker.state).toBe('closed');
  });

  it('re-opens for a full cooldown when the trial fails', async () => {
    await trip();
    now += COOLDOWN + 250;
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    expect(breaker.state).toBe('open');
    await expect(ok()).rejects.toMatchObject({ retryInMs: COOLDOWN });
    now += COOLDOWN;
    expect(breaker.state).toBe('half-open');
  });

  it('allows a new trial after a failed one has settled', async () => {
    await trip();
    now += COOLDOWN;
    const trial = pending();
    trial.release(new Transient('still down'));
    await expect(trial.done).rejects.toBeInstanceOf(Transient);
    now += COOLDOWN;
    await expect(ok()).resolves.toBe('ok');
  });

  it('resets the count on a success between failures', async () => {
    for (let i = 1; i < FAILURES; i++) await expect(fail()).rejects.toBeInstanceOf(Transient);
    await ok();
    for (let i = 1; i < FAILURES; i++) await expect(fail()).rejects.toBeInstanceOf(Transient);
    expect(breaker.state).toBe('closed');
  });

  it('rethrows errors that are not failures and resets the count on them', async () => {
    for (let i = 1; i < FAILURES; i++) await expect(fail()).rejects.toBeInstanceOf(Transient);
    const refused = new Refused('422');
    await expect(fail(refused)).rejects.toBe(refused);
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    expect(breaker.state).toBe('closed');
  });

  it('never opens on errors that are not failures', async () => {
    for (let i = 0; i < FAILURES * 2; i++) await expect(fail(new Refused('400'))).rejects.toBeInstanceOf(Refused);
    expect(breaker.state).toBe('closed');
  });
});

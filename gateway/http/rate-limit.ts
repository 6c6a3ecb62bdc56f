import type { Request, RequestHandler } from 'express';
import { tooManyRequests } from '../../errors/outcome.js';
import type { RateStore } from './rate-store.js';

/** Limits on who may even be looked up (README "Keys and roles" → "Limits"). */
export interface AuthLimits {
  /**
   * Requests per source address per minute whose key must be looked up (no key, a wrong key, or a
   * key this process has not verified in the last seconds); beyond it, 429 without database work.
   */
  attemptsPerMinute: number;
  /** Failed attempts per address within `lockoutWindowMs` that lock the address out… */
  lockoutFailures: number;
  lockoutWindowMs: number;
  /** …for this long. */
  lockoutMs: number;
  /** Requests per authenticated key per minute. */
  perKeyPerMinute: number;
}

const MINUTE = 60_000;
const secondsLeft = (windowMs: number, now = Date.now()) => Math.max(1, Math.ceil(((Math.floor(now / windowMs) + 1) * windowMs - now) / 1000));

/**
 * Rate limits in the order that keeps a flood cheap: an address that sends too many keys to look
 * up (or is locked out after repeated failures) gets 429 before its key is looked up and before
 * an audit row is written; only authenticated callers reach the per-key limit. `isKnownGood` lets a key already
 * verified by this process through a lockout of its address (a facility behind the same NAT as an
 * attacker), since checking it costs no database work.
 */
export class AuthGuard {
  constructor(
    private readonly store: RateStore,
    private readonly limits: AuthLimits,
    private readonly hooks: { isKnownGood: (req: Request) => boolean; onLockout: (req: Request, failures: number) => void },
  ) {}

  /** Before authentication and the audit trail. */
  beforeAuth(): RequestHandler {
    return async (req, _res, next) => {
      try {
        if (this.hooks.isKnownGood(req)) return next();
        const state = await this.store.hitChecking(`try:${req.ip}`, MINUTE, `lock:${req.ip}`);
        if (state.blockedMs > 0) return next(tooManyRequests(Math.ceil(state.blockedMs / 1000)));
        if (state.count > this.limits.attemptsPerMinute) return next(tooManyRequests(secondsLeft(MINUTE)));
        next();
      } catch (err) {
        next(err);
      }
    };
  }

  /** Called by authentication when a request had no valid key. */
  async recordFailure(req: Request): Promise<void> {
    const failures = await this.store.hit(`fail:${req.ip}`, this.limits.lockoutWindowMs);
    if (failures === this.limits.lockoutFailures) {
      await this.store.block(`lock:${req.ip}`, this.limits.lockoutMs);
      this.hooks.onLockout(req, failures);
    }
  }

  /** After authentication: requests per key per minute. */
  perKey(): RequestHandler {
    return async (req, _res, next) => {
      try {
        const who = req.principal?.keyId;
        if (!who) return next();
        const n = await this.store.hit(`key:${who}`, MINUTE);
        if (n > this.limits.perKeyPerMinute) return next(tooManyRequests(secondsLeft(MINUTE)));
        next();
      } catch (err) {
        next(err);
      }
    };
  }
}

import { ConfigError } from './config-schema.js';

/** Identity-stage settings (docs/identity.md, docs/registry.md). */
export interface IdentityConfig {
  /** Population-registry verification: off, the roster table, or a remote service. */
  verification: 'off' | 'registry' | 'remote';
  remote?: { url: string; token?: string; user?: string; password?: string; timeoutMs: number; cacheTtlMs: number };
  breakerFailures: number;
  breakerCooldownMs: number;
  /** How long an unverified record (registry unavailable) waits before it is checked again. */
  verifyRetryMs: number;
  /** Matching thresholds for records without a valid CCCD (identity/match-score.ts). */
  thresholds: { autoLink: number; review: number };
}


/** Build the identity settings from validated environment values; remote verification needs REGISTRY_URL. */
export function identityFrom(e: Record<string, unknown>): IdentityConfig {
  const verification = e.VERIFICATION as IdentityConfig['verification'];
  if (verification === 'remote' && !e.REGISTRY_URL) {
    throw new ConfigError('invalid configuration:\n  REGISTRY_URL: required when VERIFICATION=remote (the verification service, docs/registry.md)');
  }
  const autoLink = e.MATCH_AUTO_LINK as number;
  const review = e.MATCH_REVIEW as number;
  if (review > autoLink) throw new ConfigError('invalid configuration:\n  MATCH_REVIEW: must not be above MATCH_AUTO_LINK');
  return Object.freeze({
    verification,
    ...(verification === 'remote' ? {
      remote: {
        url: e.REGISTRY_URL as string,
        ...(e.REGISTRY_TOKEN ? { token: e.REGISTRY_TOKEN as string } : {}),
        ...(e.REGISTRY_USER ? { user: e.REGISTRY_USER as string, password: (e.REGISTRY_PASSWORD as string | undefined) ?? '' } : {}),
        timeoutMs: e.REGISTRY_TIMEOUT_MS as number,
        cacheTtlMs: (e.REGISTRY_CACHE_TTL_S as number) * 1000,
      },
    } : {}),
    breakerFailures: e.REGISTRY_BREAKER_FAILURES as number,
    breakerCooldownMs: e.REGISTRY_BREAKER_COOLDOWN_MS as number,
    verifyRetryMs: e.VERIFY_RETRY_MS as number,
    thresholds: { autoLink, review },
  });
}

/** The environment variables of the identity stage, as JSON Schema properties (merged into ENV_SCHEMA). */
export const IDENTITY_ENV = {
  VERIFICATION: { enum: ['off', 'registry', 'remote'], default: 'off' },
  REGISTRY_URL: { type: 'string', pattern: '^https?://' },
  REGISTRY_TOKEN: { type: 'string' },
  REGISTRY_USER: { type: 'string' },
  REGISTRY_PASSWORD: { type: 'string' },
  REGISTRY_TIMEOUT_MS: { type: 'integer', minimum: 50, default: 3000 },
  REGISTRY_CACHE_TTL_S: { type: 'integer', minimum: 0, default: 86400 },
  REGISTRY_BREAKER_FAILURES: { type: 'integer', minimum: 1, default: 5 },
  REGISTRY_BREAKER_COOLDOWN_MS: { type: 'integer', minimum: 10, default: 30000 },
  VERIFY_RETRY_MS: { type: 'integer', minimum: 100, default: 60000 },
  MATCH_AUTO_LINK: { type: 'number', minimum: 0, maximum: 1, default: 0.92 },
  MATCH_REVIEW: { type: 'number', minimum: 0, maximum: 1, default: 0.6 },
} as const;

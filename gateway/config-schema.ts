import { IDENTITY_ENV } from './identity-env.js';
/**
 * Every environment variable the gateway reads, as JSON Schema (ajv coerces types and fills the
 * defaults); README "Configuration" lists them. gateway/config.ts turns the result into a Config.
 */
export const ENV_SCHEMA = {
  type: 'object',
  required: ['DATABASE_URL', 'REDIS_URL'],
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    HOST: { type: 'string', default: '127.0.0.1' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    ROLE: { enum: ['all', 'gateway', 'worker'], default: 'all' },
    LINK_WORKER_THREAD: { type: 'boolean', default: true },
    WORKER_THREAD_HEAP_MB: { type: 'integer', minimum: 32, default: 128 },
    EHR_FHIR_URL: { type: 'string', pattern: '^https?://' },
    EHR_API_KEY: { type: 'string' },
    EHR_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 30000 },
    MAX_BODY_MB: { type: 'number', minimum: 1, default: 200 },
    MAX_RECORDS_PER_SUBMISSION: { type: 'integer', minimum: 1, default: 50000 },
    MAX_FHIR_BODY_MB: { type: 'number', minimum: 1, default: 50 },
    DATA_HUB_MAX_BODY_MB: { type: 'number', minimum: 1, default: 64 },
    LINK_BATCH_SIZE: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    // Most entries in one transaction Bundle sent to the EHR (docs/linkage-external-ehr.md).
    LINK_MAX_BUNDLE_ENTRIES: { type: 'integer', minimum: 1, maximum: 10000, default: 100 },
    LINK_ATTEMPTS: { type: 'integer', minimum: 1, default: 8 },
    LINK_BACKOFF_MS: { type: 'integer', minimum: 1, default: 2000 },
    LINK_BACKOFF_MAX_MS: { type: 'integer', minimum: 1, default: 60000 },
    WORKER_CONCURRENCY: { type: 'integer', minimum: 1, default: 4 },
    WORKER_LOCK_MS: { type: 'integer', minimum: 500, default: 60000 },
    RELAY_INTERVAL_MS: { type: 'integer', minimum: 50, default: 5000 },
    STATS_FOLD_MS: { type: 'integer', minimum: 100, default: 2000 },
    REPORT_MONTH_START_DAY: { type: 'integer', minimum: 1, maximum: 28, default: 1 },
    RELAY_STALE_MS: { type: 'integer', minimum: 0, default: 30000 },
    BREAKER_FAILURES: { type: 'integer', minimum: 1, default: 5 },
    BREAKER_COOLDOWN_MS: { type: 'integer', minimum: 10, default: 30000 },
    RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, default: 600 },
    AUTH_ATTEMPTS_PER_MINUTE: { type: 'integer', minimum: 1, default: 60 },
    AUTH_LOCKOUT_FAILURES: { type: 'integer', minimum: 1, default: 100 },
    AUTH_LOCKOUT_WINDOW_MINUTES: { type: 'number', exclusiveMinimum: 0, default: 15 },
    AUTH_LOCKOUT_MINUTES: { type: 'number', exclusiveMinimum: 0, default: 15 },
    TRUST_PROXY: { type: 'string', default: '' },
    FHIR_BASE_URL: { type: 'string', pattern: '^https?://[^\\s?#]+[^/\\s?#]$' },
    BULK_READ_PATIENTS_PER_HOUR: { type: 'integer', minimum: 1, default: 300 },
    AUDIT_HASH_KEY: { type: 'string', minLength: 32 },
    // Bearer token of GET /metrics (docs/operations.md); unset: an admin API key scrapes.
    METRICS_TOKEN: { type: 'string', minLength: 32 },
    QUEUE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', default: 'gw' },
    DEMO: { type: 'boolean', default: false },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    ...IDENTITY_ENV,
    SID_CCCD: { type: 'string', default: 'http://fhir.hl7.org.vn/core/sid/cccd' },
    SID_BHYT: { type: 'string', default: 'http://fhir.hl7.org.vn/core/sid/bhyt' },
    SID_MA_LK: { type: 'string', default: 'http://fhir.hl7.org.vn/core/sid/ma-lk' },
    SID_FACILITY: { type: 'string', default: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb' },
    SID_MA_BN_BASE: { type: 'string', default: 'http://fhir.hl7.org.vn/core/sid/ma-bn' },
    EXTENSION_BASE: { type: 'string', default: 'https://fhir.soyte.gov.vn/gateway' },
    FACILITY_QUOTA_MB: { type: 'number', minimum: 0, default: 51200 },
    MAX_FIELD_MB: { type: 'number', exclusiveMinimum: 0, default: 32 },
    MAX_HEADER_FIELD_KB: { type: 'number', exclusiveMinimum: 0, default: 4 },
    MAX_TEXT_NODE_KB: { type: 'number', minimum: 1, default: 64 },
    MAX_UPLOAD_MEMORY_MB: { type: 'number', exclusiveMinimum: 0, default: 512 },
    UPLOAD_MEMORY_PER_REQUEST_MB: { type: 'number', exclusiveMinimum: 0 },
    SPOOL_DIR: { type: 'string', minLength: 1 },
    HEADERS_TIMEOUT_MS: { type: 'integer', minimum: 1, default: 30000 },
    REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 1, default: 600000 },
    IDLE_TIMEOUT_MS: { type: 'integer', minimum: 1, default: 30000 },
    KEEP_ALIVE_TIMEOUT_MS: { type: 'integer', minimum: 1, default: 5000 },
    MIN_UPLOAD_BYTES_PER_S: { type: 'number', minimum: 0, default: 1024 },
    MIN_UPLOAD_RATE_WINDOW_MS: { type: 'integer', minimum: 100, default: 30000 },
    DATA_ENCRYPTION: { enum: ['on', 'off'], default: 'on' },
    DATA_KEYS: { type: 'string' },
    RAW_RETENTION_DAYS: { type: 'integer', minimum: 1, default: 365 },
    RAW_ARCHIVE_DIR: { type: 'string', minLength: 1, default: '.data/raw-archive' },
    AUDIT_RETENTION_MONTHS: { type: 'integer', minimum: 1, default: 12 },
    AUDIT_RETENTION_ALLOW_SHORT: { type: 'boolean', default: false },
    AUDIT_ARCHIVE_DIR: { type: 'string', minLength: 1, default: '.data/audit-archive' },
    MLLP_PORT: { type: 'integer', minimum: 0, maximum: 65535 },
    MLLP_FACILITY: { type: 'string', pattern: '^[0-9A-Za-z]{5}$' },
    // address=facility,… : the MLLP_PORT listener takes each source address's messages for its facility only.
    MLLP_SOURCES: { type: 'string', pattern: '^[0-9A-Fa-f.:]+=[0-9A-Za-z]{5}(,[0-9A-Fa-f.:]+=[0-9A-Za-z]{5})*$' },
    // port=facility,… : more listeners, each bound to one facility.
    MLLP_PORTS: { type: 'string', pattern: '^[0-9]{1,5}=[0-9A-Za-z]{5}(,[0-9]{1,5}=[0-9A-Za-z]{5})*$' },
    MLLP_MAX_FRAME_BYTES: { type: 'integer', minimum: 1024, default: 1048576 },
    MLLP_IDLE_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 60000 },
  },
} as const;

/** The part of the environment the data-at-rest commands (scripts/data-at-rest.ts) read. */
export const DATA_AT_REST_KEYS = ['DEMO', 'DATA_ENCRYPTION', 'DATA_KEYS', 'RAW_RETENTION_DAYS', 'RAW_ARCHIVE_DIR'] as const;

/** The part of the environment the audit maintenance commands (scripts/audit-maintenance.ts) read. */
export const AUDIT_RETENTION_KEYS = ['AUDIT_RETENTION_MONTHS', 'AUDIT_RETENTION_ALLOW_SHORT', 'AUDIT_ARCHIVE_DIR'] as const;

/** Thrown with every problem in the environment listed, so an operator fixes them in one go. */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
}

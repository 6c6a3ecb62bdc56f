import { tmpdir } from 'node:os';
import { identityFrom, type IdentityConfig } from './identity-config.js';
import { Ajv } from 'ajv';
import { ConfigError } from './config-schema.js';
import { mllpFrom, mllpPortsFrom, type MllpConfig } from './mllp/config.js';
import { DEMO_DATA_KEY, parseDataKeys, type DataKey } from '../db/encryption.js';
import type { IdentifierSystems } from '../mappers/contract.js';
import { AUDIT_RETENTION_KEYS, DATA_AT_REST_KEYS, ENV_SCHEMA } from './config-schema.js';

/** Everything the gateway and worker read from the environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  /** `all` = gateway + worker in one process (small site); `gateway` or `worker` to scale out. */
  role: 'all' | 'gateway' | 'worker';
  /** With `role: all`, run the linkage worker in a thread of the same process (uses a second core). */
  linkWorkerThread: boolean;
  /** Old-generation heap ceiling of that thread, MB. */
  workerThreadHeapMb: number;
  /** Set internally when another part of the process already applied the migrations (the linkage thread). */
  schemaReady?: boolean;
  /**
   * A province's EHR (FHIR R4 base URL) that linkage pushes transaction Bundles to over HTTP.
   * Unset: the built-in store, written in-process through the same EHR client port.
   */
  ehrFhirUrl?: string;
  /** Bearer credential for the external EHR. */
  ehrApiKey?: string;
  /** Raw + parsed bytes one facility may store (FACILITY_QUOTA_MB); 0 = unlimited. */
  facilityQuotaBytes: number;
  ehrTimeoutMs: number;
  maxBodyBytes: number;
  maxRecordsPerSubmission: number;
  maxFhirBodyBytes: number;
  /** Largest JSON body of `POST /api/kcb/xml/guiHoSoXml`, all files together (DATA_HUB_MAX_BODY_MB); the parser holds it whole. */
  dataHubMaxBodyBytes: number;
  linkBatchSize: number;
  /** Most entries in one transaction Bundle to the EHR (LINK_MAX_BUNDLE_ENTRIES); episodes are never split across Bundles. */
  linkMaxBundleEntries: number;
  linkAttempts: number;
  linkBackoffMs: number;
  /** Ceiling of the exponential retry backoff. */
  linkBackoffMaxMs: number;
  workerConcurrency: number;
  /** How long a worker's job lock lasts; a killed worker's jobs are retried after about this long. */
  workerLockMs: number;
  relayIntervalMs: number;
  /** How often the statistics deltas are folded into the daily and monthly tables (docs/reporting.md). */
  statsFoldMs: number;
  /** The day a reporting month starts (1: calendar months; 10: the 10th to the 9th, as the Quảng Ngãi report counts). */
  reportMonthStartDay: number;
  relayStaleMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  rateLimitPerMinute: number;
  /** Limits on key lookups and failed authentication per source address (gateway/http/rate-limit.ts). */
  authAttemptsPerMinute: number;
  authLockoutFailures: number;
  authLockoutWindowMs: number;
  authLockoutMs: number;
  /** Distinct patients one key may read per hour before its reads count as bulk (and need scope bulk-read). */
  bulkReadPatientsPerHour: number;
  /** Key of the keyed hash for search values in the audit log; unset: a random key kept in the database. */
  auditHashKey?: string;
  /** Bearer token of GET /metrics (METRICS_TOKEN, ≥ 32 characters); unset: an admin API key is required (docs/operations.md). */
  metricsToken?: string;
  /** Express `trust proxy`: '' = the socket's address is the client's; e.g. 'loopback' or '1' behind a reverse proxy. */
  trustProxy: string;
  /** Public base URL of /fhir for links and fullUrls (FHIR_BASE_URL, no trailing slash); unset: each request's own. */
  fhirBaseUrl?: string;
  queuePrefix: string;
  demo: boolean;
  logLevel: string;
  systems: IdentifierSystems;
  /** Identity stage: registry verification, matching thresholds (gateway/identity-config.ts). */
  identity: IdentityConfig;
  /** Longest `NOIDUNGFILE` kept in memory (MAX_FIELD_MB); a longer one is refused with 413 naming the field. */
  maxFieldBytes: number;
  /** Longest envelope header field (`MACSKCB`, `NGAYLAP`, `SOLUONGHOSO`, `LOAIHOSO`), characters. */
  maxHeaderFieldChars: number;
  /** Longest other text node, tag, comment or processing instruction, characters (never kept, but buffered by the XML parser). */
  maxTextNodeChars: number;
  /** Memory all uploads together may hold; beyond it new uploads get 503 with Retry-After. */
  maxUploadMemoryBytes: number;
  /** Memory reserved per upload against `maxUploadMemoryBytes`; defaults to twice `maxFieldBytes` (a field is the largest thing held). */
  uploadMemoryPerRequestBytes: number;
  /** Where uploads are spooled before parsing (SPOOL_DIR, default the OS temporary directory). */
  spoolDir: string;
  /** Time a client has to send the request headers (node http `headersTimeout`). */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included (node http `requestTimeout`). */
  requestTimeoutMs: number;
  /** A request whose body stops arriving for this long is cut with 408 (socket inactivity while receiving). */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests (node http `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /** An upload slower than this, averaged over `minUploadRateWindowMs`, is cut with 408; 0 turns the guard off. */
  minUploadBytesPerSecond: number;
  minUploadRateWindowMs: number;
  /** Encryption at rest of raw submissions and record payloads (docs/data-at-rest.md). */
  dataAtRest: DataAtRestConfig;
  /** How long audit rows stay in the database, and where older months are archived (docs/audit-retention.md). */
  auditRetention: AuditRetentionConfig;
  /** HL7 v2 over MLLP (MLLP_PORT); absent: no listener. */
  mllp?: MllpConfig;
  /** More MLLP listeners (MLLP_PORTS `port=facility,…`), each bound to one facility. */
  mllpPorts: readonly MllpConfig[];
}


/** Audit log retention (AUDIT_RETENTION_MONTHS, AUDIT_RETENTION_ALLOW_SHORT, AUDIT_ARCHIVE_DIR). */
export interface AuditRetentionConfig {
  /** Months a month's audit rows stay queryable in the database after it ends; then it is archived to a file. */
  months: number;
  /** Directory of the monthly audit archives (`audit_events_YYYY_MM.jsonl.gz` + `.sha256`). */
  archiveDir: string;
}

/** Encryption at rest and raw-submission retention (DATA_KEYS, DATA_ENCRYPTION, RAW_RETENTION_DAYS, RAW_ARCHIVE_DIR). */
export interface DataAtRestConfig {
  /** Keys that open stored values, the current (sealing) key first; empty when encryption is off. */
  keys: readonly DataKey[];
  /** Where the keys come from: DATA_KEYS, the published demo key (DEMO=1 without DATA_KEYS), or off (DATA_ENCRYPTION=off). */
  keySource: 'DATA_KEYS' | 'demo' | 'off';
  /** Raw bytes of submissions older than this are archived to files and removed from the database. */
  rawRetentionDays: number;
  /** Directory of raw-submission archives. */
  rawArchiveDir: string;
}

/** Audit logs must stay retrievable at least this long (cybersecurity rules; docs/audit-retention.md). */
export const MIN_AUDIT_RETENTION_MONTHS = 12;

const mb = (v: unknown) => Math.round((v as number) * 1024 * 1024);


/** Validate `env` against `schema` (coercion, defaults, every problem listed in one ConfigError). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated and defaulted by the schema
function validateEnv(schema: { type: 'object'; properties: Record<string, unknown>; required?: readonly string[] }, env: Record<string, string | undefined>): Record<string, any> {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = env[key];
    if (v === undefined || v === '') continue;
    // Booleans as operators write them: 1/0, yes/no, true/false.
    input[key] = key === 'DEMO' || key === 'LINK_WORKER_THREAD' || key === 'AUDIT_RETENTION_ALLOW_SHORT' ? (/^(1|yes|true|on)$/i.test(v) ? true : /^(0|no|false|off)$/i.test(v) ? false : v) : v;
  }
  const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
  const validate = ajv.compile(schema);
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath.slice(1) || e.params.missingProperty || 'env'}: ${e.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return input;
}

/**
 * The data keys and retention settings from validated variables. Without DATA_KEYS the gateway
 * refuses to start unless DATA_ENCRYPTION=off, or DEMO=1 (then the published demo key seals, with a warning).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated and defaulted by the schema
function dataAtRestFrom(e: Record<string, any>): DataAtRestConfig {
  const retention = { rawRetentionDays: e.RAW_RETENTION_DAYS as number, rawArchiveDir: e.RAW_ARCHIVE_DIR as string };
  if (e.DATA_ENCRYPTION === 'off') return Object.freeze({ keys: Object.freeze([]), keySource: 'off' as const, ...retention });
  if (e.DATA_KEYS) {
    try {
      return Object.freeze({ keys: Object.freeze(parseDataKeys(e.DATA_KEYS)), keySource: 'DATA_KEYS' as const, ...retention });
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  ${(err as Error).message}`);
    }
  }
  if (e.DEMO) return Object.freeze({ keys: Object.freeze([DEMO_DATA_KEY]), keySource: 'demo' as const, ...retention });
  throw new ConfigError(
    'invalid configuration:\n  DATA_KEYS: required (health data is stored encrypted, docs/data-at-rest.md); '
    + 'create a key with `npm run data -- new-key 1`, or set DATA_ENCRYPTION=off to store plaintext deliberately',
  );
}

/** Read only the data-at-rest settings (for the `npm run data` commands, which need no Redis). */
export function loadDataAtRestConfig(env: Record<string, string | undefined>): DataAtRestConfig {
  const properties = Object.fromEntries(DATA_AT_REST_KEYS.map((k) => [k, ENV_SCHEMA.properties[k]]));
  return dataAtRestFrom(validateEnv({ type: 'object' as const, properties }, env));
}

/**
 * Audit retention from validated variables. Fewer than 12 months is refused unless
 * AUDIT_RETENTION_ALLOW_SHORT=1 says it is deliberate (a test bed, or a site whose own rules allow it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated and defaulted by the schema
function auditRetentionFrom(e: Record<string, any>): AuditRetentionConfig {
  const months = e.AUDIT_RETENTION_MONTHS as number;
  if (months < MIN_AUDIT_RETENTION_MONTHS && !e.AUDIT_RETENTION_ALLOW_SHORT) {
    throw new ConfigError(
      `invalid configuration:\n  AUDIT_RETENTION_MONTHS: must be >= ${MIN_AUDIT_RETENTION_MONTHS} (audit logs must stay retrievable `
      + 'for at least 12 months, docs/audit-retention.md); set AUDIT_RETENTION_ALLOW_SHORT=1 to keep fewer deliberately',
    );
  }
  return Object.freeze({ months, archiveDir: e.AUDIT_ARCHIVE_DIR as string });
}

/** Read only the audit retention settings (for the `npm run audit` commands, which need no Redis). */
export function loadAuditRetentionConfig(env: Record<string, string | undefined>): AuditRetentionConfig {
  const properties = Object.fromEntries(AUDIT_RETENTION_KEYS.map((k) => [k, ENV_SCHEMA.properties[k]]));
  return auditRetentionFrom(validateEnv({ type: 'object' as const, properties }, env));
}

/** Read and validate configuration (JSON Schema with coercion and defaults); the result is frozen. */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const e = validateEnv(ENV_SCHEMA, env);
  const port = e.PORT as number;
  return Object.freeze({
    port,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    role: e.ROLE,
    linkWorkerThread: e.LINK_WORKER_THREAD,
    workerThreadHeapMb: e.WORKER_THREAD_HEAP_MB,
    ...(e.EHR_FHIR_URL ? { ehrFhirUrl: e.EHR_FHIR_URL as string } : {}),
    facilityQuotaBytes: mb(e.FACILITY_QUOTA_MB),
    ...(e.EHR_API_KEY ? { ehrApiKey: e.EHR_API_KEY } : {}),
    ehrTimeoutMs: e.EHR_TIMEOUT_MS,
    maxBodyBytes: Math.round((e.MAX_BODY_MB as number) * 1024 * 1024),
    maxRecordsPerSubmission: e.MAX_RECORDS_PER_SUBMISSION,
    maxFhirBodyBytes: Math.round((e.MAX_FHIR_BODY_MB as number) * 1024 * 1024),
    dataHubMaxBodyBytes: mb(e.DATA_HUB_MAX_BODY_MB),
    linkBatchSize: e.LINK_BATCH_SIZE,
    linkMaxBundleEntries: e.LINK_MAX_BUNDLE_ENTRIES as number,
    linkAttempts: e.LINK_ATTEMPTS,
    linkBackoffMs: e.LINK_BACKOFF_MS,
    linkBackoffMaxMs: e.LINK_BACKOFF_MAX_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerLockMs: e.WORKER_LOCK_MS,
    relayIntervalMs: e.RELAY_INTERVAL_MS,
    statsFoldMs: e.STATS_FOLD_MS as number,
    reportMonthStartDay: e.REPORT_MONTH_START_DAY as number,
    relayStaleMs: e.RELAY_STALE_MS,
    breakerFailures: e.BREAKER_FAILURES,
    breakerCooldownMs: e.BREAKER_COOLDOWN_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authAttemptsPerMinute: e.AUTH_ATTEMPTS_PER_MINUTE,
    authLockoutFailures: e.AUTH_LOCKOUT_FAILURES,
    authLockoutWindowMs: Math.round((e.AUTH_LOCKOUT_WINDOW_MINUTES as number) * 60_000),
    authLockoutMs: Math.round((e.AUTH_LOCKOUT_MINUTES as number) * 60_000),
    trustProxy: e.TRUST_PROXY,
    ...(e.FHIR_BASE_URL ? { fhirBaseUrl: e.FHIR_BASE_URL as string } : {}),
    bulkReadPatientsPerHour: e.BULK_READ_PATIENTS_PER_HOUR,
    ...(e.AUDIT_HASH_KEY ? { auditHashKey: e.AUDIT_HASH_KEY as string } : {}),
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN as string } : {}),
    queuePrefix: e.QUEUE_PREFIX,
    demo: e.DEMO,
    logLevel: e.LOG_LEVEL,
    systems: Object.freeze({
      cccd: e.SID_CCCD,
      bhyt: e.SID_BHYT,
      maLk: e.SID_MA_LK,
      facility: e.SID_FACILITY,
      maBnBase: e.SID_MA_BN_BASE,
      extensionBase: e.EXTENSION_BASE,
    }),
    maxFieldBytes: mb(e.MAX_FIELD_MB),
    maxHeaderFieldChars: Math.round((e.MAX_HEADER_FIELD_KB as number) * 1024),
    maxTextNodeChars: Math.round((e.MAX_TEXT_NODE_KB as number) * 1024),
    maxUploadMemoryBytes: mb(e.MAX_UPLOAD_MEMORY_MB),
    uploadMemoryPerRequestBytes: mb((e.UPLOAD_MEMORY_PER_REQUEST_MB as number | undefined) ?? 2 * (e.MAX_FIELD_MB as number)),
    spoolDir: (e.SPOOL_DIR as string | undefined) ?? tmpdir(),
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    idleTimeoutMs: e.IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    minUploadBytesPerSecond: e.MIN_UPLOAD_BYTES_PER_S,
    minUploadRateWindowMs: e.MIN_UPLOAD_RATE_WINDOW_MS,
    dataAtRest: dataAtRestFrom(e),
    auditRetention: auditRetentionFrom(e),
    ...(e.MLLP_PORT !== undefined ? { mllp: mllpFrom(e) } : {}),
    mllpPorts: mllpPortsFrom(e),
    identity: identityFrom(e),
  });
}

export { ConfigError };
export type { MllpConfig };

import { tmpdir } from 'node:os';
import { Ajv } from 'ajv';
import type { IdentifierSystems } from '../mappers/contract.js';

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
  linkBatchSize: number;
  linkAttempts: number;
  linkBackoffMs: number;
  /** Ceiling of the exponential retry backoff. */
  linkBackoffMaxMs: number;
  workerConcurrency: number;
  /** How long a worker's job lock lasts; a killed worker's jobs are retried after about this long. */
  workerLockMs: number;
  relayIntervalMs: number;
  relayStaleMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  rateLimitPerMinute: number;
  queuePrefix: string;
  demo: boolean;
  logLevel: string;
  systems: IdentifierSystems;
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
}

const ENV_SCHEMA = {
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
    LINK_BATCH_SIZE: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    LINK_ATTEMPTS: { type: 'integer', minimum: 1, default: 8 },
    LINK_BACKOFF_MS: { type: 'integer', minimum: 1, default: 2000 },
    LINK_BACKOFF_MAX_MS: { type: 'integer', minimum: 1, default: 60000 },
    WORKER_CONCURRENCY: { type: 'integer', minimum: 1, default: 4 },
    WORKER_LOCK_MS: { type: 'integer', minimum: 500, default: 60000 },
    RELAY_INTERVAL_MS: { type: 'integer', minimum: 50, default: 5000 },
    RELAY_STALE_MS: { type: 'integer', minimum: 0, default: 30000 },
    BREAKER_FAILURES: { type: 'integer', minimum: 1, default: 5 },
    BREAKER_COOLDOWN_MS: { type: 'integer', minimum: 10, default: 30000 },
    RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, default: 600 },
    QUEUE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', default: 'gw' },
    DEMO: { type: 'boolean', default: false },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
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
  },
} as const;

const mb = (v: unknown) => Math.round((v as number) * 1024 * 1024);

/** Thrown with every problem in the environment listed, so an operator fixes them in one go. */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
}

/** Read and validate configuration (JSON Schema with coercion and defaults); the result is frozen. */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(ENV_SCHEMA.properties)) {
    const v = env[key];
    if (v === undefined || v === '') continue;
    // Booleans as operators write them: 1/0, yes/no, true/false.
    input[key] = key === 'DEMO' || key === 'LINK_WORKER_THREAD' ? (/^(1|yes|true|on)$/i.test(v) ? true : /^(0|no|false|off)$/i.test(v) ? false : v) : v;
  }
  const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
  const validate = ajv.compile(ENV_SCHEMA);
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath.slice(1) || e.params.missingProperty || 'env'}: ${e.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated and defaulted by the schema above
  const e = input as Record<string, any>;
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
    linkBatchSize: e.LINK_BATCH_SIZE,
    linkAttempts: e.LINK_ATTEMPTS,
    linkBackoffMs: e.LINK_BACKOFF_MS,
    linkBackoffMaxMs: e.LINK_BACKOFF_MAX_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerLockMs: e.WORKER_LOCK_MS,
    relayIntervalMs: e.RELAY_INTERVAL_MS,
    relayStaleMs: e.RELAY_STALE_MS,
    breakerFailures: e.BREAKER_FAILURES,
    breakerCooldownMs: e.BREAKER_COOLDOWN_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
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
  });
}

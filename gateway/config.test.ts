import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAuditRetentionConfig, loadConfig, loadDataAtRestConfig } from './config.js';

const KEY_1 = Buffer.alloc(32, 1);
const REQUIRED = { DATABASE_URL: 'postgres://gw@127.0.0.1/gw', REDIS_URL: 'redis://127.0.0.1:6379', DATA_KEYS: `1:${KEY_1.toString('base64')}` };
const load = (env: Record<string, string | undefined> = {}) => loadConfig({ ...REQUIRED, ...env });

/** The problem lines of the ConfigError thrown for `env` (fails the test when nothing is thrown). */
function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const [head, ...lines] = (err as ConfigError).message.split('\n');
    expect(head).toBe('invalid configuration:');
    return lines.map((l) => l.trim());
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('fills every default from the two required URLs and a data key', () => {
    expect(load()).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: REQUIRED.DATABASE_URL,
      redisUrl: REQUIRED.REDIS_URL,
      role: 'all',
      linkWorkerThread: true,
      workerThreadHeapMb: 128,
      ehrTimeoutMs: 30000,
      facilityQuotaBytes: 51200 * 1024 * 1024,
      maxBodyBytes: 200 * 1024 * 1024,
      maxRecordsPerSubmission: 50000,
      maxFhirBodyBytes: 50 * 1024 * 1024,
      dataHubMaxBodyBytes: 64 * 1024 * 1024,
      linkBatchSize: 100,
      linkMaxBundleEntries: 100,
      linkAttempts: 8,
      linkBackoffMs: 2000,
      linkBackoffMaxMs: 60000,
      workerConcurrency: 4,
      workerLockMs: 60000,
      relayIntervalMs: 5000,
      statsFoldMs: 2000,
      reportMonthStartDay: 1,
      relayStaleMs: 30000,
      breakerFailures: 5,
      breakerCooldownMs: 30000,
      rateLimitPerMinute: 600,
      authAttemptsPerMinute: 60,
      authLockoutFailures: 100,
      authLockoutWindowMs: 15 * 60_000,
      authLockoutMs: 15 * 60_000,
      trustProxy: '',
      bulkReadPatientsPerHour: 300,
      queuePrefix: 'gw',
      demo: false,
      logLevel: 'info',
      systems: {
        cccd: 'http://fhir.hl7.org.vn/core/sid/cccd',
        bhyt: 'http://fhir.hl7.org.vn/core/sid/bhyt',
        maLk: 'http://fhir.hl7.org.vn/core/sid/ma-lk',
        facility: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb',
        maBnBase: 'http://fhir.hl7.org.vn/core/sid/ma-bn',
        extensionBase: 'https://fhir.soyte.gov.vn/gateway',
      },
      maxFieldBytes: 32 * 1024 * 1024,
      maxHeaderFieldChars: 4096,
      maxTextNodeChars: 65536,
      maxUploadMemoryBytes: 512 * 1024 * 1024,
      uploadMemoryPerRequestBytes: 64 * 1024 * 1024,
      spoolDir: tmpdir(),
      headersTimeoutMs: 30000,
      requestTimeoutMs: 600000,
      idleTimeoutMs: 30000,
      keepAliveTimeoutMs: 5000,
      minUploadBytesPerSecond: 1024,
      minUploadRateWindowMs: 30000,
      dataAtRest: { keys: [{ id: 1, key: KEY_1 }], keySource: 'DATA_KEYS', rawRetentionDays: 365, rawArchiveDir: '.data/raw-archive' },
      auditRetention: { months: 12, archiveDir: '.data/audit-archive' },
      mllpPorts: [],
      identity: {
        verification: 'off', breakerFailures: 5, breakerCooldownMs: 30000, verifyRetryMs: 60000, thresholds: { autoLink: 0.92, review: 0.6 },
      },
    });
  });

  it('coerces numbers from strings and converts megabytes to bytes', () => {
    const cfg = load({ PORT: '9090', LINK_BATCH_SIZE: '250', BREAKER_FAILURES: '2', RELAY_STALE_MS: '0', MAX_BODY_MB: '1.5', MAX_FHIR_BODY_MB: '3' });
    expect(cfg).toMatchObject({ port: 9090, linkBatchSize: 250, breakerFailures: 2, relayStaleMs: 0, maxBodyBytes: 1572864, maxFhirBodyBytes: 3145728 });
  });

  it('links into the built-in store in-process unless EHR_FHIR_URL names an external EHR', () => {
    expect(load({ PORT: '3000' }).ehrFhirUrl).toBeUndefined();
    expect(load({ PORT: '3000', EHR_FHIR_URL: 'https://ehr.example.vn/fhir' }).ehrFhirUrl).toBe('https://ehr.example.vn/fhir');
  });

  it.each(['1', 'yes', 'YES', 'true', 'True', 'on'])('reads DEMO=%s as true', (value) => {
    expect(load({ DEMO: value }).demo).toBe(true);
  });

  it.each(['0', 'no', 'No', 'false', 'FALSE', 'off'])('reads DEMO=%s as false', (value) => {
    expect(load({ DEMO: value }).demo).toBe(false);
  });

  it('refuses any other DEMO value', () => {
    expect(problems({ ...REQUIRED, DEMO: 'maybe' })).toEqual(['DEMO: must be boolean']);
  });

  it('treats empty variables as unset', () => {
    const cfg = load({ PORT: '', DEMO: '', EHR_API_KEY: '', ROLE: '' });
    expect(cfg).toMatchObject({ port: 8080, demo: false, role: 'all' });
    expect(cfg).not.toHaveProperty('ehrApiKey');
  });

  it('includes ehrApiKey only when EHR_API_KEY is set', () => {
    expect(load()).not.toHaveProperty('ehrApiKey');
    expect(load({ EHR_API_KEY: 'k-123' }).ehrApiKey).toBe('k-123');
  });

  it('reads role, log level, queue prefix and the identifier systems', () => {
    const cfg = load({
      ROLE: 'worker',
      LOG_LEVEL: 'debug',
      QUEUE_PREFIX: 'site_1-a',
      SID_CCCD: 'urn:cccd',
      SID_BHYT: 'urn:bhyt',
      SID_MA_LK: 'urn:lk',
      SID_FACILITY: 'urn:cskcb',
      SID_MA_BN_BASE: 'urn:bn',
      EXTENSION_BASE: 'https://x.example/ext',
    });
    expect(cfg).toMatchObject({ role: 'worker', logLevel: 'debug', queuePrefix: 'site_1-a' });
    expect(cfg.systems).toEqual({ cccd: 'urn:cccd', bhyt: 'urn:bhyt', maLk: 'urn:lk', facility: 'urn:cskcb', maBnBase: 'urn:bn', extensionBase: 'https://x.example/ext' });
  });

  it('ignores variables it does not know', () => {
    expect(load({ PATH: '/usr/bin', NODE_ENV: 'production' })).toEqual(load());
  });

  it('returns a frozen result, systems included', () => {
    const cfg = load();
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.systems)).toBe(true);
    expect(() => {
      (cfg as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('does not modify the environment it reads', () => {
    const env = { ...REQUIRED, PORT: '9000', DEMO: 'yes' };
    loadConfig(env);
    expect(env).toEqual({ ...REQUIRED, PORT: '9000', DEMO: 'yes' });
  });

  it('requires DATABASE_URL and REDIS_URL, naming both', () => {
    expect(problems({})).toEqual([
      "DATABASE_URL: must have required property 'DATABASE_URL'",
      "REDIS_URL: must have required property 'REDIS_URL'",
    ]);
  });

  it.each([
    ['DATABASE_URL', 'mysql://x/y', 'DATABASE_URL: must match pattern "^postgres(ql)?://"'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'REDIS_URL: must match pattern "^rediss?://"'],
    ['PORT', 'http', 'PORT: must be integer'],
    ['PORT', '70000', 'PORT: must be <= 65535'],
    ['LINK_BATCH_SIZE', '0', 'LINK_BATCH_SIZE: must be >= 1'],
    ['LINK_BATCH_SIZE', '1001', 'LINK_BATCH_SIZE: must be <= 1000'],
    ['LINK_ATTEMPTS', '2.5', 'LINK_ATTEMPTS: must be integer'],
    ['MAX_BODY_MB', '0.5', 'MAX_BODY_MB: must be >= 1'],
    ['EHR_FHIR_URL', 'ehr.local/fhir', 'EHR_FHIR_URL: must match pattern "^https?://"'],
    ['ROLE', 'both', 'ROLE: must be equal to one of the allowed values'],
    ['QUEUE_PREFIX', 'gw:1', 'QUEUE_PREFIX: must match pattern "^[A-Za-z0-9_-]+$"'],
  ])('refuses %s=%s', (key, value, problem) => {
    expect(problems({ ...REQUIRED, [key]: value })).toEqual([problem]);
  });

  it('refuses to start without a data key unless encryption is turned off explicitly or in demo mode', () => {
    const noKey = { DATABASE_URL: REQUIRED.DATABASE_URL, REDIS_URL: REQUIRED.REDIS_URL };
    expect(() => loadConfig(noKey)).toThrow(ConfigError);
    expect(() => loadConfig(noKey)).toThrow(/DATA_KEYS: required .*DATA_ENCRYPTION=off/s);
    expect(loadConfig({ ...noKey, DATA_ENCRYPTION: 'off' }).dataAtRest).toMatchObject({ keys: [], keySource: 'off' });
    const demo = loadConfig({ ...noKey, DEMO: '1' }).dataAtRest;
    expect(demo.keySource).toBe('demo');
    expect(demo.keys.map((k) => k.id)).toEqual([0]);
    expect(problems({ ...noKey, DATA_ENCRYPTION: 'maybe' })).toEqual(['DATA_ENCRYPTION: must be equal to one of the allowed values']);
  });

  it('reads DATA_KEYS current key first, and names a bad entry without echoing it', () => {
    const key2 = Buffer.alloc(32, 2).toString('base64');
    expect(load({ DATA_KEYS: `2:${key2}, ${REQUIRED.DATA_KEYS}` }).dataAtRest.keys.map((k) => k.id)).toEqual([2, 1]);
    expect(problems({ ...REQUIRED, DATA_KEYS: '1:c2hvcnQ=' })).toEqual([expect.stringMatching(/^DATA_KEYS entry 1 is not id:base64key/)]);
    expect(problems({ ...REQUIRED, DATA_KEYS: `0:${key2}` })).toEqual([expect.stringMatching(/key id 0 is outside 1–255/)]);
    expect(problems({ ...REQUIRED, DATA_KEYS: `3:${key2},3:${key2}` })).toEqual(['DATA_KEYS lists key id 3 twice']);
    expect(JSON.stringify(problems({ ...REQUIRED, DATA_KEYS: `1:${key2}x` }))).not.toContain(key2);
  });

  it('reads the retention settings, also without the service URLs (the data commands)', () => {
    expect(load({ RAW_RETENTION_DAYS: '30', RAW_ARCHIVE_DIR: '/srv/archive' }).dataAtRest).toMatchObject({ rawRetentionDays: 30, rawArchiveDir: '/srv/archive' });
    expect(loadDataAtRestConfig({ DATA_KEYS: REQUIRED.DATA_KEYS, RAW_RETENTION_DAYS: '90' })).toMatchObject({ keySource: 'DATA_KEYS', rawRetentionDays: 90 });
    expect(() => loadDataAtRestConfig({ RAW_RETENTION_DAYS: '0', DATA_ENCRYPTION: 'off' })).toThrow(/RAW_RETENTION_DAYS: must be >= 1/);
  });

  it('lists every problem at once', () => {
    const lines = problems({ DATABASE_URL: 'mysql://x', PORT: '-1', DEMO: 'perhaps', LOG_LEVEL: 'loud' });
    expect(lines).toHaveLength(5);
    expect(lines).toEqual(
      expect.arrayContaining([
        "REDIS_URL: must have required property 'REDIS_URL'",
        'DATABASE_URL: must match pattern "^postgres(ql)?://"',
        'PORT: must be >= 0',
        'DEMO: must be boolean',
        'LOG_LEVEL: must be equal to one of the allowed values',
      ]),
    );
  });
});

describe('audit retention settings', () => {
  it('keeps 12 months by default and archives under .data/audit-archive', () => {
    expect(load().auditRetention).toEqual({ months: 12, archiveDir: '.data/audit-archive' });
    expect(load({ AUDIT_RETENTION_MONTHS: '24', AUDIT_ARCHIVE_DIR: '/srv/audit' }).auditRetention).toEqual({ months: 24, archiveDir: '/srv/audit' });
  });

  it('refuses fewer than 12 months, saying why and how to override', () => {
    const [line, ...rest] = problems({ ...REQUIRED, AUDIT_RETENTION_MONTHS: '6' });
    expect(rest).toEqual([]);
    expect(line).toMatch(/^AUDIT_RETENTION_MONTHS: must be >= 12 \(audit logs must stay retrievable for at least 12 months.*AUDIT_RETENTION_ALLOW_SHORT=1/);
  });

  it('accepts fewer than 12 months only with AUDIT_RETENTION_ALLOW_SHORT', () => {
    expect(load({ AUDIT_RETENTION_MONTHS: '3', AUDIT_RETENTION_ALLOW_SHORT: 'yes' }).auditRetention.months).toBe(3);
    expect(() => load({ AUDIT_RETENTION_MONTHS: '3', AUDIT_RETENTION_ALLOW_SHORT: 'no' })).toThrow(ConfigError);
    expect(problems({ ...REQUIRED, AUDIT_RETENTION_MONTHS: '0', AUDIT_RETENTION_ALLOW_SHORT: '1' }))
      .toEqual(['AUDIT_RETENTION_MONTHS: must be >= 1']);
  });

  it('is read on its own, without Redis or data keys, for npm run audit', () => {
    expect(loadAuditRetentionConfig({})).toEqual({ months: 12, archiveDir: '.data/audit-archive' });
    expect(() => loadAuditRetentionConfig({ AUDIT_RETENTION_MONTHS: '11' })).toThrow(/AUDIT_RETENTION_MONTHS: must be >= 12/);
    expect(() => loadAuditRetentionConfig({ AUDIT_RETENTION_MONTHS: 'twelve' })).toThrow(/AUDIT_RETENTION_MONTHS: must be integer/);
  });
});

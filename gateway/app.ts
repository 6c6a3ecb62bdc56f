import express, { type Express } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { FhirValidator } from '../profiles/validate.js';
import type { KeyVerifier } from './auth/api-keys.js';
import type { Config } from './config.js';
import { UploadAdmission } from './http/admission.js';
import { auditTrail } from './http/audit.js';
import { authenticate, presentedKey, requireRole } from './http/auth.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { AuthGuard } from './http/rate-limit.js';
import type { RateStore } from './http/rate-store.js';
import { ReadGuard } from './http/read-guard.js';
import { auditHash } from './http/audit-query.js';
import { personSystems, resourceIds } from '../mappers/fhir/ids.js';
import { appendAudit } from './store/audit.repo.js';
import { requestLog } from './http/request-log.js';
import { apiRoutes } from './routes/api.routes.js';
import { identityRoutes } from './routes/identity.routes.js';
import { cleaningRoutes } from './routes/cleaning.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { errorsRoutes } from './routes/errors.routes.js';
import { facilitiesRoutes } from './routes/facilities.routes.js';
import { reportsRoutes } from './routes/reports.routes.js';
import { adminRoutes } from './admin/admin.routes.js';
import { AdminSessions } from './admin/session.js';
import { jsonBody } from '../http-input/json-body.js';
import { fhirRoutes, metadataRoute } from '../ehr-store/fhir.routes.js';
import { ingestRoutes } from './routes/ingest.routes.js';
import { dataHubRoutes } from './routes/data-hub.routes.js';
import { dataKeyring } from './data-keyring.js';
import { metricsAuth } from './ops/metrics-auth.js';
import { metricsRoutes, probeRoutes, type OpsDeps } from './ops/ops.routes.js';
import type { IdentityStage } from '../identity/identity.stage.js';
import type { EnqueueLink, IngestDeps } from '../pipeline/ingest.pipeline.js';

/** Deepest nesting of arrays and objects in an /api JSON body (filters are flat; beyond it 400). */
const API_MAX_JSON_DEPTH = 64;

/** Everything the HTTP app needs, passed in (tests build their own). */
export interface AppDeps {
  config: Readonly<Config>;
  pool: pg.Pool;
  validator: FhirValidator;
  enqueueLink: EnqueueLink;
  verifier: KeyVerifier;
  log: Logger;
  clock: () => Date;
  /** Public base URL of /fhir used in Bundle links. */
  /** FHIR_BASE_URL; undefined: each request's own (ehr-store/fhir-http.ts baseOf). */
  fhirBaseUrl: string | undefined;
  /** Separate pools so a burst of uploads cannot starve reads or audit writes (default: `pool` for all). */
  pools?: { ingest?: pg.Pool; audit?: pg.Pool };
  /** Decides which Patient each record belongs to. */
  identity: IdentityStage;
  /** Rate-limit counters shared by all gateway processes (Redis; memory in unit tests). */
  rateStore: RateStore;
  /** Key of the keyed hash that stands in for search values in the audit log. */
  auditHashKey: string;
  /** /metrics, /healthz and /readyz (gateway/ops/, docs/operations.md); absent: not mounted. */
  ops?: OpsDeps;
}

/** What the ingest pipeline needs, from the app's deps: shared by the HTTP routes and the MLLP listener. */
export function ingestDepsOf(deps: Pick<AppDeps, 'config' | 'pool' | 'pools' | 'identity' | 'validator' | 'enqueueLink' | 'log'>): IngestDeps {
  const { config, log } = deps;
  return {
    pool: deps.pools?.ingest ?? deps.pool,
    stages: { identity: deps.identity, validator: deps.validator, systems: config.systems },
    enqueueLink: deps.enqueueLink,
    log,
    keyring: dataKeyring(config, log),
    limits: {
      maxBodyBytes: config.maxBodyBytes, maxRecordsPerSubmission: config.maxRecordsPerSubmission, maxFieldChars: config.maxFieldBytes,
      maxHeaderChars: config.maxHeaderFieldChars, maxTextChars: config.maxTextNodeChars,
      linkBatchSize: config.linkBatchSize, facilityQuotaBytes: config.facilityQuotaBytes, spoolDir: config.spoolDir,
    },
  };
}

/** Build the Express app (never listens; main.ts and supertest do). */
export function createApp(deps: AppDeps): Express {
  const { config, pool, log, clock } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Paths are matched case-sensitively (`/FHIR/Patient` is not `/fhir/Patient`), so the audit trail
  // classifies exactly the routes that answer.
  app.set('case sensitive routing', true);
  if (config.trustProxy) app.set('trust proxy', /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  app.use(requestLog(log));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (deps.ops) app.use(probeRoutes(deps.ops.readiness));
  app.use('/fhir', metadataRoute(deps.fhirBaseUrl, clock));

  const auditPool = deps.pools?.audit ?? pool;
  const adminSessions = new AdminSessions(pool, clock); // the dashboard's sessions (docs/dashboard.md)
  const guard = new AuthGuard(deps.rateStore, {
    attemptsPerMinute: config.authAttemptsPerMinute, lockoutFailures: config.authLockoutFailures,
    lockoutWindowMs: config.authLockoutWindowMs, lockoutMs: config.authLockoutMs, perKeyPerMinute: config.rateLimitPerMinute,
  }, {
    isKnownGood: (req) => { const key = presentedKey(req); return key ? !!deps.verifier.peek(key) : adminSessions.knows(req); },
    onLockout: (req, failures) => {
      log.warn({ failures, lockoutMs: config.authLockoutMs }, 'source address locked out after failed authentication');
      appendAudit(auditPool, {
        keyId: null, role: null, facility: null, action: 'lockout', method: req.method, path: req.originalUrl.split('?')[0]!.slice(0, 300),
        resource: null, patient: null, sourceIp: req.ip ?? null, status: 429,
      }).catch((err) => log.error({ err: (err as Error).message }, 'audit write failed'));
    },
  });
  app.use(guard.beforeAuth()); // before the audit trail: a flood of bad keys costs neither lookups nor audit rows
  if (deps.ops) {
    // METRICS_TOKEN: that bearer token only, not audited; otherwise an admin key the usual way (docs/operations.md).
    app.use(metricsRoutes(deps.ops.metrics, metricsAuth({
      ...(config.metricsToken ? { token: config.metricsToken } : {}), onFailure: (req) => guard.recordFailure(req),
      fallback: [auditTrail(auditPool, log, deps.auditHashKey), authenticate(deps.verifier, guard), guard.perKey(), requireRole('admin')],
    })));
  }
  // The administrators' dashboard: its own sessions, CSRF checks and HTML errors; no API key (docs/dashboard.md).
  const ingestDeps = ingestDepsOf(deps);
  app.use('/admin', adminRoutes({
    config, pool, auditPool, auditHashKey: deps.auditHashKey, verifier: deps.verifier, guard, log, clock, enqueueLink: deps.enqueueLink, sessions: adminSessions,
    keyring: ingestDeps.keyring, rerun: { stages: ingestDeps.stages, keyring: ingestDeps.keyring, verifyRetryMs: config.identity.verifyRetryMs },
  }));
  app.use(auditTrail(auditPool, log, deps.auditHashKey));
  app.use(authenticate(deps.verifier, guard));
  app.use(guard.perKey());

  const admission = new UploadAdmission({ totalBytes: config.maxUploadMemoryBytes, perUploadBytes: config.uploadMemoryPerRequestBytes });
  app.use('/ingest', admission.middleware(), ingestRoutes(ingestDeps));
  app.use('/api/kcb/xml', dataHubRoutes({ // before /api: own body limit and memory reservation, hub JSON answers
    ingest: ingestDeps, pool, clock, admission, log,
    limits: { hubMaxBodyBytes: config.dataHubMaxBodyBytes, uploadMemoryBytes: config.maxUploadMemoryBytes },
  }));
  app.use('/api/audit', auditRoutes({
    pool, clock,
    personOf: (cccd) => ({ patient: `Patient/${resourceIds.patient(config.systems, cccd)}`, valueHash: auditHash(deps.auditHashKey, cccd) }),
  }));
  const reviewDeps = { pool, enqueueLink: deps.enqueueLink, log, keyring: ingestDeps.keyring, verifyRetryMs: config.identity.verifyRetryMs, stages: ingestDeps.stages };
  app.use('/api/cleaning', cleaningRoutes({ ...reviewDeps, clock })); // before /api: CSV and XLSX bodies
  app.use('/api', facilitiesRoutes({ pool, clock })); // before /api: its routes parse their own bodies (the import is text/csv)
  app.use('/api/reports', reportsRoutes({ pool, reportMonthStartDay: config.reportMonthStartDay })); // provincial reports: XLSX, CSV, HTML (docs/reports.md)
  app.use('/api', ...jsonBody({ types: ['application/json'], limit: '1mb', maxDepth: API_MAX_JSON_DEPTH }), apiRoutes({ pool, enqueueLink: deps.enqueueLink, log, linkBatchSize: config.linkBatchSize, clock, reportMonthStartDay: config.reportMonthStartDay, rerun: { stages: ingestDeps.stages, keyring: ingestDeps.keyring, verifyRetryMs: config.identity.verifyRetryMs } }));
  app.use('/api', identityRoutes({
    ...reviewDeps, clock, systems: config.systems, sharedSystems: { cccd: config.systems.cccd, bhyt: config.systems.bhyt, ...personSystems(config.systems) },
  }));
  app.use('/api', errorsRoutes({ pool, keyring: ingestDeps.keyring })); // error review: /api/errors, upload history, error files (docs/error-review.md)
  app.use('/fhir', fhirRoutes({ pool, validator: deps.validator, baseUrl: deps.fhirBaseUrl, maxBodyBytes: config.maxFhirBodyBytes, clock, authorize: (role) => requireRole(role),
    reads: new ReadGuard(deps.rateStore, config.bulkReadPatientsPerHour),
  }));

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}

import express, { type Express } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { FhirValidator } from '../profiles/validate.js';
import type { KeyVerifier } from './auth/api-keys.js';
import type { Config } from './config.js';
import { UploadAdmission } from './http/admission.js';
import { auditTrail } from './http/audit.js';
import { authenticate, requireRole } from './http/auth.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { rateLimit } from './http/rate-limit.js';
import { requestLog } from './http/request-log.js';
import { apiRoutes } from './routes/api.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { fhirRoutes, metadataRoute } from '../ehr-store/fhir.routes.js';
import { ingestRoutes } from './routes/ingest.routes.js';
import type { IdentityStage } from '../identity/identity.stage.js';
import type { EnqueueLink } from '../pipeline/ingest.pipeline.js';

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
  fhirBaseUrl: string;
  /** Separate pools so a burst of uploads cannot starve reads or audit writes (default: `pool` for all). */
  pools?: { ingest?: pg.Pool; audit?: pg.Pool };
  /** Decides which Patient each record belongs to. */
  identity: IdentityStage;
}

/** Build the Express app (never listens; main.ts and supertest do). */
export function createApp(deps: AppDeps): Express {
  const { config, pool, log, clock } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  app.use(requestLog(log));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/fhir', metadataRoute(deps.fhirBaseUrl, clock));

  app.use(auditTrail(deps.pools?.audit ?? pool, log));
  app.use(authenticate(deps.verifier));
  app.use(rateLimit(config.rateLimitPerMinute));

  const admission = new UploadAdmission({ totalBytes: config.maxUploadMemoryBytes, perUploadBytes: config.uploadMemoryPerRequestBytes });
  app.use('/ingest', admission.middleware(), ingestRoutes({
    pool: deps.pools?.ingest ?? pool,
    stages: { identity: deps.identity, validator: deps.validator, systems: config.systems },
    enqueueLink: deps.enqueueLink,
    log,
    limits: {
      maxBodyBytes: config.maxBodyBytes, maxRecordsPerSubmission: config.maxRecordsPerSubmission, maxFieldChars: config.maxFieldBytes,
      maxHeaderChars: config.maxHeaderFieldChars, maxTextChars: config.maxTextNodeChars,
      linkBatchSize: config.linkBatchSize, facilityQuotaBytes: config.facilityQuotaBytes, spoolDir: config.spoolDir,
    },
  }));
  app.use('/api/audit', auditRoutes({ pool, clock }));
  app.use('/api', express.json({ limit: '1mb' }), apiRoutes({ pool, enqueueLink: deps.enqueueLink, log, linkBatchSize: config.linkBatchSize, clock }));
  app.use('/fhir', fhirRoutes({ pool, validator: deps.validator, baseUrl: deps.fhirBaseUrl, maxBodyBytes: config.maxFhirBodyBytes, clock, authorize: (role) => requireRole(role) }));

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}

import { Router, type RequestHandler } from 'express';
import type { GatewayMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';

/** What the operations endpoints need (gateway/runtime.ts builds it; tests may leave it out). */
export interface OpsDeps {
  metrics: GatewayMetrics;
  readiness: Readiness;
}

/**
 * Kubernetes-style probes, before authentication (they reveal only up/down):
 * `/healthz` liveness, 200 while the process serves requests (no dependency is asked, so a
 * PostgreSQL outage never gets every process restarted); `/readyz` readiness, 200 when PostgreSQL,
 * Redis and the EHR answer, else 503 naming the failing checks.
 */
export function probeRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res, next) => {
    try {
      const report = await readiness.check();
      res.status(report.status === 'ready' ? 200 : 503).json(report);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** `GET /metrics` in the Prometheus text exposition format, behind `auth` (gateway/ops/metrics-auth.ts). */
export function metricsRoutes(metrics: GatewayMetrics, auth: RequestHandler[]): Router {
  const router = Router();
  router.get('/metrics', ...auth, async (_req, res, next) => {
    try {
      const text = await metrics.scrape();
      res.type(metrics.contentType).send(text);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

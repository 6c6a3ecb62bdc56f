import { Router } from 'express';
import type { FormatMapper } from '../../mappers/contract.js';
import { FORMATS } from '../../mappers/registry.js';
import { ingest, type IngestDeps } from '../../pipeline/ingest.pipeline.js';
import { GatewayError, tooLarge } from '../../errors/outcome.js';
import { requireRole } from '../http/auth.js';

/** One route per registered format: `POST /ingest/<format>` (optionally gzip), answered 202 once committed. */
export function ingestRoutes(deps: IngestDeps, formats: readonly FormatMapper<unknown>[] = FORMATS): Router {
  const router = Router();
  for (const format of formats) {
    router.post(`/${format.format}`, requireRole('facility', 'admin'), async (req, res) => {
      const type = req.get('content-type') ?? '';
      if (!format.contentTypes.test(type)) throw new GatewayError(415, 'not-supported', `Content-Type ${type || 'none'} is not accepted for ${format.format} (${format.description})`);
      const declared = Number(req.get('content-length') ?? 0);
      if (declared > deps.limits.maxBodyBytes) throw tooLarge(`body of ${declared} bytes is larger than ${deps.limits.maxBodyBytes} bytes (MAX_BODY_MB)`);
      const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') throw new GatewayError(415, 'not-supported', `Content-Encoding ${encoding} is not supported (use gzip or none)`);
      const result = await ingest(format, req, encoding, {
        clientId: req.principal?.keyId ?? null,
        facility: req.principal?.role === 'facility' ? req.principal.facility : null,
        contentType: type,
      }, deps);
      res.locals.audit = { resource: `submission/${result.submissionId}` };
      res.status(202).location(`/api/submissions/${result.submissionId}`).json(result);
    });
  }
  return router;
}

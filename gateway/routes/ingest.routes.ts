import { Router } from 'express';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { GatewayError, tooLarge } from '../errors.js';
import { requireRole } from '../http/auth.js';
import { ingestQd130, type IngestDeps } from '../services/ingest.service.js';

const XML_TYPES = /^(application|text)\/xml\b/i;

/** `POST /ingest/qd130`: a GIAMDINHHS envelope (application/xml or text/xml, optionally gzip). */
export function ingestRoutes(deps: IngestDeps): Router {
  const router = Router();
  router.post('/qd130', requireRole('facility', 'admin'), async (req, res) => {
    const type = req.get('content-type') ?? '';
    if (!XML_TYPES.test(type)) throw new GatewayError(415, 'not-supported', `Content-Type must be application/xml or text/xml (got "${type || 'none'}")`);
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > deps.maxBodyBytes) throw tooLarge(`envelope of ${declared} bytes is larger than ${deps.maxBodyBytes} bytes (MAX_BODY_MB)`);
    const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') throw new GatewayError(415, 'not-supported', `Content-Encoding ${encoding} is not supported (use gzip or none)`);
    let body: Readable = req;
    if (encoding === 'gzip') {
      const gunzip = createGunzip();
      gunzip.on('error', () => undefined); // surfaced through the body iterator below, never as an unhandled event
      body = req.pipe(gunzip);
    }
    try {
      const result = await ingestQd130(body, {
        clientId: req.principal?.keyId ?? null,
        facility: req.principal?.role === 'facility' ? req.principal.facility : null,
        contentType: type,
      }, deps);
      res.locals.audit = { resource: `submission/${result.submissionId}` };
      res.status(202).location(`/api/submissions/${result.submissionId}`).json(result);
    } catch (err) {
      // Stop reading what we will not store; the client gets the OperationOutcome.
      req.unpipe();
      if (['Z_DATA_ERROR', 'Z_BUF_ERROR'].includes((err as { code?: string }).code ?? '')) throw new GatewayError(400, 'invalid', 'gzip body is corrupt');
      throw err;
    }
  });
  return router;
}

import { Router } from 'express';
import type { FormatMapper } from '../../mappers/contract.js';
import { FORMATS } from '../../mappers/registry.js';
import { ingest, type IngestDeps } from '../../pipeline/ingest.pipeline.js';
import { GatewayError, tooLarge } from '../../errors/outcome.js';
import { isUtf8Label } from '../../mappers/shared/charset.js';
import { quoteValue } from '../../mappers/shared/quote.js';
import { requireRole } from '../http/auth.js';
import { optionsWithProfile } from '../services/format-profiles.service.js';
import { sendFormatAnswer, sendUnreadableAnswer } from './format-answer.js';

/** The `charset` parameter of a Content-Type (RFC 9110 §8.3.2, quotes removed), or undefined. */
export function charsetOf(contentType: string): string | undefined {
  const m = /;\s*charset\s*=\s*("([^"]*)"|[^;\s]*)/i.exec(contentType);
  return m ? m[2] ?? m[1] : undefined;
}

/**
 * One route per registered format: `POST /ingest/<format>` (optionally gzip), answered 202 once committed
 * (or, for a format with its own `answer`, in its protocol: HL7 v2 ACKs with 200).
 * Bodies are UTF-8 (docs/input-rules.md): a charset naming anything else is 415, before the body is read.
 */
export function ingestRoutes(deps: IngestDeps, formats: readonly FormatMapper<unknown>[] = FORMATS): Router {
  const router = Router();
  for (const format of formats) {
    router.post(`/${format.format}`, requireRole('facility', 'admin'), async (req, res) => {
      const type = req.get('content-type') ?? '';
      if (!format.contentTypes.test(type)) throw new GatewayError(415, 'not-supported', `Content-Type ${type ? quoteValue(type, 80) : 'none'} is not accepted for ${format.format} (${format.description})`);
      const charset = charsetOf(type);
      if (charset !== undefined && !isUtf8Label(charset)) {
        throw new GatewayError(415, 'not-supported', `charset ${quoteValue(charset)} is not accepted: submissions are UTF-8 (send charset=utf-8 or no charset)`, ['Content-Type']);
      }
      const query = req.query as Record<string, unknown>;
      const options = await optionsWithProfile(deps.pool, format, query, format.parseOptions?.(query) ?? {});
      const declared = Number(req.get('content-length') ?? 0);
      if (declared > deps.limits.maxBodyBytes) throw tooLarge(`body of ${declared} bytes is larger than ${deps.limits.maxBodyBytes} bytes (MAX_BODY_MB)`);
      const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') throw new GatewayError(415, 'not-supported', `Content-Encoding ${encoding} is not supported (use gzip or none)`);
      const caller = {
        clientId: req.principal?.keyId ?? null,
        facility: req.principal?.role === 'facility' ? req.principal.facility : null,
        contentType: type,
      };
      let result;
      try {
        result = await ingest(format, req, encoding, caller, deps, options);
      } catch (err) {
        // A format with its own protocol answers an unreadable body in it (HL7 v2: an AR ACK).
        if (format.answer && sendUnreadableAnswer(res, format.answer, err)) return;
        throw err;
      }
      res.locals.audit = { resource: `submission/${result.submissionId}` };
      if (format.answer) return sendFormatAnswer(res, format.answer, result);
      res.status(202).location(`/api/submissions/${result.submissionId}`).json(result);
    });
  }
  return router;
}

import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { FormatAnswer } from '../../mappers/contract.js';
import { isMappingError } from '../../mappers/errors.js';
import type { IngestResult } from '../../pipeline/ingest.pipeline.js';

/** A fresh base for the ids an answer writes (HL7 v2: ACK MSH-10), letters and digits only. */
function idBase(): string {
  return randomUUID().replace(/-/g, '').slice(0, 14).toUpperCase();
}

/**
 * Send a committed submission's answer in the format's own protocol (HL7 v2: one ACK per
 * message, 200), with the submission's location as for the JSON answer.
 */
export function sendFormatAnswer(res: Response, answer: FormatAnswer, result: IngestResult): void {
  const records = result.records.map((outcome, i) => ({ outcome, reply: result.replies?.[i] }));
  res.status(answer.status).location(`/api/submissions/${result.submissionId}`)
    .type(answer.contentType).send(answer.render(records, { now: new Date(), idBase: idBase() }));
}

/**
 * A body that cannot be read at all (MappingError `structure` or `invalid`) answered 400 in the
 * format's protocol (HL7 v2: one AR ACK); true when sent. Other errors (413, 415, 403) stay
 * OperationOutcomes from the error handler.
 */
export function sendUnreadableAnswer(res: Response, answer: FormatAnswer, err: unknown): boolean {
  if (!isMappingError(err) || (err.code !== 'structure' && err.code !== 'invalid')) return false;
  res.status(400).type(answer.contentType).send(answer.renderUnreadable({ message: err.message, location: err.location }, { now: new Date(), idBase: idBase() }));
  return true;
}

import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { forbidden, GatewayError, notFound, tooLarge } from '../../errors/outcome.js';
import { qd130Format } from '../../mappers/qd130/index.js';
import { ingest, type IngestCaller, type IngestDeps } from '../../pipeline/ingest.pipeline.js';
import { decodeHubFile, takeHubFile, type HubRequest } from '../data-hub/hub-request.js';
import {
  batchAnswer, refusedFileResult, statusAnswer, storedFileResult, undecodableFileResult,
  type BatchAnswer, type FileResult, type StatusAnswer,
} from '../data-hub/hub-results.js';
import { viewSubmission } from './records.service.js';

/** What the data-hub contract needs: the ingest pipeline, the read pool and the clock. */
export interface DataHubDeps {
  ingest: IngestDeps;
  pool: pg.Pool;
  clock: () => Date;
}

/**
 * A facility key sends only its own files: `maCSKCB` must be the key's facility (else 403, as
 * `/ingest` refuses another facility's envelope). Admin keys may send for any facility.
 */
export function checkHubFacility(keyFacility: string | null, maCSKCB: string): void {
  if (keyFacility !== null && keyFacility !== maCSKCB) throw forbidden(`this key submits for facility ${keyFacility}; maCSKCB is ${maCSKCB}`);
}

/** What the submission row records of the request (no migration: the content type carries it). */
function contentTypeOf(request: HubRequest): string {
  return `application/xml; source=data-hub; loaiHoSo=${request.loaiHoSo}${request.maTinh ? `; maTinh=${request.maTinh}` : ''}`;
}

/** One file through the one pipeline: its own submission, committed before the answer, or its refusal. */
async function receiveFile(deps: DataHubDeps, request: HubRequest, clientId: string | null, index: number): Promise<FileResult> {
  const stt = index + 1;
  const decoded = decodeHubFile(takeHubFile(request.files, index));
  if ('problem' in decoded) return undecodableFileResult(stt, decoded.problem);
  const { maxBodyBytes } = deps.ingest.limits;
  if (decoded.bytes.length > maxBodyBytes) return refusedFileResult(stt, tooLarge(`file ${stt} is ${decoded.bytes.length} bytes, larger than ${maxBodyBytes} bytes (MAX_BODY_MB)`));
  // The envelope and every record must be the declared facility's, whatever the key (pipeline: 403 / FACILITY_MISMATCH).
  const caller: IngestCaller = { clientId, facility: request.maCSKCB, contentType: contentTypeOf(request) };
  try {
    const result = await ingest(qd130Format, Readable.from([decoded.bytes]), decoded.encoding, caller, deps.ingest, {});
    return storedFileResult(stt, result, deps.clock());
  } catch (err) {
    const refused = refusedFileResult(stt, err);
    if (refused.maKetQua.startsWith('5')) {
      deps.ingest.log.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack }, file: stt }, 'data-hub file failed');
    }
    return refused;
  }
}

/**
 * `guiHoSoXml`: each file (base64 of a GIAMDINHHS envelope, optionally gzip) is decoded and fed to
 * `ingest()` as one submission, one after the other; a broken file is its own result and never
 * stops the others. Each file's base64 is taken out of `request.files` as it is decoded, so only
 * one file is held twice at a time. `batchId` names the request in the answer and the audit log only.
 */
export async function receiveHubBatch(deps: DataHubDeps, request: HubRequest, clientId: string | null): Promise<BatchAnswer> {
  const batchId = randomUUID();
  const at = deps.clock();
  const results: FileResult[] = [];
  for (let i = 0; i < request.files.length; i++) results.push(await receiveFile(deps, request, clientId, i));
  return batchAnswer(batchId, at, request, results);
}

/**
 * `tra-cuu-trang-thai`: a submission's state now. A facility key sees only its own submissions;
 * another facility's is 404, as an unknown id (a transaction id reveals nothing about others).
 */
export async function hubSubmissionStatus(deps: Pick<DataHubDeps, 'pool'>, maGiaoDich: string, keyFacility: string | null): Promise<StatusAnswer> {
  try {
    return statusAnswer(await viewSubmission(deps, maGiaoDich, keyFacility));
  } catch (err) {
    if (err instanceof GatewayError && err.status === 403) throw notFound(`submission ${maGiaoDich} not found`);
    throw err;
  }
}

/**
 * One import run: find the files, decide each one's route, send them with bounded concurrency while
 * drawing progress, and sum up. A 401 stops the run (every further file would be refused too, and
 * repeated failed logins lock the address out: README, "Limits").
 */
import { discoverFiles, HEAD_BYTES, readHead, type FoundFile } from './discover.js';
import { detectFormat, facilityHintOf } from './detect.js';
import { planFile, type FilePlan, type SendPlan } from './plan.js';
import { readAnswer, readSubmissionView, type AnswerReading } from './answers.js';
import { ImportProgress, type ProgressSink } from './progress.js';
import { causeOf, sendFile, SendError, type SendHooks, type Target } from './send.js';
import { buildSummary, type FileOutcome, type ImportSummary } from './summary.js';
import type { ImportOptions } from './options.js';

/** The plan of every file found under the paths, in order. */
export async function planImport(options: Pick<ImportOptions, 'paths' | 'kind' | 'profile'>, cwd = process.cwd()): Promise<FilePlan[]> {
  const files = await discoverFiles(options.paths, cwd);
  const plans: FilePlan[] = [];
  for (const file of files) plans.push(await planOne(file, options));
  return plans;
}

async function planOne(file: FoundFile, options: Pick<ImportOptions, 'kind' | 'profile'>): Promise<FilePlan> {
  let read;
  try {
    read = await readHead(file.path);
  } catch (err) {
    return { action: 'error', file, reason: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  const { head, gzip } = read;
  const detection = detectFormat(file.path, head);
  const hint = detection.format ? facilityHintOf(detection.format, head, head.length < HEAD_BYTES) : undefined;
  return planFile(file, detection, gzip, options, hint);
}

/** The outcome of a file that is not sent. */
function notSentOutcome(plan: FilePlan): FileOutcome | undefined {
  if (plan.action === 'skip') return { status: 'skipped', file: plan.file.display, reason: plan.reason };
  if (plan.action === 'error') return { status: 'failed', file: plan.file.display, ...(plan.format ? { format: plan.format } : {}), reason: plan.reason };
  return undefined;
}

/** The outcome of one sent file, with the HTTP status of a refusal. */
export interface SentOutcome {
  outcome: FileOutcome;
  httpStatus?: number;
}

/** Send one file and read its answer as an outcome (never throws for the gateway's or the network's failures). */
export async function importFile(plan: SendPlan, target: Target, hooks: SendHooks = {}): Promise<SentOutcome> {
  const failed = (reason: string, httpStatus?: number): SentOutcome =>
    ({ outcome: { status: 'failed', file: plan.file.display, format: plan.format, reason }, ...(httpStatus ? { httpStatus } : {}) });
  let answer;
  try {
    answer = await sendFile(plan, target, hooks);
  } catch (err) {
    if (err instanceof SendError) return failed(err.message);
    throw err;
  }
  let reading = readAnswer(answer, plan);
  if ('view' in reading) reading = await readView(reading.view, plan, target);
  if ('failure' in reading) return failed(reading.failure, answer.status);
  if (!('records' in reading)) return failed('the submission was not read back');
  const r = reading.records;
  return {
    outcome: {
      status: 'sent', file: plan.file.display, format: plan.format, facility: r.facility,
      ...(r.submissionId ? { submissionId: r.submissionId } : {}), accepted: r.accepted, rejected: r.rejected,
    },
  };
}

/** Read a stored submission's records back (FHIR answers count Bundle entries, not records). */
async function readView(submissionId: string, plan: SendPlan, target: Target): Promise<AnswerReading> {
  try {
    const res = await fetch(`${target.url}/api/submissions/${submissionId}`, { headers: { authorization: `Bearer ${target.key}` }, signal: AbortSignal.timeout(60_000) });
    const body = await res.text();
    if (res.status !== 200) return { failure: `stored as submission ${submissionId}, but reading it back answered HTTP ${res.status}` };
    return readSubmissionView(body, plan, submissionId);
  } catch (err) {
    return { failure: `stored as submission ${submissionId}, but reading it back failed (${causeOf(err)})` };
  }
}

/** Is the gateway there? An error message when /health cannot be reached. */
export async function checkGateway(url: string, timeoutMs = 5000): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return undefined;
  } catch (err) {
    return `cannot reach the gateway at ${url} (${causeOf(err)}); is it running (npm start)? give --url or GATEWAY_URL`;
  }
}

/** Where a run writes its progress, and its clock. */
export interface RunIo {
  progress: ProgressSink;
  now?: () => number;
}

/** Send the plans' files (`concurrency` at a time) and return every file's outcome in plan order. */
export async function sendPlans(plans: readonly FilePlan[], options: Pick<ImportOptions, 'url' | 'key' | 'concurrency'>, io: RunIo): Promise<FileOutcome[]> {
  const outcomes: Array<FileOutcome | undefined> = plans.map(notSentOutcome);
  const queue = plans.flatMap((p, i) => (p.action === 'send' ? [{ plan: p, i }] : []));
  const progress = new ImportProgress(io.progress, queue.length, queue.reduce((n, q) => n + q.plan.file.size, 0), io.now);
  const target: Target = { url: options.url, key: options.key };
  let keyRefused = false;
  let next = 0;
  const sendOne = async (plan: SendPlan): Promise<FileOutcome> => {
    if (keyRefused) return { status: 'failed', file: plan.file.display, format: plan.format, reason: 'not sent: the gateway refused the key (HTTP 401)' };
    const { outcome, httpStatus } = await importFile(plan, target, {
      onBytes: (n) => progress.sent(plan.file.path, n),
      onRetry: (attempt, waitMs, status) => {
        progress.restarted(plan.file.path);
        progress.note(`${plan.file.display}: HTTP ${status}, retry ${attempt} in ${Math.ceil(waitMs / 1000)} s`);
      },
    });
    if (httpStatus === 401 && !keyRefused) {
      keyRefused = true;
      progress.note('the gateway refused the key (HTTP 401): the remaining files are not sent');
    }
    return outcome;
  };
  const lane = async () => {
    for (let q = queue[next++]; q; q = queue[next++]) {
      outcomes[q.i] = await sendOne(q.plan);
      progress.finished(q.plan.file.path, q.plan.file.size, outcomes[q.i]!);
    }
  };
  progress.start();
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(1, queue.length)) }, lane));
  } finally {
    progress.stop();
  }
  return outcomes.map((o) => o!);
}

/** A whole run: plan, check the gateway, send, sum up. Throws MissingPathError for a path that is not there. */
export async function runImport(options: ImportOptions, io: RunIo): Promise<ImportSummary | { unreachable: string }> {
  const plans = await planImport(options);
  if (plans.some((p) => p.action === 'send')) {
    const unreachable = await checkGateway(options.url);
    if (unreachable) return { unreachable };
  }
  return buildSummary(await sendPlans(plans, options, io));
}

import { CircuitOpenError } from '../resilience/circuit-breaker.js';
import { EhrError } from './ehr-port.js';

/** Longest text of an EHR's answer (or an error message) that reaches a log line. */
const LOG_TEXT_MAX = 200;
/** Issues of one OperationOutcome kept in a log line. */
const LOG_ISSUES_MAX = 10;

/** Worth retrying later (EHR down, breaker open, 5xx/408/429, database error); false for an EHR 4xx about the content. */
export function isTransient(err: unknown): boolean {
  return err instanceof CircuitOpenError || !(err instanceof EhrError) || err.retryable;
}

/**
 * Text fit for a log line: every run of 9 or more digits masked (a CCCD has 12, a CMND 9, a BHYT
 * card ends in 10; an EHR's diagnostics may echo them), then cut to 200 characters.
 */
export function logText(text: string, max = LOG_TEXT_MAX): string {
  const masked = text.replace(/\d{9,}/g, (run) => '#'.repeat(run.length));
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}

/** The EHR's answer as logged: HTTP status (0: no answer) and each issue's severity, code, expression, diagnostics. */
export interface EhrAnswerLog {
  status: number;
  issues: Array<{ severity?: string; code?: string; expression?: string[]; diagnostics?: string }>;
}

/**
 * An EHR failure reduced for the log: the HTTP status and the OperationOutcome's issues
 * (http://hl7.org/fhir/R4/operationoutcome.html) with `logText` applied; never the Bundle, the
 * resources or anything else the EHR sent. Undefined for errors that are not EHR answers.
 */
export function ehrAnswerForLog(err: unknown): EhrAnswerLog | undefined {
  if (!(err instanceof EhrError)) return undefined;
  const issues = Array.isArray(err.outcome?.issue) ? err.outcome.issue.slice(0, LOG_ISSUES_MAX) : [];
  const text = (v: unknown) => (typeof v === 'string' ? logText(v) : undefined);
  return {
    status: err.status,
    issues: issues.map((i) => {
      const expression = Array.isArray(i.expression) ? i.expression.slice(0, 5).map(text).filter((e): e is string => !!e) : [];
      const [severity, code, diagnostics] = [text(i.severity), text(i.code), text(i.diagnostics)];
      return { ...(severity ? { severity } : {}), ...(code ? { code } : {}), ...(expression.length ? { expression } : {}), ...(diagnostics ? { diagnostics } : {}) };
    }),
  };
}

/** What is stored on a record the EHR refused or that gave up: the EHR's OperationOutcome, or one made of the error. */
export function describeFailure(err: unknown): unknown {
  if (err instanceof EhrError) return err.outcome ?? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: err.message }] };
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: (err as Error).message }] };
}

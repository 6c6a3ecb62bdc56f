/**
 * Figures of an identity-benchmark run: the result record (also the JSON line), a readable table,
 * and one "TARGET MISSED" line per target missed. A phase that could not run leaves its figures
 * null and names its error.
 */
import type { Evaluation } from './evaluate.js';
import type { IdentityBenchOptions } from './options.js';
import { SEED_CATEGORIES } from './rates.js';
import type { VerificationThroughput } from './throughput.js';

/** Targets of the identity issue. */
export const IDENTITY_TARGETS = { wrongAutoLinks: 0, correctShare: 0.995, verificationMsPerRecord: 0.2 } as const;

/** Everything one run measured. */
export interface IdentityBenchResults {
  bench: 'identity';
  options: IdentityBenchOptions;
  province: { people: number; records: number; registryRows: number; generateSeconds: number };
  registryImport: { rows: number; inserted: number; updated: number; skipped: number; seconds: number; rowsPerSecond: number } | null;
  verification: VerificationThroughput | null;
  ingest: { requests: number; retriedRequests: number; failedRequests: number; postSeconds: number; settleSeconds: number; pendingAtEnd: number } | null;
  quality: Evaluation | null;
  wallSeconds: number;
  errors: Array<{ phase: string; message: string }>;
}

const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)} %`;
const fmt = (n: number) => n.toLocaleString('en-US');
const round = (n: number, d = 3) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : n);

/** The "TARGET MISSED" lines (empty when every measured target is met). */
export function missedTargets(r: IdentityBenchResults): string[] {
  const out: string[] = [];
  const q = r.quality;
  if (q && q.wrongAutoLinks > IDENTITY_TARGETS.wrongAutoLinks) out.push(`TARGET MISSED: ${fmt(q.wrongAutoLinks)} wrong automatic links (target ${IDENTITY_TARGETS.wrongAutoLinks})`);
  if (q && q.correctShare < IDENTITY_TARGETS.correctShare) out.push(`TARGET MISSED: ${pct(q.correctShare)} correctly linked or correctly held (target ≥ ${pct(IDENTITY_TARGETS.correctShare, 1)})`);
  const v = r.verification;
  if (v && !(v.msPerRecord < IDENTITY_TARGETS.verificationMsPerRecord)) out.push(`TARGET MISSED: verification ${round(v.msPerRecord, 4)} ms/record (target < ${IDENTITY_TARGETS.verificationMsPerRecord})`);
  if (!q) out.push('TARGET MISSED: no quality figures (the end-to-end phase did not run)');
  if (!v) out.push('TARGET MISSED: no verification figure (the throughput phase did not run)');
  return out;
}

function qualityLines(q: Evaluation): Array<[string, string]> {
  const lines: Array<[string, string]> = [
    ['auto links', `${fmt(q.autoLinks)}: precision ${pct(q.precision, 3)}, recall ${pct(q.recall)}; wrong ${fmt(q.wrongAutoLinks)} (target 0)`],
    ['held (review)', `${pct(q.heldShare)}; rejected ${pct(q.rejectedShare)}; people split over Patients ${fmt(q.splitPersons)}`],
    ['correct', `${pct(q.correctShare)} linked to the right person or correctly held/rejected (${fmt(q.correct)} of ${fmt(q.records)}; target ≥ ${pct(IDENTITY_TARGETS.correctShare, 1)})`],
  ];
  for (const c of SEED_CATEGORIES) {
    const { injected, caught } = q.caughtByCategory[c];
    lines.push([`  ${c}`, injected ? `${pct(caught / injected, 1)} handled correctly (${fmt(caught)} of ${fmt(injected)})` : 'none injected']);
  }
  for (const [expect, row] of Object.entries(q.confusion)) {
    const cells = Object.entries(row).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
    if (cells) lines.push([`  expected ${expect}`, cells]);
  }
  return lines;
}

/** The readable table. */
export function formatIdentityResults(r: IdentityBenchResults): string {
  const p = r.province;
  const lines: Array<[string, string]> = [
    ['province', `${fmt(p.people)} people, ${fmt(p.records)} records, registry ${fmt(p.registryRows)} rows (seed ${r.options.seed}; generated in ${round(p.generateSeconds, 1)} s)`],
  ];
  const imp = r.registryImport;
  if (imp) lines.push(['registry import', `${fmt(imp.rows)} rows in ${round(imp.seconds, 1)} s (${fmt(Math.round(imp.rowsPerSecond))} rows/s; inserted ${fmt(imp.inserted)}, updated ${fmt(imp.updated)}, skipped ${fmt(imp.skipped)})`]);
  const v = r.verification;
  if (v) {
    lines.push(['verification', `${round(v.msPerRecord, 4)} ms/record over ${fmt(v.queries)} queries in batches of ${v.batch} (target < ${IDENTITY_TARGETS.verificationMsPerRecord})`]);
    lines.push(['  empty table', `${round(v.baselineMsPerRecord, 4)} ms/record; ratio ${round(v.ratio, 2)} (${Object.entries(v.outcomes).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')})`]);
  }
  const i = r.ingest;
  if (i) lines.push(['ingest', `${fmt(i.requests)} requests (${i.retriedRequests} retries after a 5xx/429, ${i.failedRequests} failed) in ${round(i.postSeconds, 1)} s; settled ${round(i.settleSeconds, 1)} s later${i.pendingAtEnd ? `, ${fmt(i.pendingAtEnd)} STILL PENDING` : ''}`]);
  if (r.quality) lines.push(...qualityLines(r.quality));
  lines.push(['wall time', `${round(r.wallSeconds, 1)} s`]);
  for (const e of r.errors) lines.push([`error (${e.phase})`, e.message]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return ['== identity benchmark ==', ...lines.map(([k, val]) => `${k.padEnd(width)}  ${val}`)].join('\n');
}

/** The one-line JSON form. */
export function identityResultsJsonLine(r: IdentityBenchResults): string {
  return JSON.stringify(r);
}

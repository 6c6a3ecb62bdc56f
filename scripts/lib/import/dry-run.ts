/**
 * `--dry-run`: what the import would do with each file (route, content type, encoding, size, the
 * facility its start names), without sending anything. Pure.
 */
import type { FilePlan } from './plan.js';
import { alignColumns, grouped } from './summary.js';

/** One file of a dry run, as `--json` prints it. */
export interface PlannedFileView {
  file: string;
  action: 'send' | 'skip' | 'error';
  bytes: number;
  format?: string;
  request?: string;
  contentType?: string;
  contentEncoding?: 'gzip';
  facility?: string;
  reason?: string;
}

/** A plan as a plain object. */
export function planView(plan: FilePlan): PlannedFileView {
  const base = { file: plan.file.display, action: plan.action, bytes: plan.file.size };
  if (plan.action !== 'send') return { ...base, ...(plan.format ? { format: plan.format } : {}), reason: plan.reason };
  return {
    ...base, format: plan.format, request: `POST ${plan.route}`, contentType: plan.contentType,
    ...(plan.gzip ? { contentEncoding: 'gzip' as const } : {}), ...(plan.facilityHint ? { facility: plan.facilityHint } : {}),
  };
}

/** `12345` bytes → `12.1 KiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

function planRow(v: PlannedFileView): string[] {
  if (v.action !== 'send') return [v.action === 'skip' ? 'skip' : 'error', v.file, formatBytes(v.bytes), v.reason ?? ''];
  const detail = [v.contentType, v.contentEncoding ? `gzip` : '', v.facility ? `facility ${v.facility}` : ''].filter(Boolean).join(', ');
  return ['send', v.file, formatBytes(v.bytes), `${v.request} (${detail})`];
}

/** The dry run as `--json` prints it. */
export function plansJson(plans: readonly FilePlan[]): { dryRun: true; files: PlannedFileView[] } {
  return { dryRun: true, files: plans.map(planView) };
}

/** The dry run as text: one aligned line per file and what would be sent. */
export function renderPlans(plans: readonly FilePlan[]): string {
  const views = plans.map(planView);
  if (!views.length) return 'no files found\n';
  const sending = views.filter((v) => v.action === 'send');
  const bytes = sending.reduce((n, v) => n + v.bytes, 0);
  const lines = alignColumns(views.map(planRow), [false, false, true, false]);
  return `${lines.join('\n')}\n\nwould send ${sending.length} of ${views.length} file(s), ${formatBytes(bytes)} (${grouped(bytes)} bytes); nothing was sent\n`;
}

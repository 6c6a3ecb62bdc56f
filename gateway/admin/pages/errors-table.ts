import type { ErrorItem } from '../../services/errors.service.js';
import { h, type SafeHtml } from '../html.js';
import type { ViewContext } from '../layout.js';
import { maskId, maskIdsInText, maskName } from '../mask.js';
import { vnTime } from './parts.js';

/** What a record's problem says: the linkage error of a failed record, else its issues. */
function messageOf(i: ErrorItem): string {
  return maskIdsInText(i.status === 'failed' ? i.lastError ?? '' : i.issues.map((x) => `${x.field}: ${x.message}`).join('; '));
}

/** The patient as the dashboard may show it: initials, birth year, masked CCCD. */
function patientOf(i: ErrorItem): string {
  if (!i.patient) return '';
  return [maskName(i.patient.name), i.patient.birthDate?.slice(0, 4) ?? '', maskId(i.patient.SO_CCCD)].filter(Boolean).join(' · ');
}

/** A table of records needing attention (personal data masked). */
export function errorsTable(ctx: ViewContext, items: readonly ErrorItem[], withFacility = true): SafeHtml {
  if (items.length === 0) return h`<p class="muted">${ctx.t.noErrors}</p>`;
  const rows = items.map((i) => h`<tr data-status="${i.status}"><td>${vnTime(i.receivedAt)}</td>${withFacility ? h`<td><a href="/admin/facilities/${i.facility}">${i.facility}</a></td>` : ''}<td>${maskIdsInText(i.recordKey)}</td><td>${ctx.t[i.status]}</td><td>${i.category ?? ''}</td><td>${messageOf(i)}</td><td>${patientOf(i)}</td></tr>`);
  return h`<table class="data errors"><thead><tr><th>${ctx.t.receivedAt}</th>${withFacility ? h`<th>${ctx.t.facility}</th>` : ''}<th>${ctx.t.recordKey}</th><th>${ctx.t.status}</th><th>${ctx.t.category}</th><th>${ctx.t.message}</th><th>${ctx.t.patient}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

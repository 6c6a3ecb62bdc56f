/** The reports the gateway builds (GET /api/reports), by name. See docs/reports.md. */
import { bang2 } from './bang-2.js';
import { bang3 } from './bang-3.js';
import type { ReportDefinition } from './definition.js';
import { hssk2733 } from './hssk-2733.js';
import { phuLuc01 } from './phu-luc-01.js';

/** Every report, in the order the listing shows them. */
export const REPORTS: readonly ReportDefinition[] = [bang2, bang3, phuLuc01, hssk2733];

/** The report called `name`, if any. */
export function reportByName(name: string): ReportDefinition | undefined {
  return REPORTS.find((r) => r.name === name);
}

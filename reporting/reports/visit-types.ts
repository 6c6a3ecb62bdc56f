/**
 * The six visit types of the QĐ 2733/QĐ-BYT Đ8 six-monthly table, from MA_LOAI_KCB codes: a data
 * file with its legal source and validity (reporting/data/visit-types-2733.json), the gateway's
 * reading of the decision.
 */
import table from '../data/visit-types-2733.json' with { type: 'json' };

/** One of the six types: its number, Vietnamese name and the MA_LOAI_KCB codes it gathers. */
export interface VisitTypeGroup {
  group: number;
  name: string;
  codes: readonly string[];
  /** The group that takes codes outside every list (and visits without a code). */
  otherwise?: boolean;
}

/** One version of the grouping, in force over [validFrom, validTo] (inclusive; null = open). */
export interface VisitTypeGrouping {
  validFrom: string;
  validTo: string | null;
  source: string;
  note?: string;
  groups: readonly VisitTypeGroup[];
}

/** Every version, in date order. */
export const VISIT_TYPE_GROUPINGS: readonly VisitTypeGrouping[] = table.versions;

/** The first day the table exists (QĐ 2733/QĐ-BYT, 17/09/2024). */
export const FIRST_DAY_2733 = VISIT_TYPE_GROUPINGS[0]!.validFrom;

/** The grouping in force on `day`, or undefined before QĐ 2733. */
export function groupingOn(day: string): VisitTypeGrouping | undefined {
  return VISIT_TYPE_GROUPINGS.find((v) => v.validFrom <= day && (v.validTo === null || day <= v.validTo));
}

/**
 * The group of a MA_LOAI_KCB code under `grouping`; QĐ 4210's one-digit codes are padded (`3` → `03`);
 * an unknown or missing code goes to the `otherwise` group and `known` is false.
 */
export function visitTypeGroup(grouping: VisitTypeGrouping, code: string | null | undefined): { group: VisitTypeGroup; known: boolean } {
  const c = code && /^\d$/.test(code) ? `0${code}` : code ?? '';
  const hit = grouping.groups.find((g) => g.codes.includes(c));
  if (hit) return { group: hit, known: true };
  return { group: grouping.groups.find((g) => g.otherwise) ?? grouping.groups[grouping.groups.length - 1]!, known: false };
}

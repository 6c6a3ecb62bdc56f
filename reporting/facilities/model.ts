/**
 * The facility register and administrative units as the reports see them (docs/facilities.md):
 * shared types and the dates of the 2025 reform.
 */

/** A level of the administrative units (GSO codes: province 2 digits, district 3, commune 5). */
export type AreaLevel = 'province' | 'district' | 'commune';
export const AREA_LEVELS: readonly AreaLevel[] = ['province', 'district', 'commune'];

/** The code of each level (QĐ 124/2004/QĐ-TTg; QĐ 19/2025/QĐ-TTg keeps 2-digit provinces and 5-digit communes). */
export const UNIT_CODE: Readonly<Record<AreaLevel, RegExp>> = { province: /^\d{2}$/, district: /^\d{3}$/, commune: /^\d{5}$/ };

/** MA_CSKCB: five letters or digits (the schema's check). */
export const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;

/** The last day of the three-level units (districts abolished from 1 July 2025, NQ 202/2025/QH15). */
export const LAST_OLD_DAY = '2025-06-30';
/** The first day of the two-level units of QĐ 19/2025/QĐ-TTg (34 provinces, communes, no district). */
export const FIRST_NEW_DAY = '2025-07-01';
/**
 * The first day of the pre-reform list as shipped: the 63 provinces exist from 1 August 2008
 * (Hà Tây merged into Hà Nội, NQ 15/2008/QH12). Area rows built from the old units start here.
 */
export const OLD_LIST_FROM = '2008-08-01';

/** One administrative unit over its validity period (a row of `admin_units`). */
export interface AdminUnit {
  level: AreaLevel;
  code: string;
  name: string;
  /** The province (of a district or a new commune) or the district (of an old commune). */
  parent: string | null;
  validFrom: string;
  /** Inclusive; null while still valid. */
  validTo: string | null;
  source: string | null;
}

/** Where a facility is over a period (a row of `facility_areas`): old units before the reform, new ones after. */
export interface FacilityArea {
  validFrom: string;
  validTo: string | null;
  province: string;
  district: string | null;
  commune: string | null;
}

/** Public or private (công lập / tư nhân). */
export type Ownership = 'public' | 'private';

/** A register entry as it is written. */
export interface FacilityInput {
  code: string;
  name: string;
  level: string | null;
  ownership: Ownership | null;
  areas: FacilityArea[];
}

/** A code change: records sent under `oldCode` count under `newCode` (NĐ 188/2025 mergers). */
export interface SuccessionInput {
  oldCode: string;
  newCode: string;
  effective: string;
  basis: string | null;
}

/** Something wrong (`error`: not stored) or worth knowing (`warning`: stored) about an input field. */
export interface Problem {
  field: string;
  message: string;
  severity: 'error' | 'warning';
}

/** A problem of an imported file, by data row (1-based, the header not counted), physical line and column. */
export interface RowProblem extends Problem {
  row: number;
  line: number;
}

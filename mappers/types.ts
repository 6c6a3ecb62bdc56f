import type { FhirResource } from 'fhir/r4.js';

/**
 * Why a record was rejected (held for correction) instead of linked. The CCCD categories follow
 * the grouping of the Quảng Ngãi report (no ID / wrong format / verification mismatch).
 */
export type IssueCategory =
  | 'CCCD_MISSING'
  | 'CCCD_FORMAT'
  | 'CCCD_PROVINCE_UNKNOWN'
  | 'CCCD_DOB_MISMATCH'
  | 'CCCD_GENDER_MISMATCH'
  | 'SCHEMA'
  | 'DATE_ORDER'
  | 'FACILITY_MISMATCH';

/** All categories, in the order reports list them. */
export const ISSUE_CATEGORIES: readonly IssueCategory[] = [
  'CCCD_MISSING',
  'CCCD_FORMAT',
  'CCCD_PROVINCE_UNKNOWN',
  'CCCD_DOB_MISMATCH',
  'CCCD_GENDER_MISMATCH',
  'SCHEMA',
  'DATE_ORDER',
  'FACILITY_MISMATCH',
];

/** One problem found in one record, naming the source field (e.g. `XML1.SO_CCCD`). */
export interface RecordIssue {
  category: IssueCategory;
  field: string;
  message: string;
}

/** Identifier systems used in produced resources; configurable per deployment (VN Core drafts differ). */
export interface IdentifierSystems {
  cccd: string;
  bhyt: string;
  maLk: string;
  /** Facility (MA_CSKCB) codes. */
  facility: string;
  /** Base for per-facility patient numbers (MA_BN): `${maBnBase}/${MA_CSKCB}`. */
  maBnBase: string;
  /** Base URL for the project's own extensions and code systems. */
  extensionBase: string;
}

/** Inputs a mapper needs besides the record: never the clock, never I/O. */
export interface MapContext {
  systems: IdentifierSystems;
  /** Facility code from the envelope (`THONGTINDONVI/MACSKCB`), the fallback for XML1.MA_CSKCB. */
  envelopeFacility: string;
}

/** The outcome of mapping one episode: resources to link, or the issues that block it. */
export interface EpisodeMapping {
  /** Episode key within the facility (MA_LK). */
  key: string;
  facility: string;
  /** Resources to link when `issues` is empty; ids are deterministic. */
  resources: FhirResource[];
  issues: RecordIssue[];
  /** Source fields that were present but not mapped, for review (FHIR-Converter's "unused segments"). */
  unmapped: string[];
}

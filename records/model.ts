/**
 * The record model, defined once: statuses, rejection categories and how the provincial reports
 * group them. Everything else (SQL, statistics, API views, mappers) reads these tables; adding a
 * status or a category is a change here only (the database learns statuses from RECORD_STATUSES
 * at migration time, see records.repo.ts `syncRecordStatuses`).
 */

/** Where a record stands. Each record is in exactly one status, so the statistics add up. */
export const RECORD_STATUSES = {
  /** Accepted and waiting for linkage (counted as pending). */
  accepted: { counts: 'pending', open: true },
  linked: { counts: 'linked', open: false },
  /** Held for correction by the facility: never linked, carries a category. */
  rejected: { counts: 'rejected', open: false },
  /** Linkage gave up after its retries: a dead letter an administrator re-runs. */
  failed: { counts: 'failed', open: true },
  /**
   * In the review queue: the identity stage found candidate patients but none surely enough, or two
   * sources disagree on the person (GET /api/review); an administrator accepts, rejects or corrects it.
   */
  held: { counts: 'held', open: true },
  /** Waiting for the population registry, which was unavailable: re-checked later, then accepted or rejected (counted as pending). */
  unverified: { counts: 'pending', open: true },
} as const;

export type RecordStatus = keyof typeof RECORD_STATUSES;
/** The columns of the statistics: `received = linked + rejected + held + failed + pending`. */
export type StatusCount = (typeof RECORD_STATUSES)[RecordStatus]['counts'];
export const STATUS_COUNTS: readonly StatusCount[] = ['linked', 'rejected', 'held', 'failed', 'pending'];

/** The Quảng Ngãi report's three error classes (Đề án 06 "làm sạch"), plus everything else. */
export type ReportGroup = 'no-id' | 'malformed-id' | 'verification-mismatch' | 'other';
export const REPORT_GROUPS: Readonly<Record<ReportGroup, string>> = {
  'no-id': 'Không có CCCD/số định danh',
  'malformed-id': 'CCCD/số định danh sai định dạng',
  'verification-mismatch': 'Sai lệch thông tin xác thực',
  other: 'Lỗi khác',
};

/**
 * Rejection categories in priority order: a record's category is its first issue after sorting
 * by this order. `LINK_FAILED` is the category statistics give to failed records.
 */
export const ISSUE_CATEGORY_TABLE = {
  FACILITY_MISMATCH: { group: 'other', meaning: 'a facility key sent another facility\'s record' },
  SCHEMA: { group: 'other', meaning: 'a required field is missing or invalid, or a produced resource fails the FHIR R4 schema' },
  CCCD_MISSING: { group: 'no-id', meaning: 'no citizen ID' },
  CCCD_FORMAT: { group: 'malformed-id', meaning: 'the citizen ID is not 12 digits' },
  CCCD_PROVINCE_UNKNOWN: { group: 'malformed-id', meaning: 'the first 3 digits are not a birth-registration province' },
  CCCD_DOB_MISMATCH: { group: 'verification-mismatch', meaning: 'the ID encodes another birth year, or an infant is filed under the mother\'s ID' },
  CCCD_GENDER_MISMATCH: { group: 'verification-mismatch', meaning: 'the ID encodes another gender' },
  VERIFICATION_MISMATCH: { group: 'verification-mismatch', meaning: 'the population registry holds other details for this CCCD (name, birth date, gender or province)' },
  REGISTRY_NOT_FOUND: { group: 'verification-mismatch', meaning: 'the population registry has no citizen with this CCCD' },
  SOURCE_CONFLICT: { group: 'verification-mismatch', meaning: 'another source gave this CCCD a different birth date or sex: held for review, neither overwrites the other' },
  IDENTITY_REVIEW: { group: 'no-id', meaning: 'no valid CCCD; candidate patients were found but none surely enough: held for review' },
  DATE_ORDER: { group: 'other', meaning: 'dates out of order (discharge before admission, born after admission)' },
  LINK_FAILED: { group: 'other', meaning: 'the EHR refused the record or stayed unreachable after every retry' },
} as const satisfies Record<string, { group: ReportGroup; meaning: string }>;

export type IssueCategory = Exclude<keyof typeof ISSUE_CATEGORY_TABLE, 'LINK_FAILED'>;
/** Every category a record can be counted under, in report order. */
export type ReportCategory = keyof typeof ISSUE_CATEGORY_TABLE;
export const ISSUE_CATEGORIES = Object.keys(ISSUE_CATEGORY_TABLE).filter((c) => c !== 'LINK_FAILED') as IssueCategory[];

/** One problem found in one record, naming the source field (e.g. `XML1.SO_CCCD`). */
export interface RecordIssue {
  category: IssueCategory;
  field: string;
  message: string;
}

/** Sort issues so the first is the record's category (stable: same-category issues keep their order). */
export function sortIssues(issues: RecordIssue[]): RecordIssue[] {
  return issues.sort((a, b) => ISSUE_CATEGORIES.indexOf(a.category) - ISSUE_CATEGORIES.indexOf(b.category));
}

/** The report group of a category. */
export function reportGroupOf(category: ReportCategory): ReportGroup {
  return Object.hasOwn(ISSUE_CATEGORY_TABLE, category) ? ISSUE_CATEGORY_TABLE[category].group : 'other';
}

/**
 * What a record is about, for the statistics that count encounters and vaccinations apart (Huế report
 * Bảng 2 and Bảng 3): an encounter (KCB episode), vaccine doses, or only a person.
 */
export const RECORD_KINDS = ['encounter', 'immunization', 'person'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * Warnings: the record is accepted and linked, but something is counted for review. Defined once,
 * like the categories; a warning never rejects.
 */
export const WARNING_TABLE = {
  UNKNOWN_VACCINE: { meaning: 'the dose names a vaccine the national code table does not know: linked with the codes as sent, no CVX' },
  INFANT_UNDER_MOTHER_ID: { meaning: 'an infant registered under the mother\'s CCCD: linked to the infant\'s own Patient (temporary number) and to the mother' },
  AWAITING_VERIFICATION: { meaning: 'stored while the population registry was unavailable: verified and linked once it answers (answers only, never counted)' },
  MATCHED_WITHOUT_CCCD: { meaning: 'no valid CCCD: linked to a known patient by BHYT/BHXH, CMND, patient number or a match score above the auto-link threshold' },
} as const satisfies Record<string, { meaning: string }>;
export type WarningCode = keyof typeof WARNING_TABLE;

/** One warning on one record, naming the source field. */
export interface RecordWarning {
  code: WarningCode;
  field: string;
  message: string;
}

/** A record as it is stored at ingest, whatever its format: accepted (with resources) or rejected (with issues). */
export interface IngestedRecord {
  /** 1-based position in the submission. */
  seq: number;
  facility: string;
  key: string;
  status: 'accepted' | 'rejected' | 'held' | 'unverified';
  category: IssueCategory | null;
  issues: RecordIssue[];
  /** Counted, never rejecting (an unknown vaccine code). */
  warnings: RecordWarning[];
  kind: RecordKind;
  /** Vaccine doses the record carries (given or not); 0 for an encounter. */
  doses: number;
  unmapped: string[];
  /** The source content as parsed (tables, segments, row), kept for review and re-mapping. */
  payload: unknown;
  /** The mapped facts, kept (sealed with the payload) when the record may be corrected and re-run: held, unverified or rejected. */
  facts?: unknown;
  /** The person (Patient id) the identity stage decided; null when it could not. */
  personId?: string | null;
  /** The person's area of residence (GSO codes as sent), for lists and statistics per area. */
  area?: { province?: string; district?: string; commune?: string };
  /** The date of service, `YYYY-MM-DD` (encounter start or first dose), for statistics by date of service. */
  serviceDate?: string;
  /** The visit type (MA_LOAI_KCB) of an encounter, for the QĐ 2733 six-monthly table. */
  visitType?: string;
  /** A BHYT card was presented. */
  insured?: boolean;
  /** Held records: the candidates and the reason, for the review queue. */
  review?: unknown;
  /** Accepted records: what the person index learns from it, applied by the linkage worker. */
  learn?: unknown;
  /** Other people the record describes (births), kept for the identity stage to create later. */
  related: unknown;
  /** The R4 resources to link; null when rejected. */
  resources: unknown[] | null;
}

/** The answer for one record, in ingest responses and submission views. */
export interface RecordOutcome {
  key: string;
  status: RecordStatus;
  issues: RecordIssue[];
  /** Present when the record was accepted with warnings (an unknown vaccine code). */
  warnings?: RecordWarning[];
  /** Where the record was in the submission (CSV: data row and physical line); ingest answers only. */
  position?: { row: number; line: number };
}

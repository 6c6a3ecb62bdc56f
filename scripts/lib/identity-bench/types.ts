/**
 * The model of the identity benchmark: people of the synthetic province, the rows the gateway
 * receives, and the ground truth of each row (who it really is, which errors were injected, what a
 * correct gateway does with it).
 */

/** One person of the synthetic province. */
export interface Person {
  /** The benchmark's own id (`P0000001`): the truth a Patient is judged against. */
  id: string;
  /** Full name as the person writes it (NFC, family name first). */
  name: string;
  gender: 'male' | 'female';
  /** `yyyy-mm-dd`. */
  birthDate: string;
  /** GSO 5-digit commune of residence. */
  commune: string;
  household: number;
  /** Current 12-digit personal ID number; absent for an infant whose birth is not registered yet and for foreigners. */
  cccd?: string;
  /** Numbers cancelled and re-issued (NĐ 70/2024), oldest first. */
  previousCccd?: string[];
  /** 15-character BHYT card number (the last 10 digits are the BHXH number). */
  bhyt?: string;
  /** Old 9-digit CMND, still on file at some facilities. */
  cmnd?: string;
  /** Foreigners only. */
  passport?: string;
  /** `000` for Vietnamese citizens, else an ISO 3166 alpha-3 code. */
  nationality: string;
  /** The mother's id when she lives in the household. */
  motherId?: string;
  /** Younger than 6 months on the reference date. */
  infant: boolean;
}

/** The whole synthetic province. */
export interface Province {
  seed: number;
  /** The day the extract and the feed are "as of" (`yyyy-mm-dd`). */
  referenceDate: string;
  people: Person[];
  byId: Map<string, Person>;
}

/** Errors and quirks a feed row may carry (docs/identity-benchmark.md has the table). */
export type ErrorKind =
  | 'missing-cccd'
  | 'malformed-cccd'
  | 'wrong-century'
  | 'typed-name'
  | 'lost-diacritics'
  | 'dob-swap'
  | 'wrong-gender'
  | 'infant-under-mother'
  | 'cmnd-only'
  | 'bhyt-only'
  | 'reissued-cccd'
  | 'duplicate'
  | 'not-in-registry';

/** What the gateway should do with a row. */
export type Expectation = 'link' | 'hold' | 'reject';

/** The ground truth of one feed row. */
export interface TruthRow {
  /** Unique per row; the driver maps it to the record key the gateway answered. */
  rowKey: string;
  truePersonId: string;
  injected: ErrorKind[];
  /** The outcome a correct gateway gives. */
  expect: Expectation;
  /** Every outcome that counts as correct (always includes `expect`); a `link` must also be to the right person. */
  acceptable: Expectation[];
  /** A duplicate: the row it repeats (correct only when linked to the same Patient). */
  duplicateOf?: string;
  /** How the error was made (`malformed-cccd:scientific`, `bhyt-only:known`, …), for reading failures. */
  detail?: string;
}

/** One row of the immunization CSV, with where and when it is sent. */
export interface FeedRow {
  rowKey: string;
  facility: string;
  /** Rows are posted round by round (month of the dose; duplicates last), each round after the previous one is answered. */
  round: number;
  /** Cells by default column name (docs/formats/csv.md). */
  cells: Record<string, string>;
}

/** The feed: CSV rows and their truth, in posting order. */
export interface Feed {
  rows: FeedRow[];
  truth: TruthRow[];
  rounds: number;
}

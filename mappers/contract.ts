import type { RecordIssue, RecordKind, RecordOutcome } from '../records/model.js';
import type { Icd10Code } from './shared/icd10.js';
import type { HisDate } from './shared/dates.js';

export type { RecordIssue, IssueCategory } from '../records/model.js';

/**
 * The mapper contract. Every input format is a folder under `mappers/` that provides a streaming
 * reader (source bytes → items) and a pure mapping (item → format-neutral facts). One set of FHIR
 * builders (`mappers/fhir/`) turns facts into R4 resources, so the same person sent by two
 * formats becomes the same Patient with the same content hash.
 */

/** A date as a source gave it: FHIR `date` precision and, when a time was sent, a `dateTime`. */
export type FactDate = HisDate;

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

/** Inputs a mapper needs besides the item: never the clock, never I/O. */
export interface MapContext {
  systems: IdentifierSystems;
  /** Facility code of the envelope or connection (QĐ 130 `THONGTINDONVI/MACSKCB`), the fallback for the record's own. */
  envelopeFacility: string;
  /** The submission's options as the format's `parseOptions` returned them (CSV: `kind`); empty for formats without options. */
  options?: FormatOptions;
}

/** Per-submission options a format reads from the request's query (CSV `kind=immunization`), already checked. */
export type FormatOptions = Readonly<Record<string, string>>;

/** Where an item sits in its source, answered with its record (CSV: data row number and the physical line it starts on). */
export interface SourcePosition {
  /** 1-based data row (header and blank lines not counted). */
  row: number;
  /** 1-based physical line of the file the row starts on. */
  line: number;
}

/** The person the record is about, as the source described them. Identity is decided later. */
export interface PersonFacts {
  /** The citizen ID as sent (empty string when absent) and the field it belongs in. */
  cccd: { value: string; field: string };
  /** Insurance cards (BHYT), with their validity (`yyyy-mm-dd` precision as sent). */
  cards: Array<{ value: string; from?: string; to?: string }>;
  /** Where card numbers came from, for issues naming the field. */
  cardField?: string;
  name?: string;
  gender?: 'male' | 'female' | 'unknown';
  birth?: FactDate;
  phone?: string;
  address?: { text?: string; province?: string; district?: string; ward?: string };
  ethnicity?: string;
  occupation?: string;
  nationality?: string;
  /**
   * Identifiers other than the CCCD and the BHYT cards, as sent: the old 9-digit CMND, a passport
   * (foreigners), a CCCD the person held before (cancelled and re-issued). The identity stage looks
   * patients up by them; they never key a Patient on their own except a foreigner's passport.
   */
  otherIds?: Array<{ type: 'cmnd' | 'passport' | 'previous-cccd'; value: string; field: string }>;
  /** The facility's own patient number (MA_BN, HL7 PID-3 `MR`), when the source names the person by it. */
  patientNumber?: string;
  /**
   * The mother or guardian the source names (HL7 PID-21 / NK1, a CSV guardian column): an infant
   * registered under the mother's ID is recognised by it (vn-health-data §1.3, seeds: Huế report).
   */
  guardian?: { cccd?: string; name?: string; relationship: 'mother' | 'father' | 'guardian'; field: string };
}

/** A coded value with its local code system name (under the extension base) and display. */
export interface LocalCode {
  code: string;
  display?: string;
}

/** One encounter (treatment episode), keyed by (facility, key). */
export interface EncounterFacts {
  /** The facility's episode key (QĐ 130 MA_LK). */
  key: string;
  facility: string;
  /** The facility's own patient number (MA_BN). */
  patientNumber?: string;
  /** v3-ActCode class (AMB, IMP, SS, HH, VR) or undefined when the type is unknown. */
  classCode?: string;
  /** VN encounter type (MA_LOAI_KCB) with its display. */
  type?: LocalCode;
  start?: FactDate;
  end?: FactDate;
  inpatientStart?: FactDate;
  lengthDays?: number;
  reasons: string[];
  emergency: boolean;
  departments: string[];
  origin?: string;
  destination?: string;
  /** Discharge disposition: HL7 code plus the local code it came from. */
  disposition?: { code: string; local: LocalCode };
  result?: LocalCode;
}

/** One diagnosis of the encounter, principal first. */
export interface ConditionFacts {
  code: Icd10Code;
  text?: string;
  recorded?: FactDate;
}

/**
 * One vaccine dose, given or not (vn-health-data §6.4). The facility that gave it is the record's
 * facility. Codes are kept as sent; the builder adds the CVX code from the national id when known.
 */
export interface ImmunizationFacts {
  /**
   * The dose's own key at its facility (HL7 ORC-3 filler order number, a CSV `immunization.identifier`);
   * absent: the dose is keyed by patient + vaccine + administration date, so a corrected resend updates it.
   */
  key?: string;
  vaccine: {
    /** CVX (http://hl7.org/fhir/sid/cvx), when the source sends it. */
    cvx?: string;
    /** National vaccine id (NIIS VACXIN_ID). */
    national?: string;
    /** The site's own code and name. */
    local?: LocalCode;
    /** The vaccine's name as sent. */
    text?: string;
  };
  /** Source field of the vaccine code, for issues (e.g. `RXA-5`, `immunization.vaccineCode.national`). */
  vaccineField: string;
  occurrence?: FactDate;
  /** Source field of the administration date. */
  occurrenceField: string;
  status: 'completed' | 'not-done' | 'entered-in-error';
  /** v3-ActReason code for not-done (MEDPREC contraindicated, PATOBJ refused) and/or the reason as text. */
  statusReason?: { code?: string; text?: string };
  lotNumber?: string;
  /** `yyyy-mm-dd` (or coarser) as FHIR `date`. */
  expirationDate?: string;
  doseNumber?: number;
  site?: LocalCode;
  route?: LocalCode;
  /** Programme: TCMR (national EPI), private service, or a campaign. */
  programme?: 'tcmr' | 'service' | 'campaign';
  note?: string;
}

/** A child described by a birth certificate (QĐ 130 XML9) in the mother's delivery episode. */
export interface BirthFacts {
  name?: string;
  birth?: FactDate;
  gender?: 'male' | 'female' | 'unknown';
  weightGrams?: number;
  /** The child's temporary card number (MA_THE_TAM). */
  temporaryCard?: string;
  /** The mother's or guardian's CCCD (SO_CCCD_NND). */
  motherCccd?: string;
}

/** Everything one item of any format says, in format-neutral terms. */
export interface RecordFacts {
  /** Key within the facility (MA_LK, message control id, row key); never empty. */
  key: string;
  facility: string;
  person?: PersonFacts;
  encounter?: EncounterFacts;
  conditions: ConditionFacts[];
  immunizations: ImmunizationFacts[];
  /** Other people the record describes: births (kept now; the identity stage may create them later). */
  births: BirthFacts[];
  /** Problems found by the mapper, naming source fields (identity problems come from the identity stage). */
  issues: RecordIssue[];
  /** Source fields that were present but not mapped, for review. */
  unmapped: string[];
}

/** One mapped item: its facts plus the source content kept with the record (parsed tables, segments, row). */
export interface MappedItem {
  /** 1-based position in the submission. */
  seq: number;
  facts: RecordFacts;
  payload: unknown;
  /** Where the item is in the source, when the format can say more than `seq` (CSV rows). */
  position?: SourcePosition;
  /** What the format's own answer needs about this item (HL7 v2: the MSH fields its ACK echoes); see {@link FormatAnswer}. */
  reply?: unknown;
  /**
   * What the record is about when its facts cannot say (a rejected claim without XML1, a VXU
   * without PID): the statistics still count it as an encounter or a vaccination record.
   */
  kind?: RecordKind;
}

/** What a reader must offer: feed text or bytes as they arrive; items are handed out at once. */
export interface StreamReader {
  write(chunk: string): void;
  end(): void;
  /** Submission-level fields the reader found (e.g. the envelope's facility). */
  readonly header: { facility?: string } & Record<string, unknown>;
}

/** Limits a reader enforces so one submission cannot exhaust memory. */
export interface ReaderLimits {
  maxItems: number;
  /** Longest content field (e.g. one base64 NOIDUNGFILE). */
  maxFieldChars: number;
  /** Longest header field and longest other text node or tag (defaults are the reader's). */
  maxHeaderChars?: number;
  maxTextChars?: number;
}

/** Inputs of an answer besides the outcomes: the clock and a fresh id, both from the route. */
export interface AnswerContext {
  now: Date;
  /** Unique per submission (letters and digits); an answer numbers its own ids from it. */
  idBase: string;
}

/**
 * A format that answers in its own protocol instead of the JSON 202 (HL7 v2: one ACK per message).
 * The route renders it once the submission is committed, so nothing is acknowledged before it is stored.
 */
export interface FormatAnswer {
  /** Content-Type of the answer (e.g. `x-application/hl7-v2+er7`). */
  contentType: string;
  /** HTTP status of a committed submission (HL7 v2 over HTTP: 200). */
  status: number;
  /** Every record's outcome with the `reply` its `mapItem` returned, in submission order. */
  render(records: Array<{ outcome: RecordOutcome; reply: unknown }>, ctx: AnswerContext): string;
  /** The answer to a body that cannot be read at all (a MappingError; sent with 400). */
  renderUnreadable(error: { message: string; location: string }, ctx: AnswerContext): string;
}

/** A format the gateway accepts: the registry lists these. */
export interface FormatMapper<Item = unknown> {
  /** Stored in submissions.format and used in routes (`/ingest/<format>`). */
  format: string;
  /** What this format is, for docs and the CapabilityStatement. */
  description: string;
  /** Content types accepted for it. */
  contentTypes: RegExp;
  /**
   * Check the request's query parameters and return the submission's options (throws MappingError,
   * answered 400, naming the parameter). Absent: the format takes no options and ignores the query.
   */
  parseOptions?(query: Readonly<Record<string, unknown>>): FormatOptions;
  /**
   * Stored profiles a sender names with `?profile=` (CSV column profiles): `check` validates a body an
   * administrator stores (MappingError → 400), `apply` merges a stored, checked body into the options.
   */
  profiles?: { check(body: unknown): unknown; apply(options: FormatOptions, profile: unknown): FormatOptions };
  /** The options a golden case is mapped with, from its file name (formats with `parseOptions`). */
  goldenCaseOptions?(fileName: string): FormatOptions;
  /** A streaming reader that calls `onItem` for every complete item; `options` as `parseOptions` returned them. */
  createReader(onItem: (item: Item) => void, limits: ReaderLimits, options?: FormatOptions): StreamReader;
  /** Pure: item → facts + kept payload. Throws MappingError only when the item cannot be read at all. */
  mapItem(item: Item, ctx: MapContext): MappedItem;
  /** Check the whole submission once the source has ended: item count, header fields (throws MappingError). */
  checkEnd?(header: StreamReader['header'], itemCount: number): void;
  /** Folder of golden cases (relative to the repository root). */
  goldenDir: string;
  /** Answer in the format's own protocol; absent: the JSON 202 of every format. */
  answer?: FormatAnswer;
}

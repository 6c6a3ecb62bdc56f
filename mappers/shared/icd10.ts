/**
 * ICD-10 codes as Vietnamese HIS send them in XML1.MA_BENH_CHINH / MA_BENH_KT (QĐ 130; code list
 * QĐ 4469/QĐ-BYT 2020, TT 06/2026/TT-BYT from 2026-07-01), including the dual classification of
 * WHO ICD-10 Volume 2 §3.1.3: an aetiology code marked with a dagger (`E11.4†`) and a manifestation
 * code marked with an asterisk (`G63.2*`). HIS without the `†` glyph write `+` (`E11.4+`).
 *
 * FHIR representation ("keep what was sent", vn-updates-2026 §1):
 *   - `Condition.code.coding[0]` = `{ system: 'http://hl7.org/fhir/sid/icd-10', code: <bare code> }`;
 *     the mark is not part of an ICD-10 code, so the bare code stays matchable against the code list;
 *   - `coding.display` is left alone (it is the code list's display, never the sent string);
 *   - `Condition.code.extension`: {@link icd10Extension} (the mark as a code) and
 *     {@link icd10SentExtension} (the exact sent text, when it differs from the bare code);
 *   - `Condition.code.text` stays free for the diagnosis text (XML1.CHAN_DOAN_RV on the principal).
 */
import type { Extension } from 'fhir/r4.js';

/** ICD-10 as sent by HIS: letter + 2 digits, optional dot, up to 4 more (`J03`, `J03.9`, `S52.50`). */
export const ICD10_PATTERN = /^[A-Z]\d{2}(\.?[0-9A-Z]{1,4})?$/;

/** WHO ICD-10 Vol. 2 §3.1.3 marks: `dagger` (†, written `+` too) = aetiology, `asterisk` (*) = manifestation. */
export type Icd10Mark = 'dagger' | 'asterisk';

/** One parsed ICD-10 code. */
export interface Icd10Code {
  /** The bare code, e.g. `E11.4` (matches {@link ICD10_PATTERN}). */
  code: string;
  /** The dual-classification mark, when one was sent. */
  mark?: Icd10Mark;
  /** Exactly what was sent, e.g. `E11.4 +`. */
  sent: string;
}

/** Path (under the gateway's extension base) of the extension holding the mark. */
export const ICD10_DUAL_CLASSIFICATION = 'StructureDefinition/icd10-dual-classification';
/** Path (under the gateway's extension base) of the extension holding the code exactly as sent. */
export const ICD10_SENT_CODE = 'StructureDefinition/icd10-sent-code';

const MARKS: Readonly<Record<string, Icd10Mark>> = { '†': 'dagger', '+': 'dagger', '*': 'asterisk' };
/** Code, then at most one mark; whitespace allowed around the code and before the mark, not inside the code. */
const SENT = /^\s*([^\s†+*]+)\s*([†+*])?\s*$/u;

/**
 * Parse one ICD-10 code as sent (one item of a `;`-joined list): `E11.4`, `E11.4†`, `E11.4+`,
 * `G63.2*`, `G63.2 *`. Returns undefined when the bare code does not match {@link ICD10_PATTERN}
 * (case matters: `j03` is refused, as before) or when more than one mark is present.
 */
export function parseIcd10(raw: string): Icd10Code | undefined {
  const m = SENT.exec(raw);
  if (!m || !ICD10_PATTERN.test(m[1]!)) return undefined;
  const mark = m[2] ? MARKS[m[2]] : undefined;
  return mark ? { code: m[1]!, mark, sent: raw } : { code: m[1]!, sent: raw };
}

/**
 * The extension that keeps the dual-classification mark on `Condition.code` (WHO ICD-10 Vol. 2
 * §3.1.3): `[{ url: <base>/StructureDefinition/icd10-dual-classification, valueCode: 'dagger' | 'asterisk' }]`,
 * or `[]` when no mark was sent. `extensionBase` has no trailing slash (e.g. `https://fhir.soyte.gov.vn/gateway`).
 */
export function icd10Extension(extensionBase: string, parsed: Icd10Code): Extension[] {
  if (!parsed.mark) return [];
  return [{ url: `${extensionBase}/${ICD10_DUAL_CLASSIFICATION}`, valueCode: parsed.mark }];
}

/**
 * The extension that keeps the code exactly as sent (`E11.4+`, `G63.2 *`) when it differs from the
 * bare code: `[{ url: <base>/StructureDefinition/icd10-sent-code, valueString: sent }]`, else `[]`.
 */
export function icd10SentExtension(extensionBase: string, parsed: Icd10Code): Extension[] {
  if (parsed.sent === parsed.code) return [];
  return [{ url: `${extensionBase}/${ICD10_SENT_CODE}`, valueString: parsed.sent }];
}

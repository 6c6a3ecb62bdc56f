import type { HisDate } from '../shared/dates.js';

/** HIS wall-clock time in Việt Nam when a DTM carries no offset (vn-health-data §1.4). */
const DEFAULT_OFFSET = '+07:00';
const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * HL7 v2 DTM / TS.1 (`YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]`, HL7 v2.5.1 §2.A.22) → the same
 * {@link HisDate} shape the claim-XML dates give: a year or year-month stays a FHIR `date` of that
 * precision; a time (even `00:00`, which HL7 sends only when it is known) gives a `dateTime` with
 * the sent offset, else `+07:00`. Undefined when it is not a real calendar date and time.
 */
export function parseHl7Dtm(raw: string | undefined): HisDate | undefined {
  if (!raw) return undefined;
  const m = DTM.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, tz] = m;
  const year = Number(y);
  if (year < 1850 || year > 2200) return undefined;
  if (tz && (Number(tz.slice(1, 3)) > 14 || Number(tz.slice(3, 5)) > 59)) return undefined;
  const p2 = (n: number) => String(n).padStart(2, '0');
  if (mo === undefined) return { year, fhirDate: `${year}`, fhirDateTime: `${year}` };
  const month = Number(mo);
  if (month < 1 || month > 12) return undefined;
  if (d === undefined) return { year, month, fhirDate: `${year}-${mo}`, fhirDateTime: `${year}-${mo}` };
  const day = Number(d);
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const fhirDate = `${year}-${mo}-${d}`;
  if (hh === undefined) return { year, month, day, fhirDate, fhirDateTime: fhirDate };
  const hours = Number(hh);
  const minutes = Number(mi ?? 0);
  const seconds = Number(ss ?? 0);
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const offset = tz ? `${tz.slice(0, 3)}:${tz.slice(3, 5)}` : DEFAULT_OFFSET;
  return {
    year, month, day, minutes: hours * 60 + minutes, fhirDate,
    fhirDateTime: `${fhirDate}T${p2(hours)}:${p2(minutes)}:${p2(seconds)}${offset}`,
  };
}

import type { FactDate } from '../contract.js';

/** FHIR R4 `date` (http://hl7.org/fhir/R4/datatypes.html#date): `yyyy`, `yyyy-mm` or `yyyy-mm-dd`. */
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
/**
 * FHIR R4 `dateTime` (http://hl7.org/fhir/R4/datatypes.html#dateTime): a date, or a full date with
 * `Thh:mm:ss[.fff]` and a zone (`Z` or `±hh:mm`), which R4 requires whenever a time is given.
 */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** Years the gateway reads, as for claim XML (mappers/shared/dates.ts): older or later is a typo. */
const MIN_YEAR = 1850;
const MAX_YEAR = 2200;
/** Every format writes times as Việt Nam local time (UTC+7), so one instant is one string. */
const VN_OFFSET_MINUTES = 7 * 60;

const p2 = (n: number) => String(n).padStart(2, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A FHIR `date` as facts, or undefined when it is not one (or not a real calendar day). */
export function parseFhirDate(raw: unknown): FactDate | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = DATE.exec(raw);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const day = m[3] === undefined ? undefined : Number(m[3]);
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysInMonth(year, month!))) return undefined;
  const fhirDate = raw;
  return { year, ...(month ? { month } : {}), ...(day ? { day } : {}), fhirDate, fhirDateTime: fhirDate };
}

/** Minutes east of UTC of a FHIR zone (`Z`, `+07:00`), or undefined past ±14:00. */
function zoneMinutes(zone: string): number | undefined {
  if (zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59 || (hours === 14 && minutes > 0)) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * A FHIR `dateTime` as facts: a date alone keeps its precision; a time is converted to UTC+7
 * (`2026-01-15T01:30:00Z` → `2026-01-15T08:30:00+07:00`), seconds and fractions kept.
 */
export function parseFhirDateTime(raw: unknown): FactDate | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = DATE_TIME.exec(raw);
  if (!m) return parseFhirDate(raw);
  const date = parseFhirDate(m[1]);
  const [hh, mm, ss] = [Number(m[2]), Number(m[3]), Number(m[4])];
  const zone = zoneMinutes(m[6]!);
  if (!date || zone === undefined || hh > 23 || mm > 59 || ss > 60) return undefined;
  const utc = Date.UTC(date.year, date.month! - 1, date.day!, hh, mm, ss) - zone * 60_000;
  const local = new Date(utc + VN_OFFSET_MINUTES * 60_000);
  const [year, month, day] = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
  const fhirDate = `${year}-${p2(month)}-${p2(day)}`;
  const time = `${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())}${m[5] ?? ''}`;
  return {
    year, month, day, minutes: local.getUTCHours() * 60 + local.getUTCMinutes(),
    fhirDate, fhirDateTime: `${fhirDate}T${time}+07:00`,
  };
}

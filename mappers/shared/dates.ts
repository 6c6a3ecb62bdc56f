/**
 * Dates in QĐ 130 / QĐ 4210 XML: `yyyymmddHHMM` (12) for NGAY_SINH, NGAY_VAO, NGAY_RA, NGAY_TTOAN;
 * `yyyymmdd` (8) for card validity and QĐ 4210 NGAY_SINH. HIS times are local (UTC+7).
 * An unknown time is `0000`; unknown day and month are `00` (vn-health-data §1.4).
 */
export interface HisDate {
  year: number;
  /** 1–12, or undefined when the source says `00` (unknown). */
  month?: number;
  day?: number;
  /** Minutes since midnight when the source carries a non-zero time. */
  minutes?: number;
  /** FHIR `date` precision string: `yyyy`, `yyyy-mm` or `yyyy-mm-dd`. */
  fhirDate: string;
  /** FHIR `dateTime` with `+07:00` when a time is known, otherwise equal to `fhirDate`. */
  fhirDateTime: string;
}

const TZ = '+07:00';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parse a HIS date of 8 or 12 digits; returns undefined when it is not a real calendar date. */
export function parseHisDate(raw: string | undefined): HisDate | undefined {
  if (!raw) return undefined;
  const s = raw.trim();
  if (!/^\d{8}(\d{4})?$/.test(s)) return undefined;
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(4, 6));
  const day = Number(s.slice(6, 8));
  if (year < 1850 || year > 2200 || month > 12) return undefined;
  if (month === 0 && day !== 0) return undefined;
  if (month > 0 && day > daysInMonth(year, month)) return undefined;
  const p2 = (n: number) => String(n).padStart(2, '0');
  const fhirDate = month === 0 ? `${year}` : day === 0 ? `${year}-${p2(month)}` : `${year}-${p2(month)}-${p2(day)}`;
  const result: HisDate = { year, fhirDate, fhirDateTime: fhirDate };
  if (month > 0) result.month = month;
  if (day > 0) result.day = day;
  if (s.length === 12) {
    const hh = Number(s.slice(8, 10));
    const mm = Number(s.slice(10, 12));
    if (hh > 23 || mm > 59) return undefined;
    if ((hh > 0 || mm > 0) && day > 0) {
      result.minutes = hh * 60 + mm;
      result.fhirDateTime = `${fhirDate}T${p2(hh)}:${p2(mm)}:00${TZ}`;
    }
  }
  return result;
}

/** Comparable instant (ms since epoch, UTC+7 wall clock) for ordering checks; unknown parts count as the earliest. */
export function hisDateOrderKey(d: HisDate): number {
  return Date.UTC(d.year, (d.month ?? 1) - 1, d.day ?? 1, 0, d.minutes ?? 0);
}

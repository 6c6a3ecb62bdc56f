/** Small text helpers of the register readers: folded keys and calendar days. */

/** Lower case without diacritics (đ → d) or separators: `Mã CSKCB` and `MA_CSKCB` both give `macskcb`. */
export function foldKey(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Lower case without diacritics, spaces kept single: `Công  lập` → `cong lap`. */
export function foldWords(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Whether `day` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** A day written `YYYY-MM-DD`, `DD/MM/YYYY` (as Vietnamese lists write it) or `YYYYMMDD`, as `YYYY-MM-DD`; undefined when not a real day. */
export function parseDay(text: string): string | undefined {
  const t = text.trim();
  let day: string | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) day = `${m[1]}-${m[2]}-${m[3]}`;
  else if ((m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t))) day = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  else if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(t))) day = `${m[1]}-${m[2]}-${m[3]}`;
  return day && isDay(day) ? day : undefined;
}

/** The day before `day` (`YYYY-MM-DD`). */
export function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

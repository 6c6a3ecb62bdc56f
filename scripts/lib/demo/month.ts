/**
 * The demo month (`npm start`, DEMO=1): invented claim-XML episodes and vaccination CSV rows for
 * the demo register's facilities (samples/facilities-demo.csv), over the 30 days before today, with
 * every rejection category of records/model.ts injected at a realistic rate. Pure: builds the
 * bodies, sends nothing. Every person is invented.
 */
import { envelope, makeCccd, makeXml1, rng, xml1Document, type Xml1Fields } from '../qd130-synthetic.js';

/** One body to POST: where, as whom (`facility` key or the admin key), what. */
export interface DemoUpload {
  path: string;
  contentType: string;
  body: string;
  /** The facility whose demo key must send it (FACILITY_MISMATCH needs a facility key); else the admin key. */
  asFacility?: string;
  /** The facility the upload is for (the admin key submits on its behalf). */
  facility: string;
  /** Send only once everything sent before is linked (a conflict needs the other source's person in the index). */
  afterLinkage?: true;
}

/** Facilities of the demo register and how many episodes each sends over the month. */
const CLAIM_FACILITIES: ReadonlyArray<[code: string, episodes: number]> = [
  ['46001', 120], ['46002', 45], ['46003', 30], ['51001', 110], ['51002', 60], ['51003', 15], ['51004', 25],
];
const VACCINATION_SITES: ReadonlyArray<[code: string, doses: number]> = [['46003', 40], ['51001', 50], ['62001', 35]];

/** The faults a demo episode can carry, each giving one category (records/model.ts), with its share. */
const CLAIM_FAULTS: ReadonlyArray<[name: string, share: number, apply: (f: Xml1Fields, r: () => number) => Xml1Fields]> = [
  ['CCCD_MISSING', 0.05, (f) => ({ ...f, SO_CCCD: '', MA_THE_BHYT: `GD4${f.MA_CSKCB!.slice(0, 2)}0000${f.MA_BN!.slice(2, 8)}` })],
  ['CCCD_FORMAT', 0.04, (f) => ({ ...f, SO_CCCD: f.SO_CCCD!.slice(0, 11) })],
  ['CCCD_PROVINCE_UNKNOWN', 0.01, (f) => ({ ...f, SO_CCCD: `099${f.SO_CCCD!.slice(3)}` })],
  ['CCCD_DOB_MISMATCH', 0.03, (f) => ({ ...f, NGAY_SINH: `${Number(f.NGAY_SINH!.slice(0, 4)) + 3}${f.NGAY_SINH!.slice(4)}` })],
  ['CCCD_GENDER_MISMATCH', 0.015, (f) => ({ ...f, GIOI_TINH: f.GIOI_TINH === '1' ? '2' : '1' })],
  ['SCHEMA', 0.02, (f) => ({ ...f, MA_BENH_CHINH: '' })],
  ['DATE_ORDER', 0.015, (f) => ({ ...f, NGAY_RA: `${f.NGAY_VAO!.slice(0, 8)}0600` })],
];

const p2 = (n: number) => String(n).padStart(2, '0');
/** `YYYYMMDD` of a UTC+7 day `daysAgo` days before `today`. */
function qdDay(today: Date, daysAgo: number): string {
  const d = new Date(today.getTime() + 7 * 3600_000 - daysAgo * 86_400_000);
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}`;
}

/** Move an episode to `day` (YYYYMMDD): admission, discharge, payment, settlement month, card validity. */
function onDay(f: Xml1Fields, day: string): Xml1Fields {
  const stay = Math.max(0, Number(f.SO_NGAY_DTRI ?? '0') - 1);
  const out = new Date(Date.UTC(+day.slice(0, 4), +day.slice(4, 6) - 1, +day.slice(6, 8) + stay));
  const outDay = `${out.getUTCFullYear()}${p2(out.getUTCMonth() + 1)}${p2(out.getUTCDate())}`;
  return {
    ...f, NGAY_VAO: `${day}0800`, NGAY_RA: `${outDay}${stay ? '1000' : '0930'}`, NGAY_TTOAN: `${outDay}1100`,
    NAM_QT: day.slice(0, 4), THANG_QT: day.slice(4, 6), GT_THE_TU: `${day.slice(0, 4)}0101`, GT_THE_DEN: `${day.slice(0, 4)}1231`,
  };
}

/** The episodes of one facility over the month, faults injected by share; MA_LK `DM<facility><n>`. */
function facilityEpisodes(facility: string, count: number, today: Date, seed: number): Array<{ day: string; fields: Xml1Fields }> {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const day = qdDay(today, 1 + Math.floor(r() * 29));
    let fields = onDay(makeXml1(facility, `DM${facility}${String(i).padStart(4, '0')}`, seed * 7919 + i), day);
    let u = r();
    for (const [, share, apply] of CLAIM_FAULTS) {
      if (u < share) { fields = apply(fields, r); break; }
      u -= share;
    }
    return { day, fields };
  });
}

/** A week's episodes of a facility in one envelope (one upload per facility and week, as HIS exports go). */
function claimUploads(today: Date): DemoUpload[] {
  const uploads: DemoUpload[] = [];
  CLAIM_FACILITIES.forEach(([facility, count], k) => {
    const byWeek = new Map<number, Xml1Fields[]>();
    for (const e of facilityEpisodes(facility, count, today, 4001 + k)) {
      const week = Math.floor((Number(today.getTime()) / 86_400_000 - Date.UTC(+e.day.slice(0, 4), +e.day.slice(4, 6) - 1, +e.day.slice(6, 8)) / 86_400_000) / 7);
      byWeek.set(week, [...(byWeek.get(week) ?? []), e.fields]);
    }
    for (const episodes of byWeek.values()) {
      uploads.push({ path: '/ingest/qd130', contentType: 'application/xml', facility, body: envelope(facility, episodes.map((f) => [['XML1', xml1Document(f)]]), episodes[0]!.NGAY_VAO!.slice(0, 8)) });
    }
  });
  // FACILITY_MISMATCH: 46001's HIS exports an episode of 46002 in its own envelope.
  const stray = onDay(makeXml1('46002', 'DM46001STRAY', 99), qdDay(today, 3));
  uploads.push({ path: '/ingest/qd130', contentType: 'application/xml', facility: '46001', asFacility: '46001', body: envelope('46001', [[['XML1', xml1Document(stray)]]]) });
  // SOURCE_CONFLICT: 46002 sends a person 46001 already sent, with another birth date → held for review.
  const first = onDay(makeXml1('46001', 'DM46001TWIN', 77), qdDay(today, 12));
  const second = onDay({ ...makeXml1('46002', 'DM46002TWIN', 78), SO_CCCD: first.SO_CCCD!, HO_TEN: first.HO_TEN!, GIOI_TINH: first.GIOI_TINH!, NGAY_SINH: `${first.NGAY_SINH!.slice(0, 6)}${p2((Number(first.NGAY_SINH!.slice(6, 8)) % 27) + 1)}0000` }, qdDay(today, 5));
  uploads.push({ path: '/ingest/qd130', contentType: 'application/xml', facility: '46001', body: envelope('46001', [[['XML1', xml1Document(first)]]]) });
  uploads.push({ path: '/ingest/qd130', contentType: 'application/xml', facility: '46002', afterLinkage: true, body: envelope('46002', [[['XML1', xml1Document(second)]]]) });
  return uploads;
}

const INFANT_VACCINES: ReadonlyArray<[code: string, name: string]> = [['1', 'Viêm gan B sơ sinh'], ['2', 'BCG'], ['5', 'DPT-VGB-Hib'], ['7', 'Bại liệt uống (OPV)'], ['12', 'Sởi']];
const CSV_HEADER = 'facility_code,patient_cccd,patient_name,patient_birth_date,patient_gender,vaccine_national_code,vaccine_name,occurrence,dose_number,lot_number,status';

/** One vaccination CSV per site: infants' doses over the month; some without CCCD, some with an Excel-damaged one. */
function vaccinationUploads(today: Date): DemoUpload[] {
  return VACCINATION_SITES.map(([facility, doses], k) => {
    const r = rng(8101 + k);
    const rows = Array.from({ length: doses }, (_, i) => {
      const gender = r() < 0.5 ? '1' : '2';
      const born = new Date(today.getTime() - (30 + Math.floor(r() * 300)) * 86_400_000);
      const year = born.getUTCFullYear();
      let cccd = makeCccd(facility === '62001' ? '062' : `0${facility.slice(0, 2)}`, year, gender, r);
      const u = r();
      if (u < 0.06) cccd = '';
      else if (u < 0.1) cccd = `${cccd.slice(0, 1)}${cccd.slice(1, 7)},${cccd.slice(7)}E+11`; // Excel's scientific notation
      const [code, vaccine] = INFANT_VACCINES[i % INFANT_VACCINES.length]!;
      const given = qdDay(today, 1 + Math.floor(r() * 29));
      const name = `${gender === '2' ? 'Nguyễn Thị' : 'Trần Văn'} Bé ${i + 1}`;
      return [facility, cccd, name, born.toISOString().slice(0, 10), gender === '2' ? 'female' : 'male', code, vaccine,
        `${given.slice(0, 4)}-${given.slice(4, 6)}-${given.slice(6, 8)}T08:30`, String(1 + (i % 2)), `L${k}${i}`, 'completed']
        .map((v) => (/[,"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
    });
    return { path: '/ingest/csv?kind=immunization', contentType: 'text/csv', facility, body: `${CSV_HEADER}\n${rows.join('\n')}\n` };
  });
}

/** Every upload of the demo month, claim XML first, those that wait for linkage last. */
export function demoMonth(today: Date): DemoUpload[] {
  const all = [...claimUploads(today), ...vaccinationUploads(today)];
  return [...all.filter((u) => !u.afterLinkage), ...all.filter((u) => u.afterLinkage)];
}

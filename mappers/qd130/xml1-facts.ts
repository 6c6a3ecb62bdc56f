import type { BirthFacts, ConditionFacts, EncounterFacts, PersonFacts } from '../contract.js';
import { KET_QUA_DTRI, MA_LOAI_KCB_TABLE, MA_LOAI_RV } from '../shared/code-maps/index.js';
import { parseHisDate } from '../shared/dates.js';
import { parseIcd10 } from '../shared/icd10.js';
import type { TableRecord } from './tables.js';
import { episodeDay, genderOf, type Xml1Dates } from './xml1-checks.js';
import { splitMulti } from './xml1-fields.js';

/**
 * XML1 (TONG_HOP) → the person as the facility recorded them (vn-health-data §1.3, §5.4). `SO_CCCD`
 * is the only ID field and is kept as sent (a CCCD, a 9- or 12-digit CMND or a passport: the
 * identity stage tells them apart); `MA_BN` is the facility's patient number, on the person and
 * on the encounter.
 */
export function xml1Person(r: TableRecord, dates: Xml1Dates): PersonFacts {
  const from = splitMulti(r.GT_THE_TU);
  const to = splitMulti(r.GT_THE_DEN);
  const person: PersonFacts = {
    cccd: { value: r.SO_CCCD ?? '', field: 'XML1.SO_CCCD' },
    cards: splitMulti(r.MA_THE_BHYT).map((value, i) => {
      const start = parseHisDate(from[i])?.fhirDate;
      const end = parseHisDate(to[i])?.fhirDate;
      return { value, ...(start ? { from: start } : {}), ...(end ? { to: end } : {}) };
    }),
    cardField: 'XML1.MA_THE_BHYT',
  };
  if (r.MA_BN) person.patientNumber = r.MA_BN;
  if (r.HO_TEN) person.name = r.HO_TEN;
  const gender = genderOf(r.GIOI_TINH);
  if (gender) person.gender = gender;
  if (dates.birth) person.birth = dates.birth;
  if (r.DIEN_THOAI) person.phone = r.DIEN_THOAI;
  if (r.DIA_CHI || r.MATINH_CU_TRU) {
    person.address = {
      ...(r.DIA_CHI ? { text: r.DIA_CHI } : {}),
      ...(r.MATINH_CU_TRU ? { province: r.MATINH_CU_TRU } : {}),
      ...(r.MAHUYEN_CU_TRU ? { district: r.MAHUYEN_CU_TRU } : {}),
      ...(r.MAXA_CU_TRU ? { ward: r.MAXA_CU_TRU } : {}),
    };
  }
  if (r.MA_DANTOC) person.ethnicity = r.MA_DANTOC;
  if (r.MA_NGHE_NGHIEP) person.occupation = r.MA_NGHE_NGHIEP;
  if (r.MA_QUOCTICH) person.nationality = r.MA_QUOCTICH;
  return person;
}

/** XML1 → the encounter: type and class from MA_LOAI_KCB in force on the episode's date, period, referral, disposition. */
export function xml1Encounter(r: TableRecord, key: string, facility: string, dates: Xml1Dates): EncounterFacts {
  const day = episodeDay(dates);
  const kcb = r.MA_LOAI_KCB ? (day ? MA_LOAI_KCB_TABLE.lookup(r.MA_LOAI_KCB, day) : MA_LOAI_KCB_TABLE.anyVersion(r.MA_LOAI_KCB)) : undefined;
  const e: EncounterFacts = {
    key, facility,
    reasons: [r.LY_DO_VV, r.CHAN_DOAN_VAO].filter((t): t is string => !!t),
    // MA_DOITUONG_KCB = 2 is "cấp cứu" (emergency) in QĐ 824 Phụ lục 2 and QĐ 4210 MA_LYDO_VVIEN.
    emergency: r.MA_DOITUONG_KCB === '2',
    departments: splitMulti(r.MA_KHOA),
  };
  if (r.MA_BN) e.patientNumber = r.MA_BN;
  if (kcb) {
    e.classCode = kcb.class;
    e.type = { code: r.MA_LOAI_KCB!, display: kcb.display };
  }
  if (dates.admit) e.start = dates.admit;
  if (dates.discharge) e.end = dates.discharge;
  if (dates.inpatientAdmit) e.inpatientStart = dates.inpatientAdmit;
  if (r.SO_NGAY_DTRI && /^\d+$/.test(r.SO_NGAY_DTRI)) e.lengthDays = Number(r.SO_NGAY_DTRI);
  if (r.MA_NOI_DI) e.origin = r.MA_NOI_DI;
  if (r.MA_NOI_DEN) e.destination = r.MA_NOI_DEN;
  const rv = MA_LOAI_RV.get(r.MA_LOAI_RV ?? '');
  if (rv) e.disposition = { code: rv.code, local: { code: r.MA_LOAI_RV!, display: rv.display } };
  const result = KET_QUA_DTRI.get(r.KET_QUA_DTRI ?? '');
  if (result) e.result = { code: r.KET_QUA_DTRI!, display: result };
  return e;
}

/** XML1.MA_BENH_CHINH (principal) and each `;`-joined XML1.MA_BENH_KT code, with CHAN_DOAN_RV on the principal. */
export function xml1Conditions(r: TableRecord, dates: Xml1Dates): ConditionFacts[] {
  const sent = [r.MA_BENH_CHINH ?? '', ...splitMulti(r.MA_BENH_KT)].filter(Boolean);
  return sent.flatMap((raw, i) => {
    const code = parseIcd10(raw);
    if (!code) return [];
    return [{ code, ...(i === 0 && r.CHAN_DOAN_RV ? { text: r.CHAN_DOAN_RV } : {}), ...(dates.discharge ? { recorded: dates.discharge } : {}) }];
  });
}

/** XML9 (DU_LIEU_GIAY_CHUNG_SINH) → the child of a delivery episode, kept with the mother's record. */
export function xml9Birth(b: TableRecord): BirthFacts {
  const birth = parseHisDate(b.NGAY_SINH_CON);
  const gender = genderOf(b.GIOI_TINH_CON);
  const weight = b.CAN_NANG_CON && /^\d+(\.\d+)?$/.test(b.CAN_NANG_CON) ? Number(b.CAN_NANG_CON) : undefined;
  return {
    ...(b.HO_TEN_CON ? { name: b.HO_TEN_CON } : {}),
    ...(birth ? { birth } : {}),
    ...(gender ? { gender } : {}),
    ...(weight !== undefined ? { weightGrams: weight } : {}),
    ...(b.MA_THE_TAM ? { temporaryCard: b.MA_THE_TAM } : {}),
    ...(b.SO_CCCD_NND ? { motherCccd: b.SO_CCCD_NND.replace(/\s+/g, '') } : {}),
  };
}

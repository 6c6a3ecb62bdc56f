/**
 * Micro-benchmark of the inner-document parsers of QĐ 130 (mappers/qd130/tables.ts): saxes
 * (`buildTree`) against the fast scanner for the simple subset (`buildTreeFast`), on a synthetic XML1
 * (makeXml1 + xml1Document), on the XML1 of the inpatient-complete golden envelope (character
 * references, 2.6 k characters) and on a large XML2 of 2 000 CHI_TIET_THUOC. Also checks that both give
 * the same tree. Prints medians in µs per document; asserts nothing else.
 *   npx tsx scripts/bench-inner-xml.ts
 */
import { readFileSync } from 'node:fs';
import { buildTree, parseTable } from '../mappers/qd130/tables.js';
import { buildTreeFast } from '../mappers/qd130/simple-xml.js';
import { makeXml1, rng, xml1Document } from './lib/qd130-synthetic.js';

const LOC = 'bench';

/** Median time of one call of `fn`, in µs: `rounds` timed batches of `batch` calls after a warm-up. */
function medianUs(rounds: number, batch: number, fn: () => unknown): number {
  for (let i = 0; i < batch * 3; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e3 / batch);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** An XML2 table (QĐ 130 CHI_TIET_THUOC) of `count` indented records, as HIS exports write it. */
function xml2Document(count: number): string {
  const r = rng(7);
  const drugs = ['Paracetamol 500mg', 'Amoxicilin 500mg', 'Vitamin C 100mg', 'Omeprazol 20mg', 'Natri clorid 0,9%'];
  const records = Array.from({ length: count }, (_, i) => {
    const fields: Array<[string, string]> = [
      ['MA_LK', `LK${100000 + Math.floor(i / 10)}`], ['STT', String(i + 1)], ['MA_THUOC', `40.${Math.floor(r() * 1000)}`],
      ['MA_PP_CHEBIEN', ''], ['MA_CSKCB_THUOC', ''], ['MA_NHOM', '4'], ['TEN_THUOC', drugs[i % drugs.length]!], ['DON_VI_TINH', 'Viên'],
      ['HAM_LUONG', '500mg'], ['DUONG_DUNG', '1.01'], ['DANG_BAO_CHE', 'Viên nén'], ['LIEU_DUNG', '2 viên/lần x 2 lần/ngày'],
      ['CACH_DUNG', 'Uống sau ăn & khi sốt > 38,5°C'], ['SO_DANG_KY', `VD-${Math.floor(r() * 99999)}-19`], ['TT_THAU', 'G1;N1;2025'],
      ['PHAM_VI', '1'], ['TYLE_TT_BH', '100'], ['SO_LUONG', String(1 + Math.floor(r() * 20))], ['DON_GIA', '1250'], ['THANH_TIEN_BV', '25000'],
      ['THANH_TIEN_BH', '25000'], ['T_NGUONKHAC_NSNN', '0'], ['T_NGUONKHAC_VTNN', '0'], ['T_NGUONKHAC_VTTN', '0'], ['T_NGUONKHAC_CL', '0'],
      ['T_NGUONKHAC', '0'], ['MUC_HUONG', '80'], ['T_BNTT', '0'], ['T_BNCCT', '5000'], ['T_BHTT', '20000'], ['MA_KHOA', 'K01'],
      ['MA_BAC_SI', `0${Math.floor(r() * 1e9)}`], ['MA_DICH_VU', ''], ['NGAY_YL', '202502100830'], ['NGAY_TH_YL', '202502100900'],
      ['MA_PTTT', '1'], ['NGUON_CTRA', '1'], ['VET_THUONG_TP', ''], ['DU_PHONG', ''],
    ];
    const body = fields.map(([k, v]) => `\n      <${k}>${v.replace(/&/g, '&amp;').replace(/>/g, '&gt;')}</${k}>`).join('');
    return `\n    <CHI_TIET_THUOC>${body}\n    </CHI_TIET_THUOC>`;
  }).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<CHITIEU_CHITIET_THUOC>\n  <DSACH_CHI_TIET_THUOC>${records}\n  </DSACH_CHI_TIET_THUOC>\n</CHITIEU_CHITIET_THUOC>`;
}

/** The XML1 inner document of a golden envelope. */
function goldenXml1(file: string): string {
  const envelope = readFileSync(new URL(`../test/golden/qd130/${file}`, import.meta.url), 'utf8');
  const base64 = /<LOAIHOSO>XML1<\/LOAIHOSO>\s*<NOIDUNGFILE>([^<]*)<\/NOIDUNGFILE>/.exec(envelope)?.[1] ?? '';
  return Buffer.from(base64.replace(/\s+/g, ''), 'base64').toString('utf8');
}

const cases: Array<{ name: string; loai: string; xml: string; rounds: number; batch: number }> = [
  { name: 'XML1 (makeXml1 + xml1Document)', loai: 'XML1', xml: xml1Document(makeXml1('46001', 'LK1', 1)), rounds: 15, batch: 400 },
  { name: 'XML1 of inpatient-complete.xml', loai: 'XML1', xml: goldenXml1('inpatient-complete.xml'), rounds: 15, batch: 400 },
  { name: 'XML2, 2 000 CHI_TIET_THUOC', loai: 'XML2', xml: xml2Document(2000), rounds: 9, batch: 1 },
];

for (const c of cases) {
  const fast = buildTreeFast(c.loai, c.xml, LOC);
  if (fast === undefined) throw new Error(`${c.name}: outside the simple subset`);
  if (JSON.stringify(fast) !== JSON.stringify(buildTree(c.loai, c.xml, LOC))) throw new Error(`${c.name}: the trees differ`);
  const saxesUs = medianUs(c.rounds, c.batch, () => buildTree(c.loai, c.xml, LOC));
  const fastUs = medianUs(c.rounds, c.batch, () => buildTreeFast(c.loai, c.xml, LOC));
  const tableUs = medianUs(c.rounds, c.batch, () => parseTable(c.loai, c.xml, LOC));
  const size = c.xml.length >= 1e6 ? `${(c.xml.length / 1e6).toFixed(1)} M` : `${(c.xml.length / 1e3).toFixed(1)} k`;
  const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(1)} µs`);
  console.log(`${c.name} (${size}chars): saxes ${fmt(saxesUs)}, fast path ${fmt(fastUs)} → ${(saxesUs / fastUs).toFixed(1)}× faster; parseTable ${fmt(tableUs)}`);
}

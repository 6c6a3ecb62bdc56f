#!/usr/bin/env node
/**
 * Builds the QĐ 130 golden input envelopes test/golden/qd130/<case>.xml from the readable sources
 * in scripts/golden-src/<case>/. Plain Node ESM, no dependencies. All data is synthetic.
 *
 * Usage (from anywhere):
 *   node scripts/golden-src/build.mjs              rebuild every case
 *   node scripts/golden-src/build.mjs a b          rebuild only cases a and b
 *   node scripts/golden-src/build.mjs --check      rebuild in memory, exit 1 if any envelope on disk differs
 *
 * Layout: every sub-folder of scripts/golden-src/ that holds a case.json is one case; the folder
 * name is the case name and the output is test/golden/qd130/<case>.xml.
 *
 * case.json:
 *   {
 *     "macskcb":     "46001",          // GIAMDINHHS/THONGTINDONVI/MACSKCB
 *     "ngaylap":     "20250125",       // THONGTINHOSO/NGAYLAP (yyyymmdd)
 *     "soluonghoso": 1,                // THONGTINHOSO/SOLUONGHOSO; optional, defaults to hosos.length
 *                                      //   (written as given, so a case may deliberately disagree)
 *     "hosos": [                       // one inner array per HOSO, in document order; each entry is a
 *       ["XML1.xml", "XML2.xml"]       //   path relative to the case folder (e.g. "hoso2/XML1.xml");
 *     ],                               //   LOAIHOSO = file base name without ".xml" (XML1, XML7, XML99…)
 *     "bom":         false,            // optional: true = prefix every inner document with a UTF-8 BOM
 *                                      //   (EF BB BF) before base64; or a list of the entries to prefix
 *     "rootAttrs":   { "xmlns:xsi": "…" }, // optional attributes on the GIAMDINHHS root
 *     "chukydonvi":  true              // optional: false leaves out the (empty) CHUKYDONVI element
 *   }
 *
 * Inner sources are complete UTF-8 XML documents with their own <?xml …?> declaration. Their bytes are
 * base64-encoded exactly as stored (no re-serialisation), so CDATA, entities and whitespace survive;
 * a BOM already present in a source file is refused (use "bom" instead, so the source stays readable).
 * NOIDUNGFILE is one unwrapped base64 line. The envelope is UTF-8, LF line endings, no BOM.
 */
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(SRC, '../../test/golden/qd130');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const escText = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s) => escText(s).replace(/"/g, '&quot;');

function fail(caseName, msg) {
  throw new Error(`${caseName}: ${msg}`);
}

function buildCase(name) {
  const dir = join(SRC, name);
  const cfg = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  if (!/^\d{5}$/.test(String(cfg.macskcb ?? ''))) fail(name, 'macskcb must be a 5-digit facility code');
  if (!/^\d{8}$/.test(String(cfg.ngaylap ?? ''))) fail(name, 'ngaylap must be yyyymmdd');
  if (!Array.isArray(cfg.hosos) || cfg.hosos.length === 0) fail(name, 'hosos must be a non-empty array');
  const bomFor = (entry) => cfg.bom === true || (Array.isArray(cfg.bom) && cfg.bom.includes(entry));
  if (Array.isArray(cfg.bom)) {
    const all = cfg.hosos.flat();
    for (const b of cfg.bom) if (!all.includes(b)) fail(name, `bom entry ${b} is not in hosos`);
  }

  const attrs = Object.entries(cfg.rootAttrs ?? {})
    .map(([k, v]) => ` ${k}="${escAttr(v)}"`)
    .join('');
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<GIAMDINHHS${attrs}>`,
    '  <THONGTINDONVI>',
    `    <MACSKCB>${escText(cfg.macskcb)}</MACSKCB>`,
    '  </THONGTINDONVI>',
    '  <THONGTINHOSO>',
    `    <NGAYLAP>${escText(cfg.ngaylap)}</NGAYLAP>`,
    `    <SOLUONGHOSO>${escText(cfg.soluonghoso ?? cfg.hosos.length)}</SOLUONGHOSO>`,
    '    <DANHSACHHOSO>',
  ];
  for (const hoso of cfg.hosos) {
    if (!Array.isArray(hoso) || hoso.length === 0) fail(name, 'every HOSO must list at least one file');
    lines.push('      <HOSO>');
    for (const entry of hoso) {
      const path = join(dir, entry);
      if (!existsSync(path)) fail(name, `missing source ${entry}`);
      let bytes = readFileSync(path);
      if (bytes.subarray(0, 3).equals(BOM)) fail(name, `${entry} starts with a BOM; set "bom" in case.json instead`);
      if (!bytes.subarray(0, 5).toString('latin1').startsWith('<?xml')) {
        fail(name, `${entry} must start with an XML declaration`);
      }
      if (bomFor(entry)) bytes = Buffer.concat([BOM, bytes]);
      const loai = basename(entry).replace(/\.xml$/i, '');
      lines.push(
        '        <FILEHOSO>',
        `          <LOAIHOSO>${escText(loai)}</LOAIHOSO>`,
        `          <NOIDUNGFILE>${bytes.toString('base64')}</NOIDUNGFILE>`,
        '        </FILEHOSO>',
      );
    }
    lines.push('      </HOSO>');
  }
  lines.push('    </DANHSACHHOSO>', '  </THONGTINHOSO>');
  if (cfg.chukydonvi !== false) lines.push('  <CHUKYDONVI></CHUKYDONVI>');
  lines.push('</GIAMDINHHS>', '');
  return lines.join('\n');
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const wanted = args.filter((a) => a !== '--check');
const cases = readdirSync(SRC, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(SRC, d.name, 'case.json')))
  .map((d) => d.name)
  .sort();
for (const w of wanted) if (!cases.includes(w)) throw new Error(`unknown case ${w}`);

mkdirSync(OUT, { recursive: true });
let stale = 0;
for (const name of wanted.length ? wanted : cases) {
  const xml = buildCase(name);
  const target = join(OUT, `${name}.xml`);
  if (check) {
    const same = existsSync(target) && readFileSync(target, 'utf8') === xml;
    if (!same) {
      stale += 1;
      console.error(`stale: ${target}`);
    }
  } else {
    writeFileSync(target, xml);
    console.log(`wrote ${target}`);
  }
}
if (stale) {
  console.error(`${stale} envelope(s) out of date; run node scripts/golden-src/build.mjs`);
  process.exit(1);
}

/**
 * How much an XLSX (a ZIP archive, ECMA-376 Part 2) inflates to, read from its central directory
 * before anything is decompressed (APPNOTE.TXT §4.3.12 central directory header, §4.3.16 end of
 * central directory), so a small upload that would inflate to gigabytes is refused unopened.
 */

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const EOCD_SEARCH = 22 + 65_535;

/** The archive's entry count and total uncompressed size, or undefined when it is not a readable ZIP (ZIP64 included: refused). */
export function zipInflatedSize(bytes: Buffer): { entries: number; bytes: number } | undefined {
  const from = Math.max(0, bytes.length - EOCD_SEARCH);
  let end = -1;
  for (let i = bytes.length - 22; i >= from; i--) {
    if (bytes.readUInt32LE(i) === EOCD) { end = i; break; }
  }
  if (end < 0) return undefined;
  const entries = bytes.readUInt16LE(end + 10);
  const offset = bytes.readUInt32LE(end + 16);
  if (entries === 0xffff || offset === 0xffffffff) return undefined;
  let at = offset;
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL) return undefined;
    const size = bytes.readUInt32LE(at + 24);
    if (size === 0xffffffff) return undefined;
    total += size;
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return { entries, bytes: total };
}

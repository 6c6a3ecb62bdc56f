import { textAt, type Er7Segment, type Er7Separators } from './er7.js';

/**
 * One Vietnamese full name from an XPN field (HL7 v2.5.1 §2.A.88), first repetition: family
 * (XPN-1) + middle (XPN-3, second and further given names) + given (XPN-2), so
 * `Nguyễn^An^Văn` and `Nguyễn^Văn An` both read "Nguyễn Văn An". Undefined when all three are empty.
 */
export function xpnName(seg: Er7Segment | undefined, n: number, seps: Er7Separators): string | undefined {
  const name = [1, 3, 2].map((comp) => textAt(seg, n, seps, { comp })).filter(Boolean).join(' ').replace(/\s+/g, ' ');
  return name || undefined;
}

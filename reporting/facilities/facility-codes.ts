import table from '../data/facility-levels.json' with { type: 'json' };
import type { Ownership } from './model.js';
import { foldWords } from './text.js';

const LEVELS: ReadonlyMap<string, string> = new Map(
  table.levels.flatMap((version) => Object.entries(version.codes as unknown as Record<string, string[]>).flatMap(([code, aliases]) => aliases.map((a) => [foldWords(a), code] as const))),
);
const OWNERSHIP: ReadonlyMap<string, Ownership> = new Map(
  Object.entries(table.ownership.codes).flatMap(([code, aliases]) => aliases.map((a) => [foldWords(a), code as Ownership] as const)),
);

/** Every level code accepted (tuyến of TT 43/2013/TT-BYT, cấp of Luật KCB 2023, `private`). */
export const LEVEL_CODES: readonly string[] = [...new Set(LEVELS.values())];

/** The level code of a TUYEN cell or a `level` field (`Tỉnh`, `tuyến 2`, `2`, `province` → province); undefined when unknown. */
export function levelOf(text: string): string | undefined {
  return LEVELS.get(foldWords(text));
}

/** public / private of a HINH_THUC cell or an `ownership` field (`công lập`, `Tư nhân`, `public`…); undefined when unknown. */
export function ownershipOf(text: string): Ownership | undefined {
  return OWNERSHIP.get(foldWords(text));
}

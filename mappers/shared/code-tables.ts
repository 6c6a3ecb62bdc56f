/**
 * Code tables that carry their validity (vn-updates-2026 §1: "every code table carries validFrom /
 * validTo and its legal source; checks use the table in force on the episode's date"). The JSON
 * format is described in `code-maps/README.md`: `{ _source, versions: [{ validFrom, validTo, source, codes }] }`,
 * each version a complete list, versions in date order and not overlapping.
 */

/** One version of a table: the complete list of codes in force over `[validFrom, validTo]` (both inclusive). */
export interface CodeTableVersion<T> {
  /** First day in force (`yyyy-mm-dd`); null = in force for any earlier date too. */
  readonly validFrom: string | null;
  /** Last day in force (`yyyy-mm-dd`); null = still in force. */
  readonly validTo: string | null;
  /** Legal source of this version, e.g. `QĐ 824/QĐ-BYT Phụ lục 1`. */
  readonly source: string;
  /** Optional reviewer's note (how sure the source is, what was inferred). */
  readonly note?: string;
  readonly codes: ReadonlyMap<string, T>;
}

/** A versioned code table. Dates are `yyyy-mm-dd` (an episode's day, vn-updates-2026 §1). */
export interface CodeTable<T> {
  /** The file's `_source` (what the table is and where it comes from). */
  readonly source: string;
  /** Versions in date order. */
  readonly versions: readonly CodeTableVersion<T>[];
  /** The version in force on `onDate`, if any; its codes are in natural order (`01` … `16`, `1.1`, `1.2`, `1.10`). */
  versionOn(onDate: string): CodeTableVersion<T> | undefined;
  /** The entry of `code` in the version in force on `onDate`. */
  lookup(code: string, onDate: string): T | undefined;
  /** Codes of the version in force on `onDate` (empty when none is). */
  inForceOn(onDate: string): string[];
  /** For messages: `QĐ 1804/QĐ-BYT (from 2026-08-01): 01–16`. */
  describe(onDate: string): string;
  /** When the date is unknown: the entry of `code` in the latest version that has it. */
  anyVersion(code: string): T | undefined;
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function checkDay(value: unknown, what: string, nullable: boolean): string | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || !DAY.test(value)) throw new TypeError(`${what} must be a yyyy-mm-dd date${nullable ? ' or null' : ''}, got ${JSON.stringify(value)}`);
  return value;
}

/** `01–16` for a run of same-width consecutive numbers, else the codes joined with `, `. */
function span(codes: string[]): string {
  if (codes.length === 0) return 'no codes';
  const numeric = codes.every((c) => /^\d+$/.test(c) && c.length === codes[0]!.length);
  const consecutive = numeric && codes.every((c, i) => i === 0 || Number(c) === Number(codes[i - 1]) + 1);
  return consecutive && codes.length > 2 ? `${codes[0]}–${codes[codes.length - 1]}` : codes.join(', ');
}

function period(v: CodeTableVersion<unknown>): string {
  if (v.validFrom && v.validTo) return `${v.validFrom} to ${v.validTo}`;
  if (v.validFrom) return `from ${v.validFrom}`;
  return v.validTo ? `until ${v.validTo}` : 'any date';
}

function readVersion<T>(raw: unknown, i: number): CodeTableVersion<T> {
  const v = raw as Record<string, unknown>;
  if (!v || typeof v !== 'object') throw new TypeError(`versions[${i}] must be an object`);
  const validFrom = checkDay(v.validFrom, `versions[${i}].validFrom`, true);
  const validTo = checkDay(v.validTo, `versions[${i}].validTo`, true);
  if (validFrom && validTo && validTo < validFrom) throw new TypeError(`versions[${i}] ends (${validTo}) before it starts (${validFrom})`);
  if (typeof v.source !== 'string' || !v.source.trim()) throw new TypeError(`versions[${i}].source must name the legal source`);
  if (!v.codes || typeof v.codes !== 'object' || Array.isArray(v.codes)) throw new TypeError(`versions[${i}].codes must be an object of code → entry`);
  if (v.note !== undefined && typeof v.note !== 'string') throw new TypeError(`versions[${i}].note must be a string`);
  // Sorted: JSON objects put integer-like keys ("10") before the others ("01"), whatever the file says.
  const codes = new Map(Object.entries(v.codes as Record<string, T>).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
  return { validFrom, validTo, source: v.source, ...(v.note ? { note: v.note } : {}), codes };
}

/**
 * Load a versioned code table from its JSON (see `code-maps/README.md`). Throws TypeError when the
 * file is malformed: a date not `yyyy-mm-dd`, versions out of order or overlapping, a missing source.
 */
export function loadCodeTable<T>(json: unknown): CodeTable<T> {
  const file = json as { _source?: unknown; versions?: unknown };
  if (!file || typeof file._source !== 'string') throw new TypeError('a code table needs a _source string');
  if (!Array.isArray(file.versions) || file.versions.length === 0) throw new TypeError('a code table needs a non-empty versions list');
  const versions = file.versions.map((v, i) => readVersion<T>(v, i));
  versions.forEach((v, i) => {
    const prev = versions[i - 1];
    if (i > 0 && v.validFrom === null) throw new TypeError(`versions[${i}]: only the first version may have no validFrom`);
    if (prev && (prev.validTo === null || prev.validTo >= v.validFrom!)) {
      throw new TypeError(`versions[${i - 1}] and versions[${i}] overlap: versions must be in date order, each ending before the next starts`);
    }
  });

  const versionOn = (onDate: string): CodeTableVersion<T> | undefined => {
    checkDay(onDate, 'onDate', false);
    return versions.find((v) => (v.validFrom === null || v.validFrom <= onDate) && (v.validTo === null || onDate <= v.validTo));
  };
  return {
    source: file._source,
    versions,
    versionOn,
    lookup: (code, onDate) => versionOn(onDate)?.codes.get(code),
    inForceOn: (onDate) => [...(versionOn(onDate)?.codes.keys() ?? [])],
    describe: (onDate) => {
      const v = versionOn(onDate);
      return v ? `${v.source} (${period(v)}): ${span([...v.codes.keys()])}` : `no version in force on ${onDate} (known: ${versions.map((x) => `${x.source}, ${period(x)}`).join('; ')})`;
    },
    anyVersion: (code) => {
      for (let i = versions.length - 1; i >= 0; i--) {
        const hit = versions[i]!.codes.get(code);
        if (hit !== undefined) return hit;
      }
      return undefined;
    },
  };
}

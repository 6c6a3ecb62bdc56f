import type { ReaderLimits } from '../contract.js';
import { isMappingError, MappingError } from '../errors.js';
import { firstCodePoints } from '../shared/quote.js';
import { itemsOfEntries, type BundleType, type FhirBundleItem } from './items.js';
import { obj, quoted } from './json.js';

/**
 * Deepest nesting of arrays and objects read, as the built-in FHIR store allows on its own routes
 * (`ehr-store/fhir.routes.ts` FHIR_MAX_JSON_DEPTH): a Bundle of resources needs far less.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * How deep `text` nests arrays and objects, counted in one pass without recursion (brackets inside
 * strings do not count); a message when deeper than `max`. Malformed text is left to JSON.parse.
 */
export function jsonDepthProblem(text: string, max: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return `the Bundle is nested deeper than ${max} levels of arrays and objects`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/** Longest string (value or key) read when `limits.maxTextChars` is not set: the QĐ 130 reader's default (MAX_TEXT_NODE_KB 64). */
export const DEFAULT_MAX_TEXT_CHARS = 65_536;

/** A node of the parsed Bundle met while walking it, with the way back to the root for its name. */
interface Visit {
  value: unknown;
  key: string | number;
  parent?: Visit;
}

/** FHIRPath-style name of a node: `Bundle.entry[3].resource.text.div` (each key cut to 64 code points). */
function pathOf(node: Visit): string {
  const parts: string[] = [];
  for (let at: Visit | undefined = node; at?.parent; at = at.parent) parts.push(typeof at.key === 'number' ? `[${at.key}]` : `.${firstCodePoints(at.key, 64)}`);
  return `Bundle${parts.reverse().join('')}`;
}

/**
 * The first string value or key of `root` (document order) longer than `max` UTF-16 code units:
 * the FHIRPath of the string, or of the object holding the key. Walked without recursion; the
 * name is built only for the one found.
 */
export function longTextAt(root: unknown, max: number): { path: string; isKey: boolean } | undefined {
  const stack: Visit[] = [{ value: root, key: '' }];
  for (let node = stack.pop(); node; node = stack.pop()) {
    const v = node.value;
    if (typeof v === 'string') {
      if (v.length > max) return { path: pathOf(node), isKey: false };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: node });
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      if (keys.some((k) => k.length > max)) return { path: pathOf(node), isKey: true };
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (v as Record<string, unknown>)[keys[i]!], key: keys[i]!, parent: node });
    }
  }
  return undefined;
}

/** What the reader saw of the Bundle itself (kept with the submission). */
export interface FhirBundleHeader {
  /** A FHIR Bundle names no facility: each record's own (or the submitting key's) is used. */
  facility?: string;
  bundleType?: BundleType;
  /** `Bundle.id` and `Bundle.identifier.value` as sent, for the submission view. */
  bundleId?: string;
  bundleIdentifier?: string;
  entryCount?: number;
  [k: string]: unknown;
}

/** U+0000 or a surrogate without its pair: PostgreSQL jsonb (issues, resources, unmapped) cannot store either. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** JSON.parse reviver: refuses a key or string the records store could not keep, as undecodable input is refused (docs/input-rules.md). */
function refuseUnstorable(key: string, value: unknown): unknown {
  if (UNSTORABLE.test(key) || (typeof value === 'string' && UNSTORABLE.test(value))) {
    throw new MappingError('the Bundle holds a string escaping U+0000 or an unpaired surrogate (\\u0000, \\ud800 …): not text, refused', 'Bundle', 'structure');
  }
  return value;
}

/** The body is not JSON: where JSON.parse says it broke, without quoting the sender's text back. */
function parseFailure(err: unknown): MappingError {
  const message = err instanceof Error ? err.message : '';
  const at = /at position (\d+)/.exec(message)?.[1];
  const detail = at ? `it breaks at character ${at}` : /^[\w ]{1,80}$/.test(message) ? message.toLowerCase() : undefined;
  return new MappingError(`the body is not JSON${detail ? ` (${detail})` : ''}: POST /ingest/fhir takes a FHIR R4 Bundle`, 'Bundle', 'structure');
}

/**
 * Reads one FHIR R4 Bundle (http://hl7.org/fhir/R4/bundle.html) of type `transaction` or `batch`.
 * References between entries can point forwards, so the text is buffered whole (at most
 * `maxFieldChars`, MAX_FIELD_MB: the largest thing any reader holds; beyond it 413) and read at
 * `end()`: nesting bounded, JSON.parse, the Bundle checked, every string and key at most
 * `maxTextChars` (413 naming the element), then one item per record (items.ts).
 * Anything that is not such a Bundle is a MappingError (400) naming `Bundle` or `Bundle.type`.
 */
export class FhirBundleReader {
  readonly header: FhirBundleHeader = {};
  private readonly parts: string[] = [];
  private length = 0;

  constructor(private readonly onItem: (item: FhirBundleItem) => void, private readonly limits: ReaderLimits) {}

  /** Feed the next piece of text (kept until the end). */
  write(chunk: string): void {
    this.length += chunk.length;
    if (this.length > this.limits.maxFieldChars) {
      throw new MappingError(`the Bundle is longer than ${this.limits.maxFieldChars} characters (MAX_FIELD_MB): send fewer entries per Bundle`, 'Bundle', 'too-costly');
    }
    this.parts.push(chunk);
  }

  /** The body has ended: parse, check and hand out the items. */
  end(): void {
    const text = this.parts.join('').replace(/^\uFEFF/, '');
    this.parts.length = 0;
    const deep = jsonDepthProblem(text, MAX_JSON_DEPTH);
    if (deep) throw new MappingError(deep, 'Bundle', 'structure');
    let parsed: unknown;
    try {
      // Only a `\u` escape can make U+0000 or a lone surrogate (the body is valid UTF-8): check strings then.
      parsed = text.includes('\\u') ? JSON.parse(text, refuseUnstorable) : JSON.parse(text);
    } catch (err) {
      throw isMappingError(err) ? err : parseFailure(err);
    }
    const bundle = this.checkBundle(parsed);
    this.checkTexts(bundle, text.length);
    const entries = bundle.entry === undefined ? [] : bundle.entry;
    if (!Array.isArray(entries)) throw new MappingError('Bundle.entry is not an array', 'Bundle.entry', 'structure');
    this.header.entryCount = entries.length;
    const items = itemsOfEntries(entries, this.header.bundleType!);
    const over = items[this.limits.maxItems];
    if (over) {
      throw new MappingError(`the Bundle holds more than ${this.limits.maxItems} records (MAX_RECORDS_PER_SUBMISSION)`, `Bundle.entry[${over.main.index}]`, 'too-costly');
    }
    for (const item of items) this.onItem(item);
  }

  /** Every string value and key ≤ `maxTextChars` (413 naming its element), as every reader bounds one text. */
  private checkTexts(bundle: Record<string, unknown>, textChars: number): void {
    const max = this.limits.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
    if (textChars <= max) return; // no string can be longer than the text holding it
    const long = longTextAt(bundle, max);
    if (long) {
      const what = long.isKey ? `a key of ${long.path}` : long.path;
      throw new MappingError(`${what} is longer than ${max} characters (MAX_TEXT_NODE_KB): send shorter texts`, long.path, 'too-costly');
    }
  }

  /** `resourceType` Bundle and `type` transaction or batch (http://hl7.org/fhir/R4/http.html#transaction). */
  private checkBundle(parsed: unknown): Record<string, unknown> {
    const bundle = obj(parsed);
    if (!bundle || bundle.resourceType !== 'Bundle') {
      const what = bundle ? `a resource of type ${quoted(bundle.resourceType ?? 'none')}` : 'not a JSON object';
      throw new MappingError(`the body is ${what}: POST /ingest/fhir takes a Bundle of type transaction or batch`, 'Bundle.resourceType', 'structure');
    }
    if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
      throw new MappingError(`Bundle.type ${quoted(bundle.type ?? 'none')} is not accepted: send a transaction or batch Bundle`, 'Bundle.type', 'invalid');
    }
    this.header.bundleType = bundle.type;
    // Kept with the submission, bounded by code point (a cut surrogate pair could not be stored).
    if (typeof bundle.id === 'string') this.header.bundleId = firstCodePoints(bundle.id, 64);
    const identifier = obj(bundle.identifier)?.value;
    if (typeof identifier === 'string') this.header.bundleIdentifier = firstCodePoints(identifier, 200);
    return bundle;
  }
}

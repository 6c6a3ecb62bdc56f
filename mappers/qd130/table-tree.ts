/**
 * The `{ root: value }` tree of an inner table document, shared by both parsers that build it: saxes
 * (`buildTree` in tables.ts) and the fast scanner for the simple subset (`buildTreeFast` in
 * simple-xml.ts). The shape is described at the top of tables.ts; keeping the rules here means the
 * two parsers cannot drift apart.
 */
import { MappingError } from '../errors.js';

/** Names that would reach Object.prototype: refused. */
const REFUSED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** Names that shadow Object.prototype methods: stored with a `__` prefix. */
const PREFIXED_NAMES = new Set(['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);
/** An element opened inside more than this many open elements is refused. */
export const MAX_OPEN_ELEMENTS = 100;
const TEXT_KEY = '#text';

/** One open element while the tree is built. */
export interface Frame {
  /** The key the element is stored under (see `keyFor`). */
  name: string;
  obj: Record<string, unknown>;
  /** Number of distinct child names in `obj`. */
  keys: number;
  /** Text of this element so far (trimmed runs and CDATA). */
  text: string;
  /** The current run of character data, not yet trimmed. */
  run: string;
}

/** A fresh frame for an element stored under `name`. */
export function newFrame(name: string): Frame {
  return { name, obj: {}, keys: 0, text: '', run: '' };
}

/** The key of element `name`: reserved names are refused (MappingError), prototype method names prefixed. */
export function keyFor(name: string, loaiHoSo: string, location: string): string {
  if (REFUSED_NAMES.has(name)) {
    throw new MappingError(`${loaiHoSo} document cannot be parsed: element name "${name}" is reserved`, location, 'structure');
  }
  return PREFIXED_NAMES.has(name) ? `__${name}` : name;
}

/** The value of a closed element: its text when it has no child elements, else its object (text last under `#text`). */
export function valueOf(frame: Frame): unknown {
  if (frame.keys === 0) return frame.text;
  if (frame.text.length > 0) frame.obj[TEXT_KEY] = frame.text;
  return frame.obj;
}

/** Store a closed child under `key`: a name seen again becomes an array in document order. */
export function attach(parent: Frame, key: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(parent.obj, key)) {
    const prev = parent.obj[key];
    if (Array.isArray(prev)) prev.push(value);
    else parent.obj[key] = [prev, value];
  } else {
    parent.obj[key] = value;
    parent.keys += 1;
  }
}

/** End the current run of character data: it is trimmed (after references were decoded) and appended. */
export function endRun(frame: Frame): void {
  if (frame.run.length === 0) return;
  frame.text += frame.run.trim();
  frame.run = '';
}

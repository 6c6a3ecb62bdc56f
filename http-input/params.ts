import { badRequest } from '../errors/outcome.js';

/** Digits only: no sign, exponent, fraction, hex, spaces or empty value (leading zeros are harmless). */
const DECIMAL_DIGITS = /^\d{1,16}$/;

/**
 * The value of query parameter `name`, given at most once. A repeated parameter (`?a=1&a=2`)
 * arrives as an array and is refused rather than silently taking one of the values.
 */
export function singleParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be given once`, [name]);
  return value;
}

/** Bounds of an integer parameter and its value when absent. */
export interface IntParamRule {
  min: number;
  max: number;
  default: number;
}

/**
 * Integer query parameter `name` in [min, max] (both safe integers), or `default` when absent.
 * Only plain decimal digits are accepted: `1e2`, `0x10`, `-1`, `1.5`, ` 5`, an empty value, a value
 * beyond `max` or a repeated parameter are each a 400 OperationOutcome naming the parameter.
 */
export function intParam(query: Record<string, unknown>, name: string, rule: IntParamRule): number {
  const raw = singleParam(query, name);
  if (raw === undefined) return rule.default;
  const value = DECIMAL_DIGITS.test(raw) ? Number(raw) : NaN;
  if (!(value >= rule.min && value <= rule.max)) throw badRequest(`${name} must be an integer ${rule.min}–${rule.max} in decimal digits`, [name]);
  return value;
}

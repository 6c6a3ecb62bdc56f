import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/outcome.js';
import { intParam, singleParam } from './params.js';

const rule = { min: 1, max: 1000, default: 100 };
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof GatewayError ? { status: err.status, message: err.message, expression: err.expression } : err;
  }
  return undefined;
};

describe('intParam', () => {
  it('reads plain decimal digits within the range, or the default when absent', () => {
    expect(intParam({}, '_count', rule)).toBe(100);
    expect(intParam({ _count: '1' }, '_count', rule)).toBe(1);
    expect(intParam({ _count: '1000' }, '_count', rule)).toBe(1000);
    expect(intParam({ _count: '007' }, '_count', rule)).toBe(7);
  });

  it.each(['0', '1001', '1e2', '1e20', '-1', '1.5', '0x10', '', ' 5', '5 ', '+5', 'NaN', 'Infinity', '99999999999999999999', '１２'])('refuses %j with 400 naming the parameter', (value) => {
    expect(refusal(() => intParam({ _count: value }, '_count', rule))).toEqual({ status: 400, message: '_count must be an integer 1–1000 in decimal digits', expression: ['_count'] });
  });

  it('refuses a repeated parameter (an array) and any non-string', () => {
    expect(refusal(() => intParam({ _offset: ['1', '2'] }, '_offset', rule))).toEqual({ status: 400, message: '_offset must be given once', expression: ['_offset'] });
    expect(refusal(() => singleParam({ a: { b: '1' } }, 'a'))).toMatchObject({ status: 400, expression: ['a'] });
  });
});

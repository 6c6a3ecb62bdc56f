import { describe, expect, it } from 'vitest';
import { jsonTextProblem } from './json-body.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonTextProblem (before JSON.parse)', () => {
  it('counts nesting of arrays and objects: depth = limit passes, limit + 1 is refused', () => {
    expect(jsonTextProblem(bytes(nested(64)), 64)).toBeUndefined();
    expect(jsonTextProblem(bytes(nested(65)), 64)).toMatch(/nested deeper than 64/);
    expect(jsonTextProblem(bytes(`{"a":${nested(63)}}`), 64)).toBeUndefined();
    expect(jsonTextProblem(bytes(`{"a":{"b":[{"c":1}]}}`), 3)).toMatch(/deeper than 3/);
  });

  it('siblings do not add up: a long flat array is depth 2', () => {
    expect(jsonTextProblem(bytes(`[${Array.from({ length: 100_000 }, () => '[1]').join(',')}]`), 2)).toBeUndefined();
  });

  it('ignores brackets inside strings, including after escaped quotes and backslashes', () => {
    expect(jsonTextProblem(bytes(`["${'['.repeat(100)}"]`), 1)).toBeUndefined();
    expect(jsonTextProblem(bytes(`["a\\"${'{'.repeat(100)}"]`), 1)).toBeUndefined();
    expect(jsonTextProblem(bytes(`["a\\\\",[[1]]]`), 2)).toMatch(/deeper than 2/); // the string ends at the second quote
    expect(jsonTextProblem(bytes(`["Tiếng Việt [ { ", "日本"]`), 1)).toBeUndefined();
  });

  it('refuses numbers beyond a double, keeps ordinary, long and tiny ones', () => {
    for (const n of ['1e309', '-1E+400', '1e999999', '9'.repeat(400)]) expect(jsonTextProblem(bytes(`{"n":${n}}`), 10), n.slice(0, 10)).toMatch(/number too large/);
    for (const n of ['0', '-1.5', '1.7976931348623157e308', '1e-999999', '9'.repeat(299), `0.${'1'.repeat(1000)}`]) expect(jsonTextProblem(bytes(`[${n}]`), 10), n.slice(0, 10)).toBeUndefined();
    expect(jsonTextProblem(bytes('["1e999"]'), 10)).toBeUndefined(); // a string, not a number
  });
});

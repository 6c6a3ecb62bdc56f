import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataKeyring, DEMO_DATA_KEY, newDataKeySpec, parseDataKeys, SEALED_OVERHEAD, SealedDataError } from './encryption.js';

const keyA = { id: 1, key: randomBytes(32) };
const keyB = { id: 2, key: randomBytes(32) };
const PLAIN = Buffer.from('<HO_TEN>Nguyễn Thị Hoa</HO_TEN><SO_CCCD>046190000123</SO_CCCD>', 'utf8');

/** The SealedDataError `fn` throws (fails the test when it returns). */
function sealError(fn: () => unknown): SealedDataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SealedDataError);
    return err as SealedDataError;
  }
  throw new Error('opened without an error');
}

describe('DataKeyring (AES-256-GCM at rest)', () => {
  it('round-trips, hides the plaintext and names the key in the second byte', () => {
    const ring = new DataKeyring([keyA]);
    const sealed = ring.seal(PLAIN, 'records.payload/s/1');
    expect(sealed.length).toBe(PLAIN.length + SEALED_OVERHEAD);
    expect(sealed.includes(Buffer.from('Nguyễn'))).toBe(false);
    expect(sealed.includes(Buffer.from('046190000123'))).toBe(false);
    expect(DataKeyring.keyIdOf(sealed)).toBe(1);
    expect(ring.open(sealed, 'records.payload/s/1')).toEqual(PLAIN);
  });

  it('uses a fresh nonce per value: the same plaintext never seals to the same bytes', () => {
    const ring = new DataKeyring([keyA]);
    const a = ring.seal(PLAIN, 'c');
    const b = ring.seal(PLAIN, 'c');
    expect(a.subarray(2, 14).equals(b.subarray(2, 14))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('seals empty and large values', () => {
    const ring = new DataKeyring([keyA]);
    expect(ring.open(ring.seal(Buffer.alloc(0), 'c'), 'c').length).toBe(0);
    const big = randomBytes(5 * 1024 * 1024);
    expect(ring.open(ring.seal(big, 'c'), 'c').equals(big)).toBe(true);
  });

  it('refuses any altered byte: header, nonce, ciphertext or tag', () => {
    const ring = new DataKeyring([keyA, { id: 9, key: keyA.key }]);
    const sealed = ring.seal(PLAIN, 'c');
    for (const at of [0, 1, 2, 13, 14, 20, sealed.length - 17, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= at === 1 ? 0x08 : 0x01; // at 1: key id 1 → 9, the same key bytes, so only the AAD catches it
      const err = sealError(() => ring.open(bad, 'c'));
      expect(err.reason).toBe(at === 0 ? 'malformed' : 'tampered');
      expect(err.message).not.toContain('Nguy');
    }
    expect(sealError(() => ring.open(sealed.subarray(0, sealed.length - 1), 'c')).reason).toBe('tampered');
    expect(sealError(() => ring.open(sealed.subarray(0, 10), 'c')).reason).toBe('malformed');
  });

  it('refuses a value moved to another row (its context is authenticated)', () => {
    const ring = new DataKeyring([keyA]);
    const sealed = ring.seal(PLAIN, 'submission_chunks/x/0');
    expect(sealError(() => ring.open(sealed, 'submission_chunks/x/1')).reason).toBe('tampered');
  });

  it('refuses a value sealed with a key it does not list, naming the key id and never returning garbage', () => {
    const sealed = new DataKeyring([keyB]).seal(PLAIN, 'c');
    const err = sealError(() => new DataKeyring([keyA]).open(sealed, 'c'));
    expect(err.reason).toBe('unknown-key');
    expect(err.message).toMatch(/data key 2, which DATA_KEYS does not list \(it lists 1\)/);
    // the same id with other key bytes: authentication fails
    expect(sealError(() => new DataKeyring([{ id: 2, key: randomBytes(32) }]).open(sealed, 'c')).reason).toBe('tampered');
  });

  it('rotates: values sealed with A open after B becomes current with A still listed; new values use B', () => {
    const oldRing = new DataKeyring([keyA]);
    const old = oldRing.seal(PLAIN, 'c');
    const rotated = new DataKeyring([keyB, keyA]);
    expect(rotated.currentId).toBe(2);
    expect(rotated.open(old, 'c')).toEqual(PLAIN);
    const fresh = rotated.seal(PLAIN, 'c');
    expect(DataKeyring.keyIdOf(fresh)).toBe(2);
    expect(sealError(() => oldRing.open(fresh, 'c')).reason).toBe('unknown-key');
    const retired = new DataKeyring([keyB]);
    expect(retired.open(fresh, 'c')).toEqual(PLAIN);
    expect(sealError(() => retired.open(old, 'c')).reason).toBe('unknown-key');
  });
});

describe('DATA_KEYS', () => {
  it('parses the current key first and generates valid entries', () => {
    const spec = `${newDataKeySpec(7)},${newDataKeySpec(3)}`;
    const keys = parseDataKeys(spec);
    expect(keys.map((k) => k.id)).toEqual([7, 3]);
    expect(keys.every((k) => k.key.length === 32)).toBe(true);
    expect(new DataKeyring(keys).currentId).toBe(7);
  });

  it.each([
    ['', /empty/],
    ['abc', /entry 1 is not id:base64key/],
    [`1:${randomBytes(16).toString('base64')}`, /entry 1 is not id:base64key/],
    [`256:${randomBytes(32).toString('base64')}`, /outside 1–255/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseDataKeys(spec)).toThrow(message);
  });

  it('keeps the demo key apart from operator keys (id 0)', () => {
    expect(DEMO_DATA_KEY.id).toBe(0);
    expect(DEMO_DATA_KEY.key.length).toBe(32);
  });
});

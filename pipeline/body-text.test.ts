import { describe, expect, it } from 'vitest';
import { Utf8BodyDecoder } from './body-text.js';

/** Decode `bytes` cut into pieces at `cuts`; returns the text or the error. */
function decode(bytes: Buffer, cuts: number[]): string | { status: number; message: string } {
  const d = new Utf8BodyDecoder();
  let text = '';
  let at = 0;
  try {
    for (const cut of [...cuts, bytes.length]) {
      text += d.decode(bytes.subarray(at, cut));
      at = cut;
    }
    return text + d.end();
  } catch (err) {
    return { status: (err as { status: number }).status, message: (err as Error).message };
  }
}

describe('Utf8BodyDecoder', () => {
  const body = Buffer.from('\uFEFF<A>NGUYỄN</A>', 'utf8');

  it('decodes a character split between chunks at any cut, dropping the BOM', () => {
    for (let cut = 0; cut <= body.length; cut++) expect(decode(body, [cut])).toBe('<A>NGUYỄN</A>');
  });

  it('refuses a Latin-1 byte with 400 at its offset in the whole body, wherever the chunks are cut', () => {
    const bad = Buffer.concat([body, Buffer.from([0xea]), Buffer.from('<B/>')]);
    for (const cut of [0, 5, body.length - 1, body.length, body.length + 1]) {
      expect(decode(bad, [cut])).toEqual({ status: 400, message: expect.stringContaining(`byte offset ${body.length}`) });
    }
  });

  it('refuses a body that ends inside a character, and a UTF-16 body with 415', () => {
    expect(decode(body.subarray(0, body.length - 6), [])).toMatchObject({ status: 400 });
    expect(decode(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<A/>', 'utf16le')]), [])).toMatchObject({ status: 415, message: expect.stringMatching(/UTF-16LE/) });
  });
});

import { describe, expect, it } from 'vitest';
import { frame, MllpFramer, type MllpEvent } from './framer.js';

const feed = (framer: MllpFramer, ...reads: Array<string | Buffer>): MllpEvent[] =>
  reads.flatMap((r) => framer.push(typeof r === 'string' ? Buffer.from(r, 'latin1') : r));
const texts = (events: MllpEvent[]) => events.map((e) => (e.kind === 'frame' ? e.payload.toString('utf8') : e.kind));

describe('MLLP framer (0x0B … 0x1C 0x0D)', () => {
  it('reads one frame, several frames in one read, and a frame split across every byte', () => {
    expect(texts(feed(new MllpFramer(100), '\x0bMSH|a\r\x1c\r'))).toEqual(['MSH|a\r']);
    expect(texts(feed(new MllpFramer(100), '\x0bA\x1c\r\x0bB\x1c\r'))).toEqual(['A', 'B']);
    const whole = Buffer.concat([frame('MSH|Nguyễn'), frame('MSH|2')]);
    const framer = new MllpFramer(100);
    const events = [...whole].flatMap((b) => framer.push(Buffer.from([b])));
    expect(texts(events)).toEqual(['MSH|Nguyễn', 'MSH|2']);
  });

  it('skips bytes outside frames, reporting non-whitespace as garbage, then reads the next frame', () => {
    expect(texts(feed(new MllpFramer(100), 'GET / HTTP/1.1\r\n'))).toEqual(['garbage']);
    expect(texts(feed(new MllpFramer(100), '\r\n  \x0bA\x1c\r'))).toEqual(['A']);
    expect(texts(feed(new MllpFramer(100), 'xx\x0bA\x1c\r'))).toEqual(['garbage', 'A']);
  });

  it('discards a frame over the limit once, without buffering it, and goes on', () => {
    const framer = new MllpFramer(10);
    const events = feed(framer, `\x0b${'x'.repeat(8)}`, `${'x'.repeat(8)}\x1c\r`, '\x0bok\x1c\r');
    expect(events[0]).toEqual({ kind: 'oversize', bytes: 16 });
    expect(texts(events.slice(1))).toEqual(['ok']);
  });

  it('tolerates a missing CR after FS and drops a partial frame at the end of the connection', () => {
    expect(texts(feed(new MllpFramer(100), '\x0bA\x1c\x0bB\x1c\r'))).toEqual(['A', 'B']);
    const framer = new MllpFramer(100);
    expect(feed(framer, '\x0bpartial')).toEqual([]);
    expect(framer.end()).toEqual([]);
  });
});

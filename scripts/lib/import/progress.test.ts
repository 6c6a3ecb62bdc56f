import { describe, expect, it } from 'vitest';
import { etaMs, formatClock, formatFileLine, formatProgressLine, ImportProgress } from './progress.js';

describe('progress', () => {
  it('draws bar, files, records, rate and ETA from the bytes sent', () => {
    expect(formatProgressLine({ filesDone: 12, filesTotal: 40, records: 3456, bytesSent: 500, bytesAnswered: 0, bytesTotal: 1000, elapsedMs: 4256 }))
      .toBe('[#####-----] 12/40 files · 3,456 records · 812 rec/s · ETA 0:04');
    expect(formatProgressLine({ filesDone: 0, filesTotal: 3, records: 0, bytesSent: 0, bytesAnswered: 0, bytesTotal: 1000, elapsedMs: 0 }))
      .toBe('[----------] 0/3 files · 0 records · 0 rec/s · ETA --:--');
  });

  it('formats clocks and estimates time left', () => {
    expect([formatClock(42_000), formatClock(62_000), formatClock(3_723_000), formatClock(undefined)]).toEqual(['0:42', '1:02', '1:02:03', '--:--']);
    expect(etaMs({ bytesSent: 250, bytesAnswered: 0, bytesTotal: 1000, elapsedMs: 10_000 })).toBe(30_000);
    // Everything uploaded, a quarter answered: the gateway's pace decides.
    expect(etaMs({ bytesSent: 1000, bytesAnswered: 250, bytesTotal: 1000, elapsedMs: 10_000 })).toBe(30_000);
    expect(etaMs({ bytesSent: 0, bytesAnswered: 0, bytesTotal: 1000, elapsedMs: 10_000 })).toBeUndefined();
  });

  it('writes one line per finished file when not a terminal', () => {
    const lines: string[] = [];
    const p = new ImportProgress({ write: (t: string) => lines.push(t), isTTY: false }, 2, 300, () => 0);
    p.start();
    p.sent('/a', 100);
    p.finished('/a', 100, { status: 'sent', file: 'a.xml', format: 'qd130', facility: '46001', accepted: 2, rejected: [{ key: 'K', category: 'SCHEMA' }] });
    p.finished('/b', 200, { status: 'failed', file: 'b.hl7', format: 'hl7v2', reason: 'HTTP 403: x' });
    p.stop();
    expect(lines).toEqual(['[1/2] a.xml: 46001 · 3 records, 2 accepted, 1 rejected\n', '[2/2] b.hl7: failed, HTTP 403: x\n']);
  });

  it('redraws one line on a terminal and counts a retried file from zero', () => {
    const out: string[] = [];
    let now = 0;
    const p = new ImportProgress({ write: (t: string) => out.push(t), isTTY: true }, 1, 1000, () => now);
    p.start();
    p.sent('/a', 600);
    p.restarted('/a');
    p.sent('/a', 200);
    now = 1000;
    expect(p.state()).toMatchObject({ bytesSent: 200, elapsedMs: 1000 });
    p.finished('/a', 1000, { status: 'skipped', file: 'a', reason: 'x' });
    p.stop();
    expect(out.every((t) => t.startsWith('\r\x1b[K'))).toBe(true);
    expect(out.at(-1)).toBe('\r\x1b[K[##########] 1/1 files · 0 records · 0 rec/s · ETA 0:00\n');
  });

  it('a file line shows counts and codes only', () => {
    expect(formatFileLine({ status: 'skipped', file: 'n.txt', reason: 'unknown format (.txt)' }, 3, 9)).toBe('[3/9] n.txt: skipped, unknown format (.txt)');
  });
});

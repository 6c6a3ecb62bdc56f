/**
 * Progress of an import on stderr: on a terminal one line redrawn in place
 * (`[#####-----] 12/40 files · 3,456 records · 812 rec/s · ETA 0:42`: the bar is the bytes sent, the
 * ETA from bytes sent and answered over the total bytes),
 * elsewhere (a log file, CI) one line per finished file. Only file names, facility codes, counts and
 * categories are written, never a record's content.
 */
import { grouped, type FileOutcome } from './summary.js';

/** What the progress line shows. */
export interface ProgressState {
  filesDone: number;
  filesTotal: number;
  records: number;
  bytesSent: number;
  /** Bytes of the files the gateway has answered (sent and processed). */
  bytesAnswered: number;
  bytesTotal: number;
  elapsedMs: number;
}

/** A duration as `m:ss` or `h:mm:ss`; `--:--` when unknown. */
export function formatClock(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Time to bring `done` of `total` bytes to the end at the rate so far; undefined before the first byte. */
function bytesEta(done: number, total: number, elapsedMs: number): number | undefined {
  if (done <= 0 || elapsedMs <= 0) return undefined;
  return Math.max(0, total - done) / (done / elapsedMs);
}

/**
 * Time left, from bytes over total bytes: the larger of the upload estimate (bytes sent) and,
 * once a file is answered, the estimate from the answered files' bytes, which includes the
 * gateway's work after an upload (an upload ends well before its answer).
 */
export function etaMs(s: Pick<ProgressState, 'bytesSent' | 'bytesAnswered' | 'bytesTotal' | 'elapsedMs'>): number | undefined {
  const upload = bytesEta(s.bytesSent, s.bytesTotal, s.elapsedMs);
  const answered = bytesEta(s.bytesAnswered, s.bytesTotal, s.elapsedMs);
  if (upload === undefined) return answered;
  return answered === undefined ? upload : Math.max(upload, answered);
}

/** A bar of `width` cells, `#` for the done fraction. */
export function progressBar(fraction: number, width = 10): string {
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(done)}${'-'.repeat(width - done)}]`;
}

/** The terminal progress line. */
export function formatProgressLine(s: ProgressState): string {
  const fraction = s.bytesTotal > 0 ? s.bytesSent / s.bytesTotal : s.filesTotal > 0 ? s.filesDone / s.filesTotal : 1;
  const rate = s.elapsedMs > 0 ? Math.round(s.records / (s.elapsedMs / 1000)) : 0;
  return `${progressBar(fraction)} ${s.filesDone}/${s.filesTotal} files · ${grouped(s.records)} records · ${grouped(rate)} rec/s · ETA ${formatClock(etaMs(s))}`;
}

/** The line of one finished file when stderr is not a terminal. */
export function formatFileLine(outcome: FileOutcome, n: number, total: number): string {
  const head = `[${n}/${total}] ${outcome.file}`;
  if (outcome.status === 'skipped') return `${head}: skipped, ${outcome.reason}`;
  if (outcome.status === 'failed') return `${head}: failed, ${outcome.reason}`;
  const rejected = outcome.rejected.length;
  return `${head}: ${outcome.facility} · ${grouped(outcome.accepted + rejected)} records, ${grouped(outcome.accepted)} accepted, ${grouped(rejected)} rejected`;
}

/** Where progress goes: a stream, a terminal when `isTTY`. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Follows the sends of an import and draws their progress. */
export class ImportProgress {
  private readonly startedAt: number;
  private filesDone = 0;
  private records = 0;
  private bytesDone = 0;
  private readonly inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: ProgressSink,
    private readonly filesTotal: number,
    private readonly bytesTotal: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** Start redrawing (a terminal: every 200 ms). */
  start(): void {
    if (!this.sink.isTTY) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), 200);
    this.timer.unref();
  }

  /** `n` more bytes of `file` sent. */
  sent(file: string, n: number): void {
    this.inFlight.set(file, (this.inFlight.get(file) ?? 0) + n);
  }

  /** `file` is sent again from its start. */
  restarted(file: string): void {
    this.inFlight.set(file, 0);
  }

  /** `file` (of `size` bytes) is done with `outcome`. */
  finished(file: string, size: number, outcome: FileOutcome): void {
    this.inFlight.delete(file);
    this.bytesDone += size;
    this.filesDone += 1;
    if (outcome.status === 'sent') this.records += outcome.accepted + outcome.rejected.length;
    if (this.sink.isTTY) this.draw();
    else this.sink.write(`${formatFileLine(outcome, this.filesDone, this.filesTotal)}\n`);
  }

  /** A note between progress lines (a retry, a stop). */
  note(text: string): void {
    this.sink.write(this.sink.isTTY ? `\r\x1b[K${text}\n` : `${text}\n`);
    if (this.sink.isTTY) this.draw();
  }

  /** Stop redrawing; on a terminal the last state stays on its own line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.sink.isTTY) this.sink.write(`\r\x1b[K${formatProgressLine(this.state())}\n`);
  }

  /** The numbers the line shows now. */
  state(): ProgressState {
    let bytesSent = this.bytesDone;
    for (const n of this.inFlight.values()) bytesSent += n;
    return {
      filesDone: this.filesDone, filesTotal: this.filesTotal, records: this.records,
      bytesSent: Math.min(bytesSent, this.bytesTotal), bytesAnswered: this.bytesDone, bytesTotal: this.bytesTotal, elapsedMs: this.now() - this.startedAt,
    };
  }

  private draw(): void {
    this.sink.write(`\r\x1b[K${formatProgressLine(this.state())}`);
  }
}

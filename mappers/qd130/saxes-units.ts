/** What saxes is buffering at the current position: each of these is held whole until it ends. */
export type Unit = 'text' | 'open' | 'tag' | 'comment' | 'cdata' | 'pi' | 'decl';
const TERMINATOR = { comment: '-->', cdata: ']]>', pi: '?>' } as const;
/** After `<!`: the markup these openers start (XML 1.0 §2.5 comments, §2.7 CDATA, §2.8 DOCTYPE). */
const OPENERS: Array<[string, Unit]> = [['!--', 'comment'], ['![CDATA[', 'cdata'], ['!DOCTYPE', 'decl']];

/**
 * Follows a document piece by piece through the units saxes holds whole in memory (text, a tag,
 * a comment, CDATA, a processing instruction, a DOCTYPE), so a reader can refuse a unit past its
 * limit before saxes buffers it. Cheap: one indexOf per markup boundary.
 */
export class SaxesUnitMeter {
  /** The unit open at the current position, and how many characters of it were seen so far. */
  unit: Unit = 'text';
  unitChars = 0;
  private opening = '';
  private unitTail = '';
  private declBrackets = 0;
  private declQuote = '';

  /**
   * Follow `s` through the units saxes buffers (cheap: one indexOf per markup boundary); returns how
   * many of its characters belong to the unit that was open when `s` began.
   */
  scan(s: string): number {
    let head = -1;
    let pos = 0;
    const endAt = (end: number, next: Unit) => {
      if (head < 0) head = end;
      this.unit = next;
      this.unitChars = next === 'open' ? 1 : 0;
      this.opening = '';
      this.unitTail = '';
      pos = next === 'open' ? end + 1 : end;
    };
    while (pos < s.length) {
      const u = this.unit;
      if (u === 'text' || u === 'tag') {
        const i = s.indexOf(u === 'text' ? '<' : '>', pos);
        if (i < 0) break;
        this.unitChars += i - pos;
        if (u === 'text') endAt(i, 'open');
        else endAt(i + 1, 'text');
      } else if (u === 'open') {
        const c = s[pos]!;
        if (this.opening === '' && c !== '!' && c !== '?') {
          this.unit = 'tag'; // an element tag, by far the most common case
          continue;
        }
        pos += 1;
        this.unitChars += 1;
        const op = (this.opening += c);
        const match = OPENERS.find(([o]) => o === op);
        if (match) this.unit = match[1];
        else if (op === '?') this.unit = 'pi';
        else if (!OPENERS.some(([o]) => o.startsWith(op))) this.unit = 'tag'; // saxes reports junk after `<!`
        this.declBrackets = 0;
        this.declQuote = '';
      } else if (u === 'decl') {
        const end = this.scanDecl(s, pos);
        if (end < 0) break;
        this.unitChars += end - pos;
        endAt(end, 'text');
      } else {
        const term = TERMINATOR[u];
        const end = findTerminator(this.unitTail, s, pos, term);
        if (end < 0) {
          this.unitTail = (this.unitTail + s.slice(Math.max(pos, s.length - term.length + 1))).slice(1 - term.length);
          break;
        }
        this.unitChars += end - pos;
        endAt(end, 'text');
      }
    }
    if (pos < s.length) this.unitChars += s.length - pos;
    return head < 0 ? s.length : head;
  }

  /** End (exclusive) of a DOCTYPE declaration in `s`, skipping quoted literals and the internal subset; -1 if not in `s`. */
  private scanDecl(s: string, from: number): number {
    for (let i = from; i < s.length; i++) {
      const c = s[i]!;
      if (this.declQuote) {
        if (c === this.declQuote) this.declQuote = '';
      } else if (c === '"' || c === "'") this.declQuote = c;
      else if (c === '[') this.declBrackets += 1;
      else if (c === ']') this.declBrackets -= 1;
      else if (c === '>' && this.declBrackets <= 0) return i + 1;
    }
    return -1;
  }
}

/** End (exclusive) of `term` searched from `pos`, including a `term` split between the previous piece (`tail`) and `s`. */
function findTerminator(tail: string, s: string, pos: number, term: string): number {
  if (pos === 0) {
    for (let k = Math.min(tail.length, term.length - 1); k >= 1; k--) {
      if (tail.endsWith(term.slice(0, k)) && s.startsWith(term.slice(k))) return term.length - k;
    }
  }
  const i = s.indexOf(term, pos);
  return i < 0 ? -1 : i + term.length;
}

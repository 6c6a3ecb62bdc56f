/**
 * The facility of a CSV file as far as its start shows: the `facility_code` column (an admin key
 * must send it; docs/formats/csv.md). The gateway's JSON answer names no facility for such a file,
 * so the summary counts its records under this one. Pure.
 */

/**
 * Cells of the rows in `text` (RFC 4180 quotes). A last row without a line break is kept only
 * when `complete` (the text is the whole file, not a start cut off anywhere).
 */
export function csvRows(text: string, delimiter: string, complete = false): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') cell += text[++i];
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      rows.push([...row, cell]);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (complete && !quoted && (cell || row.length)) rows.push([...row, cell]);
  return rows;
}

/** The separator: Excel's `sep=X` first line, else `;` when the header has more of them than `,`. */
function delimiterOf(firstLine: string): { delimiter: string; sepLine: boolean } {
  const sep = /^sep=(.)$/i.exec(firstLine);
  if (sep) return { delimiter: sep[1]!, sepLine: true };
  const count = (ch: string) => firstLine.split(ch).length - 1;
  return { delimiter: count(';') > count(',') ? ';' : ',', sepLine: false };
}

/**
 * The one `facility_code` of the data rows in `text` (the file's start, BOM removed; `complete`
 * when it is the whole file), or undefined when there is no such column, no data row, or the rows
 * name more than one facility.
 */
export function csvFacilityOf(text: string, complete = false): string | undefined {
  const firstLine = /^[^\r\n]*/.exec(text)![0];
  const { delimiter, sepLine } = delimiterOf(firstLine);
  const rows = csvRows(sepLine ? text.slice(firstLine.length).replace(/^\r?\n/, '') : text, delimiter, complete);
  const column = rows[0]?.findIndex((h) => h.trim().toLowerCase() === 'facility_code') ?? -1;
  if (column < 0) return undefined;
  const codes = new Set(rows.slice(1).map((r) => r[column]?.trim()).filter((v): v is string => !!v));
  return codes.size === 1 ? [...codes][0] : undefined;
}

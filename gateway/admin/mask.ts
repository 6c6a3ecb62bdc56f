/**
 * What the dashboard shows of personal data: never a full name or a full CCCD (docs/dashboard.md).
 * The error exports (files for the facility to correct its records) keep them, as the API's do.
 */

/** Initials only: "Nguyễn Thị Hồng Nhung" → "N. T. H. N.". */
export function maskName(name: string | null | undefined): string {
  if (!name) return '';
  return name.trim().split(/\s+/).map((w) => `${Array.from(w)[0]!.toLocaleUpperCase('vi')}.`).join(' ');
}

/** The province code and the last two characters only: "001190123456" → "001•••••••56". */
export function maskId(id: string | null | undefined): string {
  if (!id) return '';
  const chars = Array.from(id);
  if (chars.length < 6) return '•'.repeat(chars.length);
  return chars.slice(0, 3).join('') + '•'.repeat(chars.length - 5) + chars.slice(-2).join('');
}

/** Any 9- or 12-digit run (a CMND or CCCD) inside free text, such as a record key or a message, masked. */
export function maskIdsInText(text: string): string {
  return text.replace(/(?<!\d)(\d{12}|\d{9})(?!\d)/g, (m) => maskId(m));
}

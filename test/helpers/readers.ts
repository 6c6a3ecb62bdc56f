import { isMappingError, type MappingError } from '../../mappers/errors.js';

/** Feed `text` to a streaming reader cut at `pieces` (offsets), then end it: readers must not care where chunks end. */
export function feedInPieces(reader: { write(chunk: string): void; end(): void }, text: string, pieces: readonly number[] = []): void {
  let at = 0;
  for (const cut of [...pieces, text.length]) {
    reader.write(text.slice(at, cut));
    at = cut;
  }
  reader.end();
}

/** The MappingError `fn` throws (any other error is rethrown; not throwing fails the test). */
export function mappingRefusal(fn: () => unknown): MappingError {
  try {
    fn();
  } catch (err) {
    if (isMappingError(err)) return err;
    throw err;
  }
  throw new Error('expected a MappingError');
}

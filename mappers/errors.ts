/**
 * Input that cannot be read at all (bad XML, bad base64): the whole submission is refused with 400
 * and an OperationOutcome whose `expression` says where (`HOSO[3]/FILEHOSO[1]/NOIDUNGFILE`);
 * `too-costly` is 413 and `not-supported` (an encoding other than UTF-8 declared) is 415.
 */
export class MappingError extends Error {
  override name = 'MappingError' as const;
  constructor(
    message: string,
    readonly location: string,
    readonly code: 'structure' | 'invalid' | 'security' | 'too-costly' | 'not-supported' = 'structure',
  ) {
    super(message);
  }
}

/** Type guard that works across module copies. */
export function isMappingError(err: unknown): err is MappingError {
  return err instanceof Error && err.name === 'MappingError';
}

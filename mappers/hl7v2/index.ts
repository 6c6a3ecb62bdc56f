import type { FormatMapper } from '../contract.js';
import { MappingError } from '../errors.js';
import { hl7AckAnswer } from './ack.js';
import { mapHl7Message } from './map-message.js';
import { Hl7BodyReader, type Hl7MessageItem } from './reader.js';

export { hl7AckAnswer, renderAck, errorLocation, ER7_CONTENT_TYPE } from './ack.js';
export { mapHl7Message, type Hl7Payload } from './map-message.js';
export { Hl7BodyReader, type Hl7MessageItem } from './reader.js';

/**
 * HL7 v2 ER7 messages, `POST /ingest/hl7v2`: ADT^A01/A03/A04/A08 and VXU^V04 (v2.3–2.5.1), one or
 * more per body, batches (FHS/BHS) allowed; answered with one ACK per message (docs/formats/hl7v2.md).
 */
export const hl7v2Format: FormatMapper<Hl7MessageItem> = {
  format: 'hl7v2',
  description: 'HL7 v2 ER7 messages (ADT^A01/A03/A04/A08, VXU^V04; v2.3–2.5.1), single or batched',
  contentTypes: /^(x-application\/hl7-v2\+er7|application\/hl7-v2|text\/plain)\s*(;|$)/i,
  createReader(onItem, limits) {
    const reader = new Hl7BodyReader(onItem, limits);
    return { write: (chunk) => reader.write(chunk), end: () => reader.end(), get header() { return reader.header; } };
  },
  mapItem: mapHl7Message,
  checkEnd(_header, itemCount) {
    if (itemCount === 0) throw new MappingError('the body holds no HL7 v2 message (no MSH segment)', 'MSH');
  },
  goldenDir: 'test/golden/hl7v2',
  answer: hl7AckAnswer,
};

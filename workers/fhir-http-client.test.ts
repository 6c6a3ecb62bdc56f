import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpEhrClient } from './fhir-http-client.js';

/** A stand-in external FHIR server on loopback that records the headers of every request. */
describe('createHttpEhrClient credentials', () => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
    });
  });
  let baseUrl = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const bundle = { resourceType: 'Bundle' as const, type: 'transaction' as const, entry: [] };

  it('sends no Authorization header when no EHR_API_KEY is configured', async () => {
    seen.length = 0;
    await createHttpEhrClient({ baseUrl, timeoutMs: 2000 }).transaction(bundle);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBeUndefined();
    expect(seen[0]!['x-api-key']).toBeUndefined();
  });

  it('sends exactly the configured EHR_API_KEY as a Bearer token', async () => {
    seen.length = 0;
    await createHttpEhrClient({ baseUrl, apiKey: 'external-secret', timeoutMs: 2000 }).transaction(bundle);
    expect(seen[0]!.authorization).toBe('Bearer external-secret');
  });
});

import { createServer, type Server } from 'node:http';

/** Modes of the proxy: pass through, answer 503/429, or hang until the client times out. */
export type FlakyMode = 'up' | '503' | '429' | 'hang' | 'refuse';

/**
 * A real HTTP server in front of the gateway's own /fhir store that can be switched to fail,
 * standing in for a province EHR that goes down and comes back. `credential` is the built-in store's
 * linker key the proxy presents upstream (the province EHR's own credential stays with the proxy).
 */
export async function startFlakyEhr(target: () => string, credential: () => string | undefined = () => undefined): Promise<{ url: string; mode: FlakyMode; calls: number; close: () => Promise<void> }> {
  const state = { mode: 'up' as FlakyMode, calls: 0 };
  const server: Server = createServer(async (req, res) => {
    state.calls += 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (state.mode === 'hang') return; // never answers; the client's timeout fires
    if (state.mode === 'refuse') return req.socket.destroy();
    if (state.mode === '503' || state.mode === '429') {
      res.writeHead(Number(state.mode), { 'content-type': 'application/fhir+json', ...(state.mode === '429' ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: `EHR ${state.mode}` }] }));
      return;
    }
    const upstream = await fetch(`${target()}${req.url}`, {
      method: req.method!,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/fhir+json', authorization: credential() ? `Bearer ${credential()}` : req.headers.authorization ?? '' },
      ...(req.method === 'GET' ? {} : { body: Buffer.concat(chunks) }),
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/fhir+json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/fhir`,
    get mode() { return state.mode; },
    set mode(m: FlakyMode) { state.mode = m; },
    get calls() { return state.calls; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

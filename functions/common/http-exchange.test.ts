import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exchange, HttpTimeoutError } from './http-exchange';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let handler: Handler;
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (body?: string, timeoutMs = 5000) =>
  exchange(`${url}/chat/sessions/s-1/send`, {
    method: 'POST',
    headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' },
    body,
    timeoutMs,
  });

test('sends the method, headers and body; answers the status, headers and the whole body', async () => {
  handler = (req, res, body) => {
    res.writeHead(201, { 'Content-Type': 'application/json', 'Retry-After': '3' });
    res.end(JSON.stringify({ method: req.method, path: req.url, auth: req.headers.authorization, body }));
  };
  const answer = await post('{"text":"héllo"}');
  expect(answer.status).toBe(201);
  expect(answer.headers['retry-after']).toBe('3');
  expect(JSON.parse(answer.text)).toEqual({
    method: 'POST',
    path: '/chat/sessions/s-1/send',
    auth: 'Bearer k',
    body: '{"text":"héllo"}',
  });
});

test('one kept-alive connection serves requests one after another', async () => {
  const ports: (number | undefined)[] = [];
  handler = (req, res) => {
    ports.push(req.socket.remotePort);
    res.end('{}');
  };
  await post();
  await post();
  await post();
  expect(ports).toHaveLength(3);
  expect(new Set(ports).size).toBe(1);
});

test('an answer cut off mid-body is a failure, not a short body', async () => {
  handler = (_req, res) => {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('{"partial":');
    setTimeout(() => res.socket?.destroy(), 20);
  };
  await expect(post()).rejects.toThrow();
});

test('no answer in time: a TimeoutError, and the connection is given up', async () => {
  let closed: Promise<void> = Promise.resolve();
  handler = (req) => {
    closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
  };
  const failure = await post(undefined, 100).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(HttpTimeoutError);
  expect(failure).toMatchObject({ name: 'TimeoutError', message: 'timed out after 100 ms', requestSent: true });
  await closed;
});

test('a request still being written when time runs out is not reported as sent', async () => {
  // This server never reads a body, so 64 MiB cannot leave the kernel's buffers.
  const stalled = http.createServer((req) => req.socket.pause());
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  const port = (stalled.address() as AddressInfo).port;
  const failure = await exchange(`http://127.0.0.1:${port}/chat/sessions/s-1/send`, {
    method: 'POST',
    headers: {},
    body: 'x'.repeat(64 * 1024 * 1024),
    timeoutMs: 100,
  }).catch((error: unknown) => error);
  stalled.closeAllConnections();
  await new Promise((resolve) => stalled.close(resolve));
  expect(failure).toBeInstanceOf(HttpTimeoutError);
  expect(failure).toMatchObject({ requestSent: false });
});

test('a refused connection keeps the code that says the request never left', async () => {
  const closedServer = http.createServer();
  await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
  const port = (closedServer.address() as AddressInfo).port;
  await new Promise((resolve) => closedServer.close(resolve));
  await expect(
    exchange(`http://127.0.0.1:${port}/org`, { method: 'GET', headers: {}, timeoutMs: 2000 }),
  ).rejects.toMatchObject({
    code: 'ECONNREFUSED',
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { HttpConnections } from './http-connections.js';

/** A TCP server answering each request (head + Content-Length body read whole) with `answer(request, n)`. */
async function rawServer(answer: (req: { head: string; body: Buffer }, n: number, socket: Socket) => string | Buffer | undefined): Promise<{ url: string; server: Server; connections: () => number }> {
  let n = 0;
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let buf = Buffer.alloc(0);
    socket.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        const out = answer({ head, body }, n++, socket);
        if (out !== undefined) socket.write(out);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, connections: () => connections };
}

test('a Content-Length answer, headers in lower case, the connection kept for the next request', async () => {
  const s = await rawServer(({ body }) => `HTTP/1.1 200 OK\r\nX-Thing: a\r\nx-thing: b\r\nContent-Length: ${body.length + 2}\r\n\r\n[${body.toString()}]`);
  const c = new HttpConnections(s.url);
  try {
    const a = await c.request('PUT', '/x', { host: 'h', 'content-length': '5' }, Buffer.from('hello'));
    assert.equal(a.status, 200);
    assert.equal(a.headers['x-thing'], 'a, b');
    assert.equal(a.body.toString(), '[hello]');
    const b = await c.request('GET', '/y', { host: 'h' });
    assert.equal(b.body.toString(), '[]');
    assert.equal(s.connections(), 1);
  } finally {
    c.close();
    s.server.close();
  }
});

test('a chunked answer split across writes, and Connection: close', async () => {
  const s = await rawServer((_req, _n, socket) => {
    socket.write('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhel');
    setTimeout(() => socket.end('lo\r\n3;ext=1\r\n, w\r\n0\r\nTrailer: t\r\n\r\n'), 20);
    return undefined;
  });
  const c = new HttpConnections(s.url);
  try {
    const a = await c.request('GET', '/', { host: 'h' });
    assert.equal(a.status, 404);
    assert.equal(a.body.toString(), 'hello, w');
    await c.request('GET', '/', { host: 'h' });
    assert.equal(s.connections(), 2); // the closed connection was not reused
  } finally {
    c.close();
    s.server.close();
  }
});

test('an answer read to the end of the connection (no length given)', async () => {
  const s = await rawServer((_req, _n, socket) => {
    socket.end('HTTP/1.0 200 OK\r\n\r\nall of it');
    return undefined;
  });
  const c = new HttpConnections(s.url);
  try {
    assert.equal((await c.request('GET', '/', { host: 'h' })).body.toString(), 'all of it');
  } finally {
    c.close();
    s.server.close();
  }
});

test('an idempotent request on a kept-alive connection the server closed is sent again once; a POST is not', async () => {
  const s = await rawServer(({ head }, n, socket) => {
    // the second request of each connection finds it closed (an idle timeout racing the request)
    if (n % 2 === 1) {
      socket.destroy();
      return undefined;
    }
    return `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${head.slice(0, 2)}`;
  });
  const c = new HttpConnections(s.url);
  try {
    assert.equal((await c.request('PUT', '/', { host: 'h' })).status, 200);
    assert.equal((await c.request('PUT', '/', { host: 'h' })).body.toString(), 'PU'); // retried on a new connection
    assert.equal(s.connections(), 2);
    await assert.rejects(c.request('POST', '/', { host: 'h' }), /closed/);
  } finally {
    c.close();
    s.server.close();
  }
});

test('refused connections, garbage and a connection cut mid-answer are errors', async () => {
  const c = new HttpConnections('http://127.0.0.1:1');
  await assert.rejects(c.request('GET', '/', { host: 'h' }), /ECONNREFUSED/);
  const garbage = await rawServer(() => 'SSH-2.0-OpenSSH\r\n\r\n');
  const g = new HttpConnections(garbage.url);
  await assert.rejects(g.request('GET', '/', { host: 'h' }), /not an HTTP\/1.x answer/);
  garbage.server.close();
  const cut = await rawServer((_req, _n, socket) => {
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    return undefined;
  });
  const k = new HttpConnections(cut.url);
  await assert.rejects(k.request('GET', '/', { host: 'h' }), /closed the connection/);
  cut.server.close();
});

test('talks to node:http, many requests in flight over several connections', async () => {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).length}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const c = new HttpConnections(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  try {
    const body = Buffer.alloc(512 * 1024, 7);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => c.request('PUT', `/b/${i}?q=1`, { host: 'h', 'content-length': String(body.length) }, body)));
    answers.forEach((a, i) => assert.equal(a.body.toString(), `PUT /b/${i}?q=1 ${body.length}`));
  } finally {
    c.close();
    server.close();
  }
});

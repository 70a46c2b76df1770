// k2's SPDY/3.1 framer, client and server in one process over a real TCP connection.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHeaderBlock, encodeHeaderBlock, spdy3Dictionary, SpdySession, type SpdyStream } from '../../apiserver/streaming/spdy.ts';
import { exitStatus, parseExecQuery, TerminalSizeQueue } from '../../apiserver/streaming/target.ts';
import { exitFromStatus } from '../../kubelet-bridge/streaming/cri-target.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function sessionPair(): Promise<{ client: SpdySession; server: SpdySession; serverSocket: net.Socket; clientSocket: net.Socket }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const clientSocket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const serverSocket = await accepted;
  cleanups.push(() => {
    clientSocket.destroy();
    serverSocket.destroy();
    server.close();
  });
  return { client: new SpdySession(clientSocket, { role: 'client' }), server: new SpdySession(serverSocket, { role: 'server' }), serverSocket, clientSocket };
}

const readAll = (stream: SpdyStream) =>
  new Promise<string>((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.on('end', () => resolve(text));
  });

describe('SPDY/3.1 framer', () => {
  it('builds the 1423-byte SPDY/3 header dictionary', () => {
    expect(spdy3Dictionary.length).toBe(1423);
    expect(spdy3Dictionary.subarray(0, 11)).toEqual(Buffer.from([0, 0, 0, 7, ...Buffer.from('options')]));
    expect(spdy3Dictionary.subarray(-6).toString()).toBe('enq=0.');
    // kubectl's real use of the dictionary is covered by kubectl-streaming.test.ts (it fails on any wrong byte).
  });

  it('encodes and decodes header blocks (names lower-cased, NUL-separated values joined)', () => {
    const block = encodeHeaderBlock({ StreamType: 'error', port: '80' });
    expect(decodeHeaderBlock(block)).toEqual({ streamtype: 'error', port: '80' });
    const twoValues = encodeHeaderBlock({ accept: 'a\0b' });
    expect(decodeHeaderBlock(twoValues)).toEqual({ accept: 'a,b' });
    expect(() => decodeHeaderBlock(block.subarray(0, 10))).toThrow(/truncated/);
  });

  it('opens streams with compressed headers, carries data both ways and half-closes', async () => {
    const { client, server } = await sessionPair();
    const received: SpdyStream[] = [];
    server.on('stream', (stream: SpdyStream) => {
      received.push(stream);
      void stream.reply();
      if (stream.headers['streamtype'] === 'stdin') {
        void readAll(stream).then((text) => stream.end(text.toUpperCase()));
      }
    });
    // several streams share one compression context; every header set must survive it
    const error = await client.openStream({ streamtype: 'error', requestid: '1' });
    const stdin = await client.openStream({ streamtype: 'stdin', requestid: '1' });
    expect(received.map((s) => [s.id, s.headers])).toEqual([
      [1, { streamtype: 'error', requestid: '1' }],
      [3, { streamtype: 'stdin', requestid: '1' }],
    ]);
    const echoed = readAll(stdin);
    stdin.write('hello ');
    stdin.end(Buffer.alloc(200_000, 'x'));
    expect(await echoed).toBe(`HELLO ${'X'.repeat(200_000)}`);
    error.end();
    await client.goAway(100);
  });

  it('parses frames that arrive one byte at a time', async () => {
    const { server, clientSocket } = await sessionPair();
    const helper = await sessionPair();
    // Produce real frames with a second pair, then replay them byte by byte into `server`.
    const frames: Buffer[] = [];
    helper.clientSocket.write = ((chunk: Buffer, cb?: (e?: Error) => void) => {
      frames.push(Buffer.from(chunk));
      cb?.();
      return true;
    }) as typeof helper.clientSocket.write;
    void helper.client.openStream({ streamtype: 'data', port: '8080' }).catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    const got = new Promise<Record<string, string>>((resolve) => server.on('stream', (s: SpdyStream) => resolve(s.headers)));
    for (const byte of Buffer.concat(frames)) clientSocket.write(Buffer.of(byte));
    expect(await got).toEqual({ streamtype: 'data', port: '8080' });
  });

  it('echoes the peer’s PING and resets streams it does not know', async () => {
    const { server, clientSocket, serverSocket } = await sessionPair();
    void server;
    const answer = new Promise<Buffer>((resolve) => clientSocket.once('data', resolve));
    // PING id 1 from the client (odd = the client's)
    clientSocket.write(Buffer.from([0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]));
    expect([...(await answer)]).toEqual([0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]);
    expect(serverSocket.destroyed).toBe(false);
  });
});

describe('remotecommand helpers', () => {
  it('builds the exit Status kubectl turns into an exit code, and reads it back', () => {
    const failed = exitStatus({ exitCode: 3 }, ['sh', '-c', 'exit 3']);
    expect(failed).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(exitFromStatus(JSON.stringify(failed))).toEqual({ exitCode: 3 });
    expect(exitFromStatus(JSON.stringify(exitStatus({ exitCode: 0 }, ['true'])))).toEqual({ exitCode: 0 });
    expect(exitFromStatus('')).toEqual({ exitCode: 0 });
    expect(() => exitFromStatus(JSON.stringify(exitStatus(new Error('no such container'), [])))).toThrow('no such container');
  });

  it('parses exec queries as kubectl sends them', () => {
    const query = new URLSearchParams('command=sh&command=-c&command=echo%20hi&container=web&stdin=true&stdout=true&tty=true&stderr=true');
    expect(parseExecQuery(query, 'exec')).toEqual({ container: 'web', command: ['sh', '-c', 'echo hi'], stdin: true, stdout: true, stderr: false, tty: true });
    expect(() => parseExecQuery(new URLSearchParams('stdout=true'), 'exec')).toThrow(/at least 1 command/);
    expect(() => parseExecQuery(new URLSearchParams('command=ls'), 'exec')).toThrow(/stdin, stdout, stderr/);
  });

  it('turns resize JSON (split or back to back) into terminal sizes', async () => {
    const queue = new TerminalSizeQueue();
    const feed = queue.parser();
    feed(Buffer.from('{"Width":80,"Hei'));
    feed(Buffer.from('ght":24}\n{"Width":100,"Height":30}'));
    queue.end();
    const sizes = [];
    for await (const size of queue) sizes.push(size);
    expect(sizes).toEqual([
      { width: 80, height: 24 },
      { width: 100, height: 30 },
    ]);
  });
});

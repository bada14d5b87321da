/**
 * Raw HTTP/1.1 exchanges over one socket: the exact bytes a server answers (status line,
 * headers in order and case, body framing), for comparing two servers byte for byte.
 */
import { connect, type Socket } from 'node:net';

/** One request as bytes (`\r\n` line ends), and whether it is a HEAD (no body in the answer). */
export interface RawRequest {
  text: string | Buffer;
  head?: boolean;
}

/** Where a response ends in `data`, or -1 while it is incomplete. */
function responseEnd(data: Buffer, head: boolean, closed: boolean): number {
  const split = data.indexOf('\r\n\r\n');
  if (split < 0) return -1;
  const headerText = data.subarray(0, split).toString('latin1');
  const start = split + 4;
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headerText)?.[1]);
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return start;
  const length = /\r\ncontent-length: *(\d+)/i.exec(headerText);
  if (length !== null) return data.length >= start + Number(length[1]) ? start + Number(length[1]) : -1;
  if (/\r\ntransfer-encoding: *chunked/i.test(headerText)) {
    let at = start;
    for (;;) {
      const lineEnd = data.indexOf('\r\n', at);
      if (lineEnd < 0) return -1;
      const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
      if (size === 0) return data.length >= lineEnd + 4 ? lineEnd + 4 : -1;
      at = lineEnd + 2 + size + 2;
      if (data.length < at) return -1;
    }
  }
  return closed ? data.length : -1;
}

/** A keep-alive connection sending requests one at a time and reading each answer whole. */
export class RawConnection {
  readonly #socket: Socket;
  #data = Buffer.alloc(0);
  #closed = false;
  #waiter: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#data = Buffer.concat([this.#data, chunk]);
      this.#waiter?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#waiter?.();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to a loopback port. */
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends bytes as they are (part of a request, or several). */
  write(bytes: string | Buffer): void {
    this.#socket.write(bytes);
  }

  /** Reads the next whole answer (bounded wait). */
  async read(head = false, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = responseEnd(this.#data, head, this.#closed);
      if (end >= 0) {
        const answer = this.#data.subarray(0, end).toString('latin1');
        this.#data = this.#data.subarray(end);
        return answer;
      }
      if (this.#closed) return `${this.#data.toString('latin1')}<closed>`;
      if (Date.now() > deadline) throw new Error(`no whole answer in ${timeoutMs} ms: ${JSON.stringify(this.#data.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
        setTimeout(resolve, 50);
      });
      this.#waiter = undefined;
    }
  }

  /** Sends one request and reads its answer. */
  async exchange(request: RawRequest): Promise<string> {
    this.write(request.text);
    return this.read(request.head === true);
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }
}

/** An answer with the `Date` header's value (the only part that varies) replaced. */
export function normalizeAnswer(answer: string): string {
  return answer.replace(/\r\nDate: [^\r]*/g, '\r\nDate: <date>');
}

/** A request's text: request line, headers (Host first unless given), body with its Content-Length. */
export function rawRequest(method: string, path: string, options: { headers?: [string, string][]; body?: string; host?: string | null; version?: string } = {}): string {
  const lines = [`${method} ${path} HTTP/${options.version ?? '1.1'}`];
  if (options.host !== null) lines.push(`Host: ${options.host ?? '127.0.0.1'}`);
  for (const [name, value] of options.headers ?? []) lines.push(`${name}: ${value}`);
  const body = options.body;
  if (body !== undefined && !(options.headers ?? []).some(([name]) => /^(content-length|transfer-encoding)$/i.test(name))) {
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

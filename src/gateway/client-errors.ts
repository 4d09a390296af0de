// Requests Node's HTTP parser refuses before any handler sees them (issue 12 §4): a request
// line or header section over the size limit, or bytes that are not HTTP. Node's own answer is
// a bodiless 431/400; here the client gets a well-formed AWS-style XML error instead (the EC2
// envelope, which every query-protocol SDK parses), and the connection is closed as Node would.
// AWS documents no answer for an over-long URL: 414 `RequestURITooLong` for a request line
// over the limit, 431 `RequestHeaderSectionTooLarge` for headers; anything else is 400
// `MalformedHttpRequestException`, AWS's common error for a request that is not valid HTTP.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The header section (request line included) a request may have: 64 KiB, four times Node's
 * default, so signed GET queries with a few hundred ids (EC2 accepts GET) are served.
 */
export const MAX_HEADER_SIZE = 64 * 1024;

const REASONS: Record<number, string> = { 400: 'Bad Request', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' };

interface ParserError extends Error {
  code?: string;
  /** the bytes the parser was working on when it failed */
  rawPacket?: Buffer;
}

/**
 * Whether the overflow is the request line's. `packet` is the chunk the parser failed in, not
 * the whole request: the line is the culprit when the chunk holds the request's start and its
 * first line is long, or when the chunk is the middle of a request line (no line end yet, or
 * its first line ends the way a request line does, with the HTTP version).
 */
function requestLineTooLong(packet: Buffer): boolean {
  const eol = packet.indexOf('\r\n');
  const first = packet.subarray(0, eol < 0 ? Math.min(packet.length, 256) : eol).toString('latin1');
  if (/^[A-Z]+ /.test(first) && eol >= 0) return eol > MAX_HEADER_SIZE / 2;
  return eol < 0 || / HTTP\/\d\.\d$/.test(packet.subarray(Math.max(0, eol - 16), eol).toString('latin1'));
}

function classify(err: ParserError): { status: number; code: string; message: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    if (requestLineTooLong(err.rawPacket ?? Buffer.alloc(0))) {
      return { status: 414, code: 'RequestURITooLong', message: `The request line is longer than ${MAX_HEADER_SIZE} bytes; send the parameters in a POST body instead.` };
    }
    return { status: 431, code: 'RequestHeaderSectionTooLarge', message: `The request's headers are larger than ${MAX_HEADER_SIZE} bytes.` };
  }
  return { status: 400, code: 'MalformedHttpRequestException', message: 'The request is not valid HTTP/1.1.' };
}

/** Answers the parser's refusals on `server` with an XML error and closes the connection. */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: ParserError, socket: Duplex) => {
    // a reset or timed-out client is gone; a socket mid-response cannot take a second one
    if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const { status, code, message } = classify(err);
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

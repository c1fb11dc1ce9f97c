// Requests Node's HTTP parser refuses before Fastify sees them (duplicate Content-Length, Content-Length with
// Transfer-Encoding, bad chunk sizes, bare CR or LF, oversized headers, slow headers) answered in OpenAI's envelope
// instead of Fastify's {"error":"Bad Request","message":"Client Error"}, then the socket is closed.
import type { Socket } from 'node:net';

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function statusFor(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

function bodyFor(status: number): string {
  if (status === 431) return JSON.stringify({ error: { message: 'The request headers are too large.', type: 'invalid_request_error', param: null, code: 'request_header_too_large' } });
  if (status === 408) return JSON.stringify({ error: { message: 'The request was not received in time.', type: 'invalid_request_error', param: null, code: 'request_timeout' } });
  return JSON.stringify({ error: { message: 'The request is not valid HTTP/1.1 (framing, headers or encoding).', type: 'invalid_request_error', param: null, code: 'malformed_http_request' } });
}

/** Fastify's clientErrorHandler: the parser's own error message is not echoed (it may quote the client's bytes). */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status = statusFor(err.code);
  const body = bodyFor(status);
  socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

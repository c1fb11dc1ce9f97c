// How the router hears that the client went away. An AbortSignal fits; the HTTP routes pass a ClientConnection
// (src/http/client-connection.ts), which costs no AbortSignal (an EventTarget) per request.

export interface ClientSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

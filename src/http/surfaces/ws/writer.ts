// A turn's messages onto a WebSocket, with backpressure: once more than HIGH_WATER bytes wait in the socket, the
// pump waits for that send to be flushed, so a reader that does not read stops the upstream being read (the
// buffer stays bounded by HIGH_WATER plus one message). A closed socket releases every wait.
import type { WebSocket } from 'ws';
import type { StreamWriter } from '../surface.js';

export const HIGH_WATER_BYTES = 64 * 1024;

export class WsWriter implements StreamWriter {
  constructor(private readonly socket: WebSocket) {}

  open(): void {}

  write(text: string): Promise<void> | undefined {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return undefined;
    if (socket.bufferedAmount + text.length <= HIGH_WATER_BYTES) {
      socket.send(text);
      return undefined;
    }
    return new Promise((resolve) => {
      const done = () => {
        socket.off('close', done);
        resolve();
      };
      socket.once('close', done);
      socket.send(text, done);
    });
  }

  /** The turn ends, the socket stays open for the next one. */
  end(trailer?: string): void {
    if (trailer && this.socket.readyState === this.socket.OPEN) this.socket.send(trailer);
  }
}

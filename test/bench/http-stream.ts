// Newline-delimited responses (watch streams): calls `onLine` for each complete line as it arrives.
import type { IncomingMessage } from 'node:http';

export function onLines(response: IncomingMessage, onLine: (line: string, receivedAt: number) => void): void {
  let buffer = '';
  response.on('data', (chunk: Buffer) => {
    const now = performance.now();
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      onLine(line, now);
    }
  });
}

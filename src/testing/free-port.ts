/**
 * A TCP port free on 127.0.0.1 now, for a child process or a peer that must be told its port before it
 * listens (Fusebox's site file, mosquitto's configuration). In-process servers listen on port 0 instead.
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

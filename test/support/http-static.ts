/** A static file server on 127.0.0.1 for tests: serves a directory as dnf's HTTP mirror would. */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface StaticServer {
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `root` (GET and HEAD, 404 for anything missing or outside it). */
export async function serveDirectory(root: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.push(path);
    const file = join(root, normalize(path));
    const st = file.startsWith(root) ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!st?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': st.size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

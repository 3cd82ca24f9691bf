/**
 * Closing the master without waiting on connections that carry no request. Fastify closes idle
 * keep-alive connections once, when it starts closing; two kinds outlive that and would hold the
 * close for a minute or more:
 * - a connection whose last response was still finishing then (a streamed download the client has
 *   read already): idle a moment later, kept for the whole keep-alive timeout (72 s);
 * - a connection a client opened but has sent no request on yet (HTTP clients open spare ones):
 *   Node's closeIdleConnections() does not count it as idle, and only the headers timeout (60 s,
 *   checked every 30 s) ends it.
 * While closing, every 50 ms, each connection without a request in progress is destroyed; those
 * with one are left to finish (or to be cut by their route, like the log streams).
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function closeQuietConnectionsWhileClosing(app: FastifyInstance): void {
  const sockets = new Set<Socket>();
  const inProgress = new WeakMap<Socket, number>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.server.on('request', (req, res) => {
    const socket = req.socket;
    inProgress.set(socket, (inProgress.get(socket) ?? 0) + 1);
    res.once('close', () => inProgress.set(socket, (inProgress.get(socket) ?? 1) - 1));
  });
  app.addHook('preClose', (done) => {
    const closeQuiet = (): void => {
      for (const socket of sockets) if (!inProgress.get(socket)) socket.destroy();
    };
    closeQuiet();
    const timer = setInterval(closeQuiet, 50);
    timer.unref();
    app.server.once('close', () => clearInterval(timer));
    done();
  });
}

/**
 * Taking the port before anything else: the master binds its address first, so that a busy port
 * is refused before the data directory, the database or the admin token is written. The
 * reservation is released just before the app listens on the same port.
 */
import { createServer, type AddressInfo } from 'node:net';
import { UsageError } from '../errors.ts';

/** A bound port, held until released. */
export interface PortReservation {
  /** The port (the one the system picked when 0 was asked for). */
  port: number;
  release(): Promise<void>;
}

/** The one-line refusal for an address the master cannot listen on. */
export function listenError(host: string, port: number, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' ? 'no such address here' : (e as Error).message;
  return new UsageError(`cannot listen on ${host}:${port}: ${why}`, { cause: e });
}

/** Binds `host:port`. @throws UsageError naming the address when it cannot be bound. */
export function reservePort(host: string, port: number): Promise<PortReservation> {
  const server = createServer();
  return new Promise((done, fail) => {
    server.once('error', (e) => fail(listenError(host, port, e)));
    server.listen({ host, port, exclusive: true }, () => {
      const bound = (server.address() as AddressInfo).port;
      done({ port: bound, release: () => new Promise<void>((closed) => server.close(() => closed())) });
    });
  });
}

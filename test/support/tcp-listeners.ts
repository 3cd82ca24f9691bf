/**
 * TCP listeners on the host for network-isolation tests: one on 127.0.0.1 and one on each of the
 * host's own non-loopback addresses (IPv4 and global IPv6; link-local ones need a scope and are
 * left out), each on a port of its own, counting who connects. A sandbox with its own network
 * reaches none of them; one sharing the host's network (or routed out through slirp/pasta, which
 * hide the host's loopback but not its other addresses) reaches some.
 */
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface Target {
  address: string;
  port: number;
}

export interface Listeners {
  targets: Target[];
  /**
   * The targets something connected to since the start or the last call, one entry a connection.
   * Connections the kernel completed while this process was busy (say, in spawnSync) are counted
   * too: it connects to each listener itself and waits for the answer first (a listening socket
   * accepts in order), then leaves its own connections out.
   */
  takeReached: () => Promise<string[]>;
  close: () => Promise<void>;
}

/** Connects to `t` and waits for its "hello". */
function greet(t: Target): Promise<void> {
  return new Promise((done, fail) => {
    let got = '';
    const c = connect(t.port, t.address);
    c.on('data', (d) => (got += d.toString()))
      .on('end', () => (got === 'hello\n' ? done() : fail(new Error(`${t.address} answered ${JSON.stringify(got)}`))))
      .on('error', fail);
  });
}

/** The host's own addresses: loopback IPv4 first, then every non-internal IPv4 and global IPv6. */
export function hostAddresses(): string[] {
  const others = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')))
    .map((a) => a.address);
  return ['127.0.0.1', ...others];
}

/** A listener on each of {@link hostAddresses}; each connection is counted and answered "hello". */
export async function startListeners(): Promise<Listeners> {
  let reached: string[] = [];
  const servers: Server[] = [];
  const targets: Target[] = [];
  try {
    for (const address of hostAddresses()) {
      const server = createServer((sock) => {
        reached.push(address);
        sock.on('error', () => undefined);
        sock.end('hello\n');
      });
      servers.push(server);
      await new Promise<void>((done, fail) => server.once('error', fail).listen(0, address, done));
      targets.push({ address, port: (server.address() as AddressInfo).port });
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
  return {
    targets,
    takeReached: async () => {
      await Promise.all(targets.map(greet));
      const seen = reached;
      reached = [];
      for (const t of targets) seen.splice(seen.lastIndexOf(t.address), 1);
      return seen;
    },
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done()))));
    },
  };
}

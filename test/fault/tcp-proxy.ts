/**
 * Fault-suite support (not a test file): a tiny TCP proxy (node:net) on 127.0.0.1 that can drop
 * every connection through it at once, as a network cut would.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export type TcpProxy = Readonly<{
  port: number;
  url: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Destroys every open connection (both sides); returns how many there were. */
  dropAll(): number;
  close(): Promise<void>;
}>;

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    dropAll: () => {
      const n = open.size / 2;
      // resetAndDestroy: an abrupt cut (RST), not a polite FIN.
      for (const s of [...open]) s.resetAndDestroy();
      open.clear();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...open]) s.destroy();
        open.clear();
        server.close(() => resolve());
      }),
  };
}

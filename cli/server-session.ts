/** One conversation with the server the data dir names: found, connected, and closed whatever happens. */
import { connectUi, type UiClient } from './connection.js';
import { dataDirOf, type CliContext } from './context.js';
import { discoverServer } from './discovery.js';

export async function withServer<T>(ctx: CliContext, fn: (client: UiClient, url: string) => Promise<T>): Promise<T> {
  const endpoint = discoverServer(dataDirOf(ctx));
  const client = await connectUi(endpoint);
  try {
    return await fn(client, endpoint.url);
  } finally {
    client.close();
  }
}

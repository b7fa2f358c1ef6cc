/**
 * Entry point of the embedded database's thread (see embedded-postgres.ts): PGlite and its wire-protocol server
 * run here, started from `workerData`, until the main thread asks them to stop.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  errorText,
  type DatabaseWorkerData,
  type FromDatabaseWorker,
  type ToDatabaseWorker,
} from './embedded-postgres.protocol.js';
import { servePglite } from './pglite-server.js';

function requirePort(): MessagePort {
  if (parentPort === null) throw new Error('embedded-postgres.worker must run in a worker thread.');
  return parentPort;
}

const port = requirePort();
const post = (message: FromDatabaseWorker): void => port.postMessage(message);

async function main({ pgdata, maxConnections }: DatabaseWorkerData): Promise<void> {
  const server = await servePglite(pgdata, maxConnections).catch((error: unknown) => {
    post({ type: 'failed', message: errorText(error) });
    return null;
  });
  if (server === null) return;
  port.on('message', (message: ToDatabaseWorker) => {
    switch (message.type) {
      case 'stop':
        server.close().then(
          () => post({ type: 'stopped' }),
          (error: unknown) => post({ type: 'failed', message: errorText(error) }),
        );
        return;
    }
  });
  post({ type: 'ready', address: server.address, origin: server.origin });
}

await main(workerData as DatabaseWorkerData);

// The webhook receiver on loopback, with the accounting every run needs: distinct outputs, duplicates,
// out-of-order arrivals, and each output's arrival time (performance.now() of this process).
//
//   const receiver = await startReceiver({ extract = echoOf })
//   receiver.url                 http://127.0.0.1:<port>/hook (the port stays the same across down()/up())
//   receiver.count               distinct outputs received so far
//   receiver.reset()             forget everything (between runs)
//   await receiver.down()        stop listening and drop open connections: senders get ECONNREFUSED
//   await receiver.up()          listen again on the same port (no-op when listening)
//   receiver.snapshot() -> { arrivals: { s: number[], k: number[], t: number[] }, count, requests, connections,
//                            duplicated, outOfOrder, unparsed, firstAt, lastAt }
//     connections: TCP connections the senders opened (keep-alive reuse shows as requests >> connections)
//   await receiver.close()
//
// extract(body) -> { id, s, k } | null names an output: `id` is its delivery id (a second arrival of the same id is
// a duplicate), and (s, k) the session number and the per-session index of the input it answers; a second output
// for the same (s, k) under a new id is a duplicate too (the input was processed twice). Within a session, k must
// never go down (out of order otherwise; gaps are fine: an input may have been refused). echoOf reads the body
// hookflow and the baselines send: `{ id, AIOutput: { data: { echo: { s, k } } } }`.
import http from 'node:http';

export function echoOf(body) {
  const echo = body?.AIOutput?.data?.echo;
  if (typeof body?.id !== 'string' || typeof echo?.s !== 'number' || typeof echo?.k !== 'number') return null;
  return { id: body.id, s: echo.s, k: echo.k };
}

export async function startReceiver({ extract = echoOf } = {}) {
  let state;
  const reset = () => {
    state = {
      ids: new Set(),
      inputs: new Set(),
      lastK: new Map(),
      arrivals: { s: [], k: [], t: [] },
      requests: 0,
      connections: 0,
      duplicated: 0,
      outOfOrder: 0,
      unparsed: 0,
      firstAt: NaN,
      lastAt: NaN,
    };
  };
  reset();

  const record = (text, now) => {
    state.requests++;
    let output = null;
    try {
      output = extract(JSON.parse(text));
    } catch {
      output = null;
    }
    if (!output) {
      state.unparsed++;
      return;
    }
    const input = `${output.s}:${output.k}`;
    if (state.ids.has(output.id) || state.inputs.has(input)) {
      state.duplicated++;
      return;
    }
    state.ids.add(output.id);
    state.inputs.add(input);
    const last = state.lastK.get(output.s);
    if (last !== undefined && output.k < last) state.outOfOrder++;
    else state.lastK.set(output.s, output.k);
    state.arrivals.s.push(output.s);
    state.arrivals.k.push(output.k);
    state.arrivals.t.push(now);
    if (Number.isNaN(state.firstAt)) state.firstAt = now;
    state.lastAt = now;
  };

  let server;
  let port = 0;
  let listening = false;
  const listen = () =>
    new Promise((resolve, reject) => {
      if (listening) return resolve();
      server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (chunk) => chunks.push(chunk));
        req.on('end', () => {
          record(Buffer.concat(chunks).toString('utf8'), performance.now());
          res.writeHead(200, { 'content-length': '0' }).end();
        });
      });
      server.keepAliveTimeout = 60_000;
      server.on('connection', () => state.connections++);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = server.address().port;
        listening = true;
        resolve();
      });
    });
  const stop = () =>
    new Promise((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen();

  return {
    get url() {
      return `http://127.0.0.1:${port}/hook`;
    },
    get count() {
      return state.arrivals.t.length;
    },
    reset,
    down: stop,
    up: listen,
    snapshot: () => ({ ...state, count: state.arrivals.t.length, ids: undefined, inputs: undefined, lastK: undefined }),
    close: stop,
  };
}

// A keep-alive HTTP/1.1 client on node:http, for the load generator, the admin calls and the baselines' forwards.
//
//   const client = createHttpClient({ maxSockets = 256 })
//   await client.request(url, { method = 'GET', headers = {}, body }) -> { status, text }   (status 0 + error on a
//       network failure; body: string or Buffer, sent as is)
//   await client.json(url, { method, headers, body }) -> { status, body }   (body: a value sent as JSON; the
//       response parsed when it is JSON, else undefined)
//   client.close()
import http from 'node:http';

export function createHttpClient({ maxSockets = 256 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const parsed = new Map();

  function target(url) {
    let options = parsed.get(url);
    if (!options) {
      const { hostname, port, pathname, search } = new URL(url);
      options = { hostname, port, path: pathname + search };
      parsed.set(url, options);
    }
    return options;
  }

  function request(url, { method = 'GET', headers = {}, body } = {}) {
    return new Promise((resolve) => {
      const req = http.request({ ...target(url), method, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => resolve({ status: 0, text: '', error }));
      });
      req.on('error', (error) => resolve({ status: 0, text: '', error }));
      req.end(body);
    });
  }

  async function json(url, { method = 'GET', headers = {}, body } = {}) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await request(url, {
      method,
      headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: payload,
    });
    let parsedBody;
    try {
      parsedBody = JSON.parse(res.text);
    } catch {
      parsedBody = undefined;
    }
    return { status: res.status, body: parsedBody, error: res.error };
  }

  return { request, json, close: () => agent.destroy() };
}

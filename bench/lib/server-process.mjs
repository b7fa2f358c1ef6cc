// A server under test in its own process (so its CPU and RSS are its own), started and stopped by the bench.
//
//   await freePort() -> number
//   await startServerProcess({ name, script, nodeArgs = [], env = {}, port, readyPath = '/health/ready',
//                              readyTimeoutMs = 60000 }) -> server
//     server.base      http://127.0.0.1:<port>
//     server.pid, server.child
//     server.readyMs   spawn -> first 200 on readyPath (polled every 10 ms)
//     await server.stop(signal = 'SIGTERM') -> exit code or signal name (SIGKILL after 15 s)
//   The child gets PATH, HOST=127.0.0.1, PORT and `env` only. Its output is echoed with a `[name]` prefix (the
//   first 40 lines; the rest is counted), and its tail is shown when it fails to start.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createServer } from 'node:net';

const ECHO_LINES = 40;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function probe(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

function echoOutput(name, child) {
  let tail = '';
  let echoed = 0;
  let suppressed = 0;
  const onData = (chunk) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-8000);
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      if (echoed++ < ECHO_LINES) process.stderr.write(`[${name}] ${line}\n`);
      else suppressed++;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return { tail: () => tail, suppressed: () => suppressed };
}

export async function startServerProcess({
  name,
  script,
  nodeArgs = [],
  env = {},
  port,
  readyPath = '/health/ready',
  readyTimeoutMs = 60_000,
}) {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = echoOutput(name, child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited before it was ready:\n${output.tail()}`);
    if (await probe(`${base}${readyPath}`)) break;
    if (performance.now() - started > readyTimeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within ${readyTimeoutMs} ms:\n${output.tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  return {
    name,
    base,
    port,
    pid: child.pid,
    child,
    readyMs,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const result = await exited;
      clearTimeout(timer);
      if (output.suppressed() > 0) process.stderr.write(`[${name}] (${output.suppressed()} more lines not shown)\n`);
      return result;
    },
  };
}

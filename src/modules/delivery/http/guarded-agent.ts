import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { Duplex } from 'node:stream';
import type { Agent, Dispatcher, buildConnector as BuildConnector } from 'undici';
// Not the package's index: it loads all of undici (fetch, WebSocket, caches, mocks), about 100 ms of start-up, where
// these two take 30. package.json pins the version these paths belong to.
import UndiciAgent from 'undici/lib/dispatcher/agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import { stripIpDecorations } from './ip-address.util.js';
import { assertAddressesAllowed, resolveHost, type AllowList, type HostResolver } from './ssrf-policy.js';
import { SsrfError } from './ssrf.errors.js';

export interface GuardedAgentOptions {
  allowList: AllowList;
  keepAlive?: boolean;
  /** Concurrent sockets per origin. */
  maxSockets?: number;
  /** Idle keep-alive sockets kept per origin. */
  maxFreeSockets?: number;
  /** An idle keep-alive socket is closed after this long (shorter than common server keep-alive timeouts). */
  freeSocketTimeoutMs?: number;
  /** DNS used at connect time; tests inject one. */
  resolve?: HostResolver;
  /** Certificates to trust for https instead of Node's bundled ones (PEM); tests trust their own receiver's. */
  ca?: string;
}

export interface GuardedAgents {
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;
  /** The same guard and pool size for undici, which the webhook sender runs on (see WebhookPoster). */
  readonly dispatcher: Dispatcher;
}

/**
 * How long undici may try to connect. Each exchange has its own deadline, which gives up sooner (see `exchange`);
 * this only bounds a connection attempt left behind by one: the longest delivery timeout an endpoint may set.
 */
const CONNECT_TIMEOUT_MS = 60_000;

type CreateConnectionCallback = (err: Error | null, stream: Duplex) => void;

function wantedFamily(family: LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

async function checkedAddresses(
  hostname: string,
  options: LookupOptions,
  allowList: AllowList,
  resolve: HostResolver,
): Promise<LookupAddress[]> {
  const addresses = await resolve(hostname);
  assertAddressesAllowed(hostname, addresses, allowList);
  const family = wantedFamily(options.family);
  const entries = addresses
    .map((address) => ({ address, family: isIP(address) }))
    .filter((entry) => family === 0 || entry.family === family);
  if (entries.length === 0) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  }
  return entries;
}

/**
 * A `lookup` for `net.connect` that refuses the connection when any resolved address is
 * forbidden. Node dials only what `lookup` returns, so the address connected to is always one
 * that was checked here: a DNS answer that changed since the URL was saved cannot slip through.
 */
export function createGuardedLookup(allowList: AllowList, resolve: HostResolver = resolveHost): LookupFunction {
  return (hostname, options, callback) => {
    // The callback runs on a fresh tick so an exception it throws is not swallowed by the promise.
    checkedAddresses(hostname, options, allowList, resolve).then(
      (entries) =>
        process.nextTick(() =>
          options.all ? callback(null, entries) : callback(null, entries[0].address, entries[0].family),
        ),
      (error: NodeJS.ErrnoException) => process.nextTick(() => callback(error, '')),
    );
  };
}

/** Node skips `lookup` for IP-literal hosts, so those are checked before connecting. */
function refuseConnection(options: http.ClientRequestArgs, allowList: AllowList): Error | undefined {
  if (options.socketPath) return new SsrfError('unix socket connections are not allowed');
  return refuseIpLiteral(options.host ?? options.hostname ?? '', allowList);
}

function refuseIpLiteral(hostname: string, allowList: AllowList): Error | undefined {
  const host = stripIpDecorations(hostname);
  if (isIP(host) === 0) return undefined;
  try {
    assertAddressesAllowed(host, [host], allowList);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

class GuardedHttpAgent extends http.Agent {
  constructor(
    options: http.AgentOptions,
    private readonly allowList: AllowList,
  ) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: CreateConnectionCallback) {
    const refusal = refuseConnection(options, this.allowList);
    if (!refusal) return super.createConnection(options, callback);
    // Agent#createSocket treats a callback error with no returned socket as a failed connection.
    callback?.(refusal, undefined as never);
    return undefined;
  }
}

class GuardedHttpsAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly allowList: AllowList,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: CreateConnectionCallback) {
    const refusal = refuseConnection(options, this.allowList);
    if (!refusal) return super.createConnection(options, callback);
    callback?.(refusal, undefined as never);
    return undefined;
  }
}

/** The `ca` TLS option when the caller gave certificates to trust; otherwise Node's bundled ones apply. */
function trustedCertificates(opts: GuardedAgentOptions): { ca?: string } {
  return opts.ca ? { ca: opts.ca } : {};
}

/**
 * An undici Agent behind the same guard as the node:http agents: its connector dials through the guarded `lookup`
 * (net.connect and tls.connect take it as the agents' sockets do) and refuses forbidden IP literals first. TLS keeps
 * the URL's host name for SNI and the certificate check. No request or body timeouts of its own: the caller's
 * deadline covers the whole exchange.
 */
function createGuardedDispatcher(
  opts: GuardedAgentOptions,
  pool: { lookup: LookupFunction; maxSockets: number; freeSocketTimeoutMs: number },
): Agent {
  const { lookup, maxSockets, freeSocketTimeoutMs } = pool;
  const connect = buildConnector({ timeout: CONNECT_TIMEOUT_MS, lookup, ...trustedCertificates(opts) });
  const guardedConnect: BuildConnector.connector = (options, callback) => {
    const refusal = refuseIpLiteral(options.hostname, opts.allowList);
    if (refusal) callback(refusal, null);
    else connect(options, callback);
  };
  return new UndiciAgent({
    connections: maxSockets,
    keepAliveTimeout: freeSocketTimeoutMs,
    keepAliveMaxTimeout: freeSocketTimeoutMs,
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: guardedConnect,
  });
}

/** One set per process: the pools are what makes keep-alive reuse work. */
export function createGuardedAgents(opts: GuardedAgentOptions): GuardedAgents {
  // The same pool settings for the node:http agents and the undici dispatcher.
  const pool = {
    lookup: createGuardedLookup(opts.allowList, opts.resolve),
    maxSockets: opts.maxSockets ?? 50,
    freeSocketTimeoutMs: opts.freeSocketTimeoutMs ?? 4_000,
  };
  const options: http.AgentOptions = {
    keepAlive: opts.keepAlive ?? true,
    maxSockets: pool.maxSockets,
    maxFreeSockets: opts.maxFreeSockets ?? 10,
    // `timeout` arms every socket's idle timer, but the agent destroys only *free* sockets when it
    // fires, so it acts as the free-socket timeout; request deadlines belong to the client.
    timeout: pool.freeSocketTimeoutMs,
    scheduling: 'lifo',
    lookup: pool.lookup,
  };
  return {
    httpAgent: new GuardedHttpAgent(options, opts.allowList),
    httpsAgent: new GuardedHttpsAgent({ ...options, ...trustedCertificates(opts) }, opts.allowList),
    dispatcher: createGuardedDispatcher(opts, pool),
  };
}

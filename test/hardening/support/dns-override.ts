import dnsPromises from 'node:dns/promises';
import { syncBuiltinESMExports } from 'node:module';
import { isIP } from 'node:net';

type Lookup = typeof dnsPromises.lookup;

/**
 * Answers DNS lookups for chosen test names in this process (the in-process app resolves through
 * `node:dns/promises`), everything else as usual. This stands in for an attacker's DNS server, which cannot run
 * here without changing the machine's resolver: `answer` may change between calls, as a rebinding server's does.
 * Returns the function that restores the real resolver.
 */
export function overrideDns(answer: (hostname: string) => string[] | undefined): () => void {
  const original: Lookup = dnsPromises.lookup;
  const fake = ((hostname: string, options?: unknown) => {
    const addresses = answer(hostname);
    if (addresses === undefined) return (original as (h: string, o?: unknown) => Promise<unknown>)(hostname, options);
    const entries = addresses.map((address) => ({ address, family: isIP(address) }));
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    return Promise.resolve(all ? entries : entries[0]);
  }) as Lookup;
  dnsPromises.lookup = fake;
  syncBuiltinESMExports();
  return () => {
    dnsPromises.lookup = original;
    syncBuiltinESMExports();
  };
}

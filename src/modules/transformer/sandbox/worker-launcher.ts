import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { WorkerBootData } from './sandbox.protocol.js';

/**
 * Starts a sandbox worker thread. Built code runs `sandbox.worker.js` directly. When this module itself runs
 * from TypeScript sources (vitest), Node 20 cannot load the `.ts` worker, so the thread first registers a tiny
 * loader that transpiles with sucrase (already a dependency) and resolves `./x.js` imports to `./x.ts`.
 */
export function launchSandboxWorker(workerData: WorkerBootData, resourceLimits: ResourceLimits): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './sandbox.worker.ts' : './sandbox.worker.js', import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData, resourceLimits });
  const bootstrap = [
    `import { register } from 'node:module';`,
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(typeScriptLoaderSource())}));`,
    `await import(${JSON.stringify(entry.href)});`,
  ].join('\n');
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData, resourceLimits });
}

function typeScriptLoaderSource(): string {
  const sucrase = pathToFileURL(createRequire(import.meta.url).resolve('sucrase')).href;
  return `
import sucrase from ${JSON.stringify(sucrase)};
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (relative && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      return next(specifier.slice(0, -3) + '.ts', context);
    }
    throw error;
  }
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const filePath = fileURLToPath(url);
  const { code } = sucrase.transform(await readFile(filePath, 'utf8'), { transforms: ['typescript'], filePath });
  return { format: 'module', source: code, shortCircuit: true };
}`;
}

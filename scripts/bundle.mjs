// Bundles the server compiled by tsc (dist/main.js and everything it imports, our code and the packages) into
// one file, written over dist/main.js: `npm run build` runs it after tsc.
//
// Why: a start spends most of its time loading modules. Unbundled, Node resolves, reads and compiles some 2,600
// JavaScript files one by one (2.0-2.2 s of a 3.6-3.8 s start on a slow 2-core machine, 2026-12-07); the bundle
// loads in 0.9-1.0 s.
// Nothing else changes: the unbundled files stay in dist/ (the worker threads, the migrations and the CLI load
// them; tsc's dist/main.js runs the same app, only slower to start).
//
//   node scripts/bundle.mjs        after tsc; fails if dist/main.js is already a bundle (run tsc first)
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const ENTRY = `${DIST}main.js`;
const MARK = '// hookflow bundle';

/** Left to Node, loaded from node_modules at run time. */
const EXTERNAL = [
  // They find their own files on disk: PGlite's and QuickJS's WebAssembly, Swagger UI's assets.
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  'quickjs-emscripten',
  '@jitl/*',
  'swagger-ui-dist',
  // Others require them by name at run time, which a bundle cannot see (TypeORM its driver, @nestjs/typeorm
  // optional exports). Bundled, they would be loaded twice, the bundle's copy and node_modules': their start-up
  // cost twice, and a type parser set on one pg would not hold for the other.
  'pg',
  'typeorm',
  // Optional for Nest: imported only by apps that use them, not installed here.
  '@nestjs/microservices',
  '@nestjs/websockets/*',
  '@nestjs/platform-express',
  '@fastify/multipart',
  '@fastify/view',
];

/**
 * Our modules find files beside them (the worker threads' entries, the migrations, package.json) relative to
 * `import.meta.url`. In the bundle that would be dist/main.js for all of them: each gets its own file's URL back.
 */
const ownFileUrls = {
  name: 'own-file-urls',
  setup(bundle) {
    bundle.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      if (!path.startsWith(DIST) || path.includes(`${sep}node_modules${sep}`)) return undefined;
      const contents = await readFile(path, 'utf8');
      if (!contents.includes('import.meta.url')) return undefined;
      const fromBundle = `./${relative(dirname(ENTRY), path).split(sep).join('/')}`;
      const own = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: contents.replaceAll('import.meta.url', own), loader: 'js', resolveDir: dirname(path) };
    });
  },
};

const source = await readFile(ENTRY, 'utf8');
if (source.startsWith(MARK)) {
  throw new Error('dist/main.js is already a bundle: compile with tsc first (npm run build does both)');
}

await build({
  entryPoints: [ENTRY],
  outfile: ENTRY,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Names are kept: Nest, TypeORM and Swagger read class names (schema names in the OpenAPI document, log contexts).
  keepNames: true,
  // Maps back to src/ through tsc's maps (`node --enable-source-maps dist/main.js`).
  sourcemap: 'linked',
  sourcesContent: false,
  // CommonJS packages inside an ES module: `require` for what they load at run time (pg, Node's built-ins).
  banner: { js: `${MARK}\nimport { createRequire as __hookflowRequire } from 'node:module';\nconst require = __hookflowRequire(import.meta.url);` },
  plugins: [ownFileUrls],
  logLevel: 'warning',
});

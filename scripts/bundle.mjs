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
import { parse } from 'acorn';
import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
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
  banner: {
    js: [
      MARK,
      // CommonJS packages inside an ES module: `require` for what they load at run time (pg, Node's built-ins).
      "import { createRequire as __hookflowRequire } from 'node:module';",
      'const require = __hookflowRequire(import.meta.url);',
    ].join('\n'),
  },
  plugins: [ownFileUrls],
  logLevel: 'warning',
});

await writeFile(ENTRY, latin1Only(await readFile(ENTRY, 'utf8')));

/**
 * V8 keeps a script's source in memory while it runs: one byte per character only if every character fits in one
 * (Latin-1), else two for all of them. A few regular expressions (validator's alphabets) and comments in the bundle
 * hold such characters: 15.5 MB instead of 7.7, and since V8 lets the heap grow to 3 times what is live (main.ts),
 * peak RSS under load was 30 MB higher. esbuild already escapes them in strings; here they are escaped in regular
 * expressions (`\uXXXX` means the same character there, in every mode) and comments; anywhere else the build fails
 * rather than guess. (On those lines the source map's columns after such a character are off by 5 for each.)
 */
function latin1Only(code) {
  const isWide = (text) => /[\u0100-\uffff]/.test(text);
  const ranges = [];
  parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    onToken({ type, start, end }) {
      if (!isWide(code.slice(start, end))) return;
      if (type.label !== 'regexp') throw new Error(`bundle: a non-Latin-1 character in a ${type.label} at ${start}`);
      ranges.push([start, end]);
    },
    onComment(_block, text, start, end) {
      if (isWide(text)) ranges.push([start, end]);
    },
  });
  const unicodeEscape = (char, offset, text) => {
    // `\Ə` would become `\\u018f`: a backslash, then text.
    if (text[offset - 1] === '\\') throw new Error(`bundle: an escaped non-Latin-1 character in ${text}`);
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  };
  let escaped = '';
  let done = 0;
  for (const [start, end] of ranges.sort((a, b) => a[0] - b[0])) {
    escaped += code.slice(done, start) + code.slice(start, end).replace(/[\u0100-\uffff]/g, unicodeEscape);
    done = end;
  }
  return escaped + code.slice(done);
}

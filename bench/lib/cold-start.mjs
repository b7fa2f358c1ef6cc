// Cold start to ready: spawn dist/main.js and time the first 200 from /health/ready (polled every 10 ms).
//
//   await coldStarts({ fresh = 3, restart = true, db = 'embedded', pgAdminUrl, firstStart = false })
//       -> { freshMs: number[], restartMs: number | null, medianFreshMs, firstStartMs: number | null }
//     fresh       starts on a new, empty database each (embedded: new data folder, which gets a copy of the PGlite
//                 template, then migrations run; postgres: new database, migrations run)
//     restart     one more start on the folder of the last fresh start (embedded only): the everyday restart
//     firstStart  embedded only: first, one start on a new folder with no template yet (it is removed from
//                 node_modules/.cache/hookflow/), as after `npm ci`: that start runs initdb and makes the template.
//                 Instances starting on new folders meanwhile, elsewhere on the machine, run initdb too.
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { freshDataDir } from './database.mjs';
import { MAIN, startHookflow } from './hookflow.mjs';
import { median } from './stats.mjs';

export async function coldStarts({ fresh = 3, restart = true, db = 'embedded', pgAdminUrl, firstStart = false } = {}) {
  const freshMs = [];
  let restartMs = null;
  let firstStartMs = null;
  let lastDir;
  if (firstStart && db === 'embedded') firstStartMs = await startWithoutTemplate();
  try {
    for (let i = 0; i < fresh; i++) {
      await lastDir?.drop();
      lastDir = db === 'embedded' ? freshDataDir() : undefined;
      const hookflow = await startHookflow({ db, pgAdminUrl, dataDir: lastDir?.dir, name: `cold-start-${i + 1}` });
      freshMs.push(Math.round(hookflow.readyMs));
      await hookflow.stop();
    }
    if (restart && lastDir) {
      const hookflow = await startHookflow({ db, dataDir: lastDir.dir, name: 'restart' });
      restartMs = Math.round(hookflow.readyMs);
      await hookflow.stop();
    }
  } finally {
    await lastDir?.drop();
  }
  return { freshMs, restartMs, medianFreshMs: median(freshMs), firstStartMs };
}

async function startWithoutTemplate() {
  // The build under test says where its template is kept (beside the PGlite package it resolves).
  const { pgliteTemplateDir } = await import(new URL('database/pgdata-template.js', pathToFileURL(MAIN)).href);
  const template = pgliteTemplateDir();
  if (template) rmSync(template, { recursive: true, force: true });
  const dir = freshDataDir();
  try {
    const hookflow = await startHookflow({ db: 'embedded', dataDir: dir.dir, name: 'first-start' });
    await hookflow.stop();
    return Math.round(hookflow.readyMs);
  } finally {
    await dir.drop();
  }
}

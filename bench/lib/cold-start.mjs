// Cold start to ready: spawn dist/main.js and time the first 200 from /health/ready (polled every 10 ms).
//
//   await coldStarts({ fresh = 3, restart = true, db = 'embedded', pgAdminUrl }) -> { freshMs: number[],
//       restartMs: number | null, medianFreshMs }
//     fresh    starts on a new, empty database each (embedded: new data folder, so PGlite initialises it and
//              migrations run; postgres: new database, migrations run)
//     restart  one more start on the folder of the last fresh start (embedded only): the everyday restart
import { freshDataDir } from './database.mjs';
import { startHookflow } from './hookflow.mjs';
import { median } from './stats.mjs';

export async function coldStarts({ fresh = 3, restart = true, db = 'embedded', pgAdminUrl } = {}) {
  const freshMs = [];
  let restartMs = null;
  let lastDir;
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
  return { freshMs, restartMs, medianFreshMs: median(freshMs) };
}

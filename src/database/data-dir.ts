import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEncryptionKey } from '../config/load-config.js';

export class DataDirLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly ownerPid: number,
  ) {
    super(
      `DATA_DIR is in use by process ${ownerPid} (lock file ${lockPath}); refusing to start a second instance on it`,
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * Takes the data folder's lock file. Two processes on one PGlite folder get no error from PGlite and lose
 * writes, so a second process must refuse to start. A lock left by a dead process (kill -9) is taken over.
 * Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, 'hookflow.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (existsSync(lockPath) && readFileSync(lockPath, 'utf8') === String(process.pid)) unlinkSync(lockPath);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const ownerPid = Number(readFileSync(lockPath, 'utf8'));
      if (Number.isInteger(ownerPid) && ownerPid > 0 && isAlive(ownerPid))
        throw new DataDirLockedError(lockPath, ownerPid);
      unlinkSync(lockPath);
    }
  }
  throw new Error(`could not take the lock file in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Embedded mode keeps its encryption key beside the database, created once with owner-only permissions. */
export function loadOrCreateEncryptionKey(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true });
  const keyPath = join(dataDir, 'encryption.key');
  if (existsSync(keyPath)) {
    const key = parseEncryptionKey(readFileSync(keyPath, 'utf8'));
    if (!key) throw new Error(`${keyPath} does not hold a 32-byte key`);
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(keyPath, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

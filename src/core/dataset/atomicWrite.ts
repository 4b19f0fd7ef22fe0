/**
 * Whole-file rewrites that a crash cannot tear: the new content goes to a temporary file in the
 * same directory, is fsynced, and is renamed over the target; readers see the old file or the new
 * one, never a mixture.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

export interface AtomicWriteOptions {
  /** Permissions of a new file (an existing file keeps its own). Default 0o666 before the umask. */
  readonly mode?: number;
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const directory = path.dirname(target);
  // Same directory: rename is only atomic within one file system.
  const temporary = path.join(directory, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = (await existingMode(target)) ?? options.mode ?? 0o666;
  let file: FileHandle | undefined;
  try {
    file = await open(temporary, 'wx', mode);
    await file.writeFile(data);
    await file.sync();
    await file.close();
    file = undefined;
    await rename(temporary, target);
  } catch (error) {
    await file?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(directory);
}

/** Makes a rename or a new file in `directory` durable. Platforms that cannot fsync a directory (Windows) skip it. */
export async function fsyncDirectory(directory: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(directory, 'r');
  } catch (error) {
    if (isUnsupported(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  } finally {
    await handle.close();
  }
}

function isUnsupported(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL' || code === 'EACCES';
}

async function existingMode(target: string): Promise<number | undefined> {
  try {
    return (await stat(target)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

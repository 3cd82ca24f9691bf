/**
 * Reading a repository from a local directory: files are streamed with fs read streams, and a
 * missing directory or file is a RepoReadError that names it.
 */
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RepoReadError } from '../errors.ts';
import type { Transport } from './transport.ts';

const CHUNK = 256 * 1024;

/** A transport over the directory `dir`. */
export function fileTransport(dir: string): Transport {
  const root = resolve(dir);
  return {
    location: root,
    resolve: (href) => join(root, href),
    stream: (href) => fileChunks(join(root, href)),
    checkRoot: async () => {
      let isDir: boolean;
      try {
        isDir = (await stat(root)).isDirectory();
      } catch (err) {
        throw fileError(root, err, 'no such directory');
      }
      if (!isDir) throw new RepoReadError(root, 'not a directory');
    },
  };
}

async function* fileChunks(path: string): AsyncGenerator<Buffer, void, undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fileError(path, err, 'no such file');
  }
  const stream = handle.createReadStream({ highWaterMark: CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    throw fileError(path, err, 'no such file');
  } finally {
    stream.destroy();
  }
}

/** A RepoReadError for a failed file operation on `path`, in words. */
export function fileError(path: string, err: unknown, missing: string): RepoReadError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? missing
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : err instanceof Error
            ? err.message
            : String(err);
  return new RepoReadError(path, message, { cause: err });
}

/** A throw-away GnuPG home for tests that use gpg and rpmsign as signers or judges. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export interface GpgHome {
  dir: string;
  /** Runs `gpg --homedir DIR --batch ARGS`; exit status and stdout + stderr. */
  gpg: (args: string[], input?: string) => { code: number; output: string; stdout: string };
  /** Imports armored keys (public or secret) from files. */
  importKeys: (...files: string[]) => void;
  /** Stops the agent gpg started and removes the home. */
  close: () => void;
}

export function gpgHome(): GpgHome {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-gnupg-'));
  const gpg = (args: string[], input?: string): { code: number; output: string; stdout: string } => {
    const r = spawnSync('gpg', ['--homedir', dir, '--batch', '--pinentry-mode', 'loopback', ...args], { encoding: 'utf8', input, timeout: 60_000 });
    return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
  };
  return {
    dir,
    gpg,
    importKeys: (...files) => {
      const r = gpg(['--import', ...files]);
      if (r.code !== 0) throw new Error(`gpg --import failed:\n${r.output}`);
    },
    close: () => {
      spawnSync('gpgconf', ['--homedir', dir, '--kill', 'gpg-agent'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * bench/rpm-read: read the metadata of N generated RPMs (default 2,000) in one process, against one
 * `rpm -qp --qf` process over the same files asking for the same fields.
 *   node --import tsx bench/rpm-read.ts [N]
 */
import { execFileSync } from 'node:child_process';
import { readPackageSync } from '../src/rpm/package.ts';
import { packageSet, report, time } from './lib.ts';

const n = Number(process.argv[2] ?? 2000);
const { files, madeMs } = packageSet(n);
process.stdout.write(`${files.length} packages${madeMs ? ` (made in ${madeMs} ms)` : ''}\n`);

const QF =
  '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM} %{SUMMARY} %{DESCRIPTION} %{LICENSE} %{BUILDTIME} %{SIZE}\\n' +
  '[%{REQUIRENEVRS}\\n][%{PROVIDENEVRS}\\n][%{CONFLICTNEVRS}\\n][%{OBSOLETENEVRS}\\n][%{RECOMMENDNEVRS}\\n][%{SUGGESTNEVRS}\\n]' +
  '[%{FILENAMES} %{FILEMODES} %{FILESIZES} %{FILEDIGESTS} %{FILEFLAGS} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILELINKTOS}\\n]' +
  '[%{CHANGELOGTIME} %{CHANGELOGNAME} %{CHANGELOGTEXT}\\n]';

let fileCount = 0;
// Warm the page cache for both, then measure each twice and keep the faster run.
execFileSync('cat', files, { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 30 });
const runOurs = () => {
  fileCount = 0;
  for (const f of files) fileCount += readPackageSync(f).files.length;
};
const runRpm = () => execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', QF, ...files], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
const ours = Math.min(await time(runOurs), await time(runOurs));
const rpm = Math.min(await time(runRpm), await time(runRpm));
process.stdout.write(`${fileCount} files listed\n`);
report(`read metadata of ${files.length} RPMs`, ours, 'rpm -qp --qf', rpm);

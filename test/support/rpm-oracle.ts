/**
 * rpm as the judge: what `rpm -qp --qf` prints for a package, and our reading of the same
 * package in the same shape, so tests can compare field by field.
 */
import { execFileSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { formatDependency } from '../../src/rpm/dependencies.ts';
import type { RpmPackage } from '../../src/rpm/package.ts';

const FS = '\u001e';
const IS = '\u001f';

/** Fields compared, with the query format that makes rpm print each. */
const SCALARS: Record<string, string> = {
  name: '%{NAME}',
  epoch: '%{EPOCH}',
  version: '%{VERSION}',
  release: '%{RELEASE}',
  sourcerpm: '%{SOURCERPM}',
  summary: '%{SUMMARY}',
  description: '%{DESCRIPTION}',
  license: '%{LICENSE}',
  url: '%{URL}',
  vendor: '%{VENDOR}',
  packager: '%{PACKAGER}',
  group: '%{GROUP}',
  buildhost: '%{BUILDHOST}',
  buildtime: '%{BUILDTIME}',
  size: '%{LONGSIZE}',
  payloadcompressor: '%{PAYLOADCOMPRESSOR}',
  payloadflags: '%{PAYLOADFLAGS}',
  sigsize: '%{SIGSIZE}',
  signature: '%|RSAHEADER?{%{RSAHEADER:pgpsig}}:{%|DSAHEADER?{%{DSAHEADER:pgpsig}}:{%|SIGPGP?{%{SIGPGP:pgpsig}}:{%{SIGGPG:pgpsig}}|}|}|',
};
const ARRAYS: Record<string, string> = {
  requires: '[%{REQUIRENEVRS}' + IS + ']',
  provides: '[%{PROVIDENEVRS}' + IS + ']',
  conflicts: '[%{CONFLICTNEVRS}' + IS + ']',
  obsoletes: '[%{OBSOLETENEVRS}' + IS + ']',
  recommends: '[%{RECOMMENDNEVRS}' + IS + ']',
  suggests: '[%{SUGGESTNEVRS}' + IS + ']',
  supplements: '[%{SUPPLEMENTNEVRS}' + IS + ']',
  enhances: '[%{ENHANCENEVRS}' + IS + ']',
  orderwithrequires: '[%{ORDERNAME}' + IS + ']',
  requireflags: '[%{REQUIREFLAGS}' + IS + ']',
  files:
    '[%{FILENAMES}\t%{FILEMODES}\t%{LONGFILESIZES}\t%{FILEDIGESTS}\t%{FILEFLAGS}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILELINKTOS}\t%{FILEMTIMES}\t%{FILEINODES}' + IS + ']',
  changelog: '[%{CHANGELOGTIME}\t%{CHANGELOGNAME}\t%{CHANGELOGTEXT}' + IS + ']',
};

function decode(b: Buffer): string {
  return isUtf8(b) ? b.toString('utf8') : b.toString('latin1');
}

/** A package's fields as rpm prints them: scalars as strings ('(none)' when absent), arrays as string lists. */
export type OracleRecord = Record<string, string | string[]>;

/** Asks rpm for every compared field of `file`. */
export function rpmRecord(file: string): OracleRecord {
  const keys = [...Object.keys(SCALARS), ...Object.keys(ARRAYS)];
  const qf = keys.map((k) => SCALARS[k] ?? ARRAYS[k]).join(FS);
  const out = execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', qf, file], { stdio: ['ignore', 'pipe', 'ignore'] });
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0x1e) {
      parts.push(out.subarray(start, i));
      start = i + 1;
    }
  }
  parts.push(out.subarray(start));
  const rec: OracleRecord = {};
  keys.forEach((k, i) => {
    const text = decode(parts[i] ?? Buffer.alloc(0));
    rec[k] = k in ARRAYS ? text.split(IS).filter((x, j, all) => j < all.length - 1 || x !== '') : text;
  });
  // rpm prints the signature as "RSA/SHA256, <date>, Key ID <id>": keep algorithm and key id.
  const sig = String(rec.signature);
  const m = /^(\w+)\/([\w-]+), .*Key ID ([0-9a-f]+)$/.exec(sig);
  rec.signature = m ? `${m[1]}/${m[2]} ${m[3]}` : '(none)';
  return rec;
}

const none = (v: string | number | null | undefined): string => (v === null || v === undefined ? '(none)' : String(v));

/** Our reading of a package in the same shape as {@link rpmRecord}. */
export function ourRecord(p: RpmPackage): OracleRecord {
  const deps = (k: 'requires' | 'provides' | 'conflicts' | 'obsoletes' | 'recommends' | 'suggests' | 'supplements' | 'enhances' | 'orderwithrequires') =>
    p[k].map(formatDependency);
  return {
    name: p.name,
    epoch: none(p.epoch),
    version: p.version,
    release: p.release,
    sourcerpm: none(p.sourcerpm),
    summary: p.summary,
    description: p.description,
    license: p.license,
    url: none(p.url),
    vendor: none(p.vendor),
    packager: none(p.packager),
    group: none(p.group),
    buildhost: none(p.buildhost),
    buildtime: none(p.buildtime),
    size: String(p.installedSize),
    payloadcompressor: none(p.payloadCompressor),
    payloadflags: none(p.payloadFlags),
    sigsize: p.sigSize === null ? '(none)' : String(p.fileSize - p.headerRange[0]),
    signature: p.signature ? `${p.signature.algorithm}/${p.signature.hash} ${p.signature.keyid}` : '(none)',
    requires: deps('requires'),
    provides: deps('provides'),
    conflicts: deps('conflicts'),
    obsoletes: deps('obsoletes'),
    recommends: deps('recommends'),
    suggests: deps('suggests'),
    supplements: deps('supplements'),
    enhances: deps('enhances'),
    orderwithrequires: p.orderwithrequires.map((d) => d.name),
    requireflags: p.requires.map((d) => String(d.sense)),
    files: p.files.map((f) =>
      [f.path, f.mode, f.size, f.digest, f.flags, f.user, f.group, f.linkto, f.mtime, f.inode].join('\t'),
    ),
    changelog: p.changelog.map((c) => `${c.time}\t${c.author}\t${c.text}`),
  };
}

/**
 * Building real packages with rpmbuild for tests (private topdir, EL9-like macros as
 * ../shared/docs/TOOLCHAIN.md describes). No BuildRequires are used by test specs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** rpmbuild --define arguments that make a build look like an EL9 one. */
export function el9Defines(topdir: string, payload: 'zstd' | 'gzip' = 'zstd'): string[] {
  const io = payload === 'zstd' ? 'w19.zstdio' : 'w9.gzdio';
  const defs: Record<string, string> = {
    _topdir: topdir,
    _tmppath: join(topdir, 'tmp'),
    dist: '.el9',
    rhel: '9',
    el9: '1',
    _binary_payload: io,
    _source_payload: io,
    _buildshell: '/bin/bash',
    __gpg: '/usr/bin/gpg',
    _buildhost: 'build.distforge.test',
    vendor: 'distforge tests',
  };
  return Object.entries(defs).flatMap(([k, v]) => ['--define', `${k} ${v}`]);
}

/** Runs `rpmbuild -ba` on `spec` in a fresh topdir under `dir`; returns the RPM paths (SRPM last). */
export function rpmbuild(dir: string, name: string, spec: string, sources: Record<string, string | Buffer> = {}): string[] {
  const top = join(dir, `top-${name}`);
  for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS', 'tmp', 'BUILDROOT']) mkdirSync(join(top, d), { recursive: true });
  const specPath = join(top, 'SPECS', `${name}.spec`);
  writeFileSync(specPath, spec);
  for (const [file, data] of Object.entries(sources)) writeFileSync(join(top, 'SOURCES', file), data);
  execFileSync('rpmbuild', ['-ba', '--quiet', ...el9Defines(top), specPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const rpms: string[] = [];
  for (const arch of readdirSync(join(top, 'RPMS'))) {
    for (const f of readdirSync(join(top, 'RPMS', arch))) rpms.push(join(top, 'RPMS', arch, f));
  }
  for (const f of readdirSync(join(top, 'SRPMS'))) rpms.push(join(top, 'SRPMS', f));
  return rpms;
}

/** A spec exercising every metadata field: subpackage, epoch, every dependency kind, files of every kind. */
export const RICH_SPEC = `
Name: richpkg
Epoch: 3
Version: 1.2~rc1^git5
Release: 4%{?dist}
Summary: A package with every kind of metadata — ünïcödé
License: MIT AND (GPL-2.0-or-later OR BSD-3-Clause)
URL: https://example.test/richpkg
Group: Development/Tools
Packager: Test Packager <packager@example.test>
BuildArch: noarch
Requires: coreutils >= 8.0
Requires(pre): shadow-utils
Requires(post): /bin/sh
Requires: (python3 or python2)
Requires: libfoo.so.1()(64bit)
Provides: richpkg-api = 2.0
Provides: /usr/bin/rich-alias
Conflicts: oldrich < 1:1.0-1
Obsoletes: richpkg-legacy <= 1.0
Recommends: rich-extras
Suggests: rich-docs >= 1.0
Supplements: (richpkg and langpacks-de)
Enhances: bash
OrderWithRequires: setup

%description
Multi-line description.
Second line with a tab\there.

%package devel
Summary: Development files of richpkg
Requires: %{name} = %{epoch}:%{version}-%{release}

%description devel
Headers.

%prep
%build
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/rich %{buildroot}/usr/share/doc/richpkg %{buildroot}/usr/include
printf '#!/bin/sh\\necho rich\\n' > %{buildroot}/usr/bin/rich
chmod 0755 %{buildroot}/usr/bin/rich
ln -s rich %{buildroot}/usr/bin/rich-link
echo "key=value" > %{buildroot}/etc/rich/rich.conf
echo "docs" > %{buildroot}/usr/share/doc/richpkg/README
echo "int rich(void);" > %{buildroot}/usr/include/rich.h
touch %{buildroot}/etc/rich/ghost.state

%pre
echo pre
%post -p /bin/sh
echo post
%preun
echo preun

%files
%attr(0755,root,root) /usr/bin/rich
/usr/bin/rich-link
%dir /etc/rich
%config(noreplace) /etc/rich/rich.conf
%ghost /etc/rich/ghost.state
%doc /usr/share/doc/richpkg/README

%files devel
/usr/include/rich.h

%changelog
* Tue Nov 24 2026 Test Packager <packager@example.test> - 3:1.2~rc1^git5-4
- Second entry
  with two lines
* Mon Nov 23 2026 Test Packager <packager@example.test> - 3:1.2~rc1-1
- First entry
`;

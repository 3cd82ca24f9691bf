/**
 * Our `redhat-rpm-config`: the rpm macros that give builds in a bootstrap root EL9's semantics
 * (compiler and linker flags, %configure, %set_build_flags, debuginfo packages, post-install
 * steps), plus meson's macros and the rpm package's own settings. Written for distforge; the flag
 * values are EL9's, the text is ours.
 *
 * How rpm finds them: Debian's rpm reads vendor macros from /usr/lib/rpm/debian/macros, after the
 * platform macros, and a vendor rpmrc from /usr/lib/rpm/debian/rpmrc, after its own rpmrc (whose
 * optflags are Debian's plain `-O2 -g`). Our redhat-rpm-config installs both at EL's paths,
 * /usr/lib/rpm/redhat/{macros,rpmrc}, and links the Debian vendor paths to them, so these
 * definitions win as EL's do on EL.
 */

/** Where EL keeps redhat-rpm-config's files. */
export const RPM_CONFIG_DIR = '/usr/lib/rpm/redhat';

/**
 * Compiler driver spec adding -fPIE to compilations that chose no PIC/PIE model themselves
 * (`%_hardened_build`). Debian's gcc makes PIE by default already; the file keeps EL's flags
 * meaningful.
 */
export const HARDENED_CC1 = `*cc1_options:
+ %{!r:%{!shared:%{!fno-pie:%{!fno-pic:%{!fpie:%{!fPIE:%{!fpic:%{!fPIC:-fPIE}}}}}}}}

`;

/** Compiler driver spec linking position-independent executables unless told otherwise. */
export const HARDENED_LD = `*self_spec:
+ %{!r:%{!shared:%{!static:%{!static-pie:%{!no-pie:-pie}}}}}

`;

/** brp-ldconfig: the soname links the buildroot's libraries call for, as ldconfig makes them. */
export const BRP_LDCONFIG = `#!/bin/sh
# distforge bootstrap: create the shared-library links (libfoo.so.1 -> libfoo.so.1.2) of the
# libraries installed into the buildroot, in the library directories only.
[ -n "$RPM_BUILD_ROOT" ] && [ "$RPM_BUILD_ROOT" != / ] || exit 0
for dir in /usr/lib64 /usr/lib /lib64 /lib; do
  if [ -d "$RPM_BUILD_ROOT$dir" ] && [ ! -L "$RPM_BUILD_ROOT$dir" ]; then
    /sbin/ldconfig -N -n "$RPM_BUILD_ROOT$dir"
  fi
done
exit 0
`;

/** brp-strip-lto: drop GCC's LTO bytecode from static archives (built with -ffat-lto-objects). */
export const BRP_STRIP_LTO = `#!/bin/sh
# distforge bootstrap: static archives keep their machine code (-ffat-lto-objects); the LTO
# bytecode beside it would tie their users to this exact compiler, so it is removed.
[ -n "$RPM_BUILD_ROOT" ] && [ "$RPM_BUILD_ROOT" != / ] || exit 0
strip_tool=\${1:-/usr/bin/strip}
find "$RPM_BUILD_ROOT" -type f -name '*.a' ! -path '*/usr/lib/debug/*' -print | while read -r archive; do
  "$strip_tool" -p -R '.gnu.lto_*' -R '.gnu.debuglto_*' -N __gnu_lto_v1 "$archive" 2>/dev/null || :
done
exit 0
`;

/**
 * gpgverify: what EL's `%{gpgverify} --keyring=K --signature=S --data=D` runs in a spec's %prep.
 * Checks D against the detached signature S with the keys of K alone (armored or binary; never
 * the builder's own keyring) and fails the build unless the signature is good.
 */
export const GPGVERIFY = `#!/bin/bash
# distforge bootstrap: verify an upstream source against its detached OpenPGP signature and the
# keyring the package ships, as EL's %gpgverify does:
#   %{gpgverify} --keyring=KEYRING --signature=SIGNATURE --data=DATA
# Only the keys of KEYRING count (a temporary home directory; never the builder's keyring).
# Needs gpg and gpgv (BuildRequires: gnupg2). Exit status 0 only for a good signature.
fail() { echo "gpgverify: $*" >&2; exit 2; }
keyring= signature= data=
while [ $# -gt 0 ]; do
  case $1 in
    --keyring=*) keyring=\${1#*=} ;;
    --signature=*) signature=\${1#*=} ;;
    --data=*) data=\${1#*=} ;;
    --keyring) [ $# -ge 2 ] || fail "$1 needs a file"; keyring=$2; shift ;;
    --signature) [ $# -ge 2 ] || fail "$1 needs a file"; signature=$2; shift ;;
    --data) [ $# -ge 2 ] || fail "$1 needs a file"; data=$2; shift ;;
    *) fail "unknown argument: $1 (expected --keyring=FILE --signature=FILE --data=FILE)" ;;
  esac
  shift
done
[ -n "$keyring" ] && [ -n "$signature" ] && [ -n "$data" ] || fail "--keyring, --signature and --data are all needed"
for f in "$keyring" "$signature" "$data"; do
  [ -f "$f" ] && [ -r "$f" ] || fail "cannot read $f"
done
command -v gpgv >/dev/null 2>&1 || fail "gpgv not found (BuildRequires: gnupg2)"
workdir=$(mktemp -d "\${TMPDIR:-/tmp}/gpgverify.XXXXXX") || fail "cannot make a temporary directory"
trap 'rm -rf "$workdir"' EXIT
# An armored keyring is converted; a binary one is used as it is.
if grep -q -e '-----BEGIN PGP PUBLIC KEY BLOCK-----' "$keyring"; then
  gpg --homedir "$workdir" --batch --quiet --yes --output "$workdir/keyring.gpg" --dearmor "$keyring" \\
    || fail "cannot read the keys of $keyring"
else
  cp -- "$keyring" "$workdir/keyring.gpg" || fail "cannot copy $keyring"
fi
gpgv --homedir "$workdir" --keyring "$workdir/keyring.gpg" -- "$signature" "$data"
`;

/**
 * fileattrs/libsymlink.attr: a development link (`libfoo.so` → `libfoo.so.1.2`) requires the
 * soname of the library it points to, as on EL9, so that a -devel package pulls in the library
 * package (`libfoo.so.1()(64bit)`).
 */
export const LIBSYMLINK_ATTR = `# distforge bootstrap: a lib*.so link requires the soname (and ELF class) of the library it
# points to; elfdeps follows the link and prints what the library provides.
%__libsymlink_requires	%{_rpmconfigdir}/elfdeps --provides --soname-only
%__libsymlink_magic	^symbolic link to .*lib.*\\.so\\..*$
%__libsymlink_path	^.*\\.so$
%__libsymlink_flags	magic_and_path
`;

/** /usr/lib/rpm/redhat/macros. */
export const REDHAT_MACROS = `# redhat-rpm-config of the distforge bootstrap platform: EL9's build semantics for rpmbuild,
# written for distforge. Debian's rpm reads this file (through /usr/lib/rpm/debian/macros) after
# its platform macros, so what is defined here is what builds see.

# ---- Build triplet and vendor, as on EL9 ----------------------------------------------------
%_vendor		redhat
%_host_vendor		redhat
%_build_vendor		redhat
%_target_vendor		redhat
%_host			%{_host_cpu}-%{_host_vendor}-%{_host_os}%{?_gnu}
%_build			%{_host}
%_target_platform	%{_target_cpu}-%{_vendor}-%{_target_os}%{?_gnu}
%_sharedstatedir	%{_localstatedir}/lib
# Unversioned documentation and licence directories (/usr/share/doc/NAME), as on EL since 7:
# rpm's own default is NAME-VERSION.
%_docdir_fmt		%%{NAME}
%_pkgdocdir		%{_docdir}/%{name}

# ---- Tools (the plain names EL uses; Debian's rpm names its triplet-prefixed ones) -------------
%__cc			gcc
%__cxx			g++
%__cpp			gcc -E
%__ar			ar
%__ranlib		ranlib
%__strip		/usr/bin/strip
%__objdump		/usr/bin/objdump

# ---- Payloads and digests, as EL9 packages have them ---------------------------------------
%_source_payload	w19.zstdio
%_binary_payload	w19.zstdio
%_source_filedigest_algorithm	8
%_binary_filedigest_algorithm	8

# ---- Compiler flags ------------------------------------------------------------------------
# Hardening: position-independent code and executables through our driver specs, full RELRO.
%_hardened_build	1
%_hardening_cflags	-specs=${RPM_CONFIG_DIR}/redhat-hardened-cc1
%_hardening_ldflags	-Wl,-z,now -specs=${RPM_CONFIG_DIR}/redhat-hardened-ld
%_hardened_cflags	%{?_hardened_build:%{_hardening_cflags}}
%_hardened_ldflags	%{?_hardened_build:%{_hardening_ldflags}}

# Link-time optimisation stays on, as on EL9: a package that breaks with LTO breaks here the way
# it would on EL9 (and opts out the same way, with %%define _lto_cflags %%{nil}). Fat objects keep
# static archives usable without the LTO plugin; brp-strip-lto removes the bytecode after install.
%_lto_cflags		-flto=auto -ffat-lto-objects

%_preprocessor_defines	-Wp,-D_FORTIFY_SOURCE=2 -Wp,-D_GLIBCXX_ASSERTIONS
%_warning_options	-Wall -Werror=format-security

# No annobin here (EL9 adds -specs=.../redhat-annobin-cc1): the plugin is not part of Debian's gcc.
%__global_compiler_flags	-O2 %{?_lto_cflags} -fexceptions -g -grecord-gcc-switches -pipe %{_warning_options} %{_preprocessor_defines} %{_hardened_cflags} -fstack-protector-strong

%__cflags_arch_x86_64	-march=x86-64-v2 -mtune=generic
# %%optflags itself comes from our rpmrc (rpm sets it from rpmrc after reading macro files).

%_fmoddir		%{_libdir}/gfortran/modules
%build_cflags		%{optflags}
%build_cxxflags		%{optflags}
%build_fflags		%{optflags} -I%{_fmoddir}
%_ld_as_needed		1
%_ld_as_needed_flags	%{?_ld_as_needed:-Wl,--as-needed}
%_build_id_ldflags	-Wl,--build-id=sha1
%build_ldflags		-Wl,-z,relro %{_ld_as_needed_flags} %{_hardened_ldflags} %{_build_id_ldflags}

# The older names some specs still use.
%__global_cflags	%{build_cflags}
%__global_cxxflags	%{build_cxxflags}
%__global_fflags	%{build_fflags}
%__global_fcflags	%{build_fflags}
%__global_ldflags	%{build_ldflags}

%set_build_flags \\
  CFLAGS="\${CFLAGS:-%{build_cflags}}" ; export CFLAGS ; \\
  CXXFLAGS="\${CXXFLAGS:-%{build_cxxflags}}" ; export CXXFLAGS ; \\
  FFLAGS="\${FFLAGS:-%{build_fflags}}" ; export FFLAGS ; \\
  FCFLAGS="\${FCFLAGS:-%{build_fflags}}" ; export FCFLAGS ; \\
  LDFLAGS="\${LDFLAGS:-%{build_ldflags}}" ; export LDFLAGS ; \\
  LT_SYS_LIBRARY_PATH="\${LT_SYS_LIBRARY_PATH:-%{_libdir}:}" ; export LT_SYS_LIBRARY_PATH ; \\
  CC="\${CC:-%{__cc}}" ; export CC ; \\
  CXX="\${CXX:-%{__cxx}}" ; export CXX

# ---- %configure ------------------------------------------------------------------------------
# Fresh config.guess/config.sub (kept in ${RPM_CONFIG_DIR}) replace a tarball's old ones, so
# that old configure scripts still know this machine.
%_configure		./configure
%_configure_gnuconfig_hack	1
%__distforge_refresh_gnuconfig \\
  for gnuconfig in $(find "$(dirname %{_configure})" -name config.guess -o -name config.sub) ; do \\
    if [ -f "${RPM_CONFIG_DIR}/\${gnuconfig##*/}" ] ; then %{__rm} -f "$gnuconfig" ; %{__cp} -fv "${RPM_CONFIG_DIR}/\${gnuconfig##*/}" "$gnuconfig" ; fi ; \\
  done ;

%configure \\
  %{set_build_flags}; \\
  %{?_configure_gnuconfig_hack:%{__distforge_refresh_gnuconfig}} \\
  %{_configure} --build=%{_build} --host=%{_host} \\\\\\
	--program-prefix=%{?_program_prefix} \\\\\\
	--disable-dependency-tracking \\\\\\
	%{?_configure_disable_silent_rules:--disable-silent-rules} \\\\\\
	--prefix=%{_prefix} \\\\\\
	--exec-prefix=%{_exec_prefix} \\\\\\
	--bindir=%{_bindir} \\\\\\
	--sbindir=%{_sbindir} \\\\\\
	--sysconfdir=%{_sysconfdir} \\\\\\
	--datadir=%{_datadir} \\\\\\
	--includedir=%{_includedir} \\\\\\
	--libdir=%{_libdir} \\\\\\
	--libexecdir=%{_libexecdir} \\\\\\
	--localstatedir=%{_localstatedir} \\\\\\
	--sharedstatedir=%{_sharedstatedir} \\\\\\
	--mandir=%{_mandir} \\\\\\
	--infodir=%{_infodir}

# Out-of-tree builds (meson, cmake): EL's directory names.
%_vpath_srcdir		.
%_vpath_builddir	%{_vendor}-%{_target_os}-build

# ---- Upstream signatures ---------------------------------------------------------------------
# %%{gpgverify} --keyring=%%{SOURCE2} --signature=%%{SOURCE1} --data=%%{SOURCE0} in %%prep
# (BuildRequires: gnupg2).
%gpgverify		${RPM_CONFIG_DIR}/gpgverify

# ---- Shared libraries ------------------------------------------------------------------------
# glibc runs ldconfig through its transaction file triggers, so the scriptlets EL specs ask for
# are empty (%%ldconfig itself stays usable: %%post -p %%{ldconfig}).
%ldconfig		/sbin/ldconfig
%ldconfig_post(n:)	%{nil}
%ldconfig_postun(n:)	%{nil}
%ldconfig_scriptlets(n:)	%{nil}

# ---- Debug information: -debuginfo per package and one -debugsource, as EL9 ------------------
%_enable_debug_packages	1
%_debugsource_packages	1
%_debuginfo_subpackages	1
%_include_minidebuginfo	1
%_build_id_links	compat
%__find_debuginfo	/usr/bin/find-debuginfo
%_find_debuginfo_dwz_opts	--run-dwz --dwz-low-mem-die-limit 10000000 --dwz-max-die-limit 110000000
# (no gdb here, so no %%_include_gdb_index)

# Every package with a build directory gets its debug packages without asking, as on EL9: the
# %%install section header itself expands to %%debug_package first.
%install %{?_enable_debug_packages:%{?buildsubdir:%{debug_package}}}\\
%%install\\
%{nil}

# ---- After %%install: the buildroot checks and clean-ups ------------------------------------
%__brp_ldconfig		${RPM_CONFIG_DIR}/brp-ldconfig
%__brp_compress		%{_rpmconfigdir}/brp-compress %{?_prefix}
%__brp_strip		%{_rpmconfigdir}/brp-strip %{__strip}
%__brp_strip_comment_note	%{_rpmconfigdir}/brp-strip-comment-note %{__strip} %{__objdump}
%__brp_strip_static_archive	%{_rpmconfigdir}/brp-strip-static-archive %{__strip}
%__brp_strip_lto	${RPM_CONFIG_DIR}/brp-strip-lto %{__strip}
%__brp_remove_la_files	%{_rpmconfigdir}/brp-remove-la-files
%__brp_check_rpaths	%{_rpmconfigdir}/check-rpaths
%py_auto_byte_compile	1
%__brp_python_bytecompile	%{_rpmconfigdir}/brp-python-bytecompile "" "%{?_python_bytecompile_errors_terminate_build}" "%{?_python_bytecompile_extra}"

# Stripping is find-debuginfo's job when debug packages are made.
%__os_install_post \\
    %{?__brp_ldconfig} \\
    %{?__brp_compress} \\
    %{!?__debug_package:%{?__brp_strip} %{?__brp_strip_comment_note}} \\
    %{?__brp_strip_lto} \\
    %{?__brp_strip_static_archive} \\
    %{?py_auto_byte_compile:%{?__brp_python_bytecompile}} \\
    %{?__brp_remove_la_files} \\
    %{?__brp_check_rpaths} \\
%{nil}
%__arch_install_post	%{_rpmconfigdir}/check-buildroot
`;

/**
 * /usr/lib/rpm/redhat/rpmrc: rpm defines %optflags from the rpmrc files after it reads the macro
 * files, so EL's flags are set here (Debian's rpm reads it as /usr/lib/rpm/debian/rpmrc).
 */
export const REDHAT_RPMRC = `# rpmrc of the distforge bootstrap's redhat-rpm-config: EL9's compiler flags (macros expand at use).
optflags: x86_64 %{__global_compiler_flags} -m64 %{__cflags_arch_x86_64} -fasynchronous-unwind-tables -fstack-clash-protection -fcf-protection
optflags: amd64 %{__global_compiler_flags} -m64 %{__cflags_arch_x86_64} -fasynchronous-unwind-tables -fstack-clash-protection -fcf-protection
`;

/** /usr/lib/rpm/macros.d/macros.meson, shipped by our meson package as EL's meson has it. */
export const MESON_MACROS = `# meson's rpm macros on the distforge bootstrap platform (EL9's macro names, our text).
%__meson		%{_bindir}/meson
%__meson_wrap_mode	nodownload
%__meson_auto_features	enabled

%meson \\
  %{set_build_flags} \\
  %{shrink:%{__meson} setup \\
    --buildtype=plain \\
    --prefix=%{_prefix} \\
    --libdir=%{_libdir} \\
    --libexecdir=%{_libexecdir} \\
    --bindir=%{_bindir} \\
    --sbindir=%{_sbindir} \\
    --includedir=%{_includedir} \\
    --datadir=%{_datadir} \\
    --mandir=%{_mandir} \\
    --infodir=%{_infodir} \\
    --localedir=%{_datadir}/locale \\
    --sysconfdir=%{_sysconfdir} \\
    --localstatedir=%{_localstatedir} \\
    --sharedstatedir=%{_sharedstatedir} \\
    --wrap-mode=%{__meson_wrap_mode} \\
    --auto-features=%{__meson_auto_features} \\
    %{_vpath_srcdir} %{_vpath_builddir} \\
    %{nil}}

%meson_build	%{shrink:%{__meson} compile -C %{_vpath_builddir} -j %{_smp_build_ncpus} %{?__meson_verbose:--verbose} %{nil}}
%meson_install	%{shrink:DESTDIR=%{buildroot} %{__meson} install -C %{_vpath_builddir} --no-rebuild %{nil}}
%meson_test	%{shrink:%{__meson} test -C %{_vpath_builddir} --num-processes %{_smp_build_ncpus} --print-errorlogs %{nil}}
`;

/** /usr/lib/rpm/macros.d/macros.rpmdb: rpm in a root keeps its database where EL's does. */
export const MACROS_RPMDB = `# distforge bootstrap: the rpm database lives in /var/lib/rpm, as on EL9 (Debian's rpm uses ~/.rpmdb).
%_dbpath		%{_var}/lib/rpm
`;

/**
 * /usr/bin/pkg-config of pkgconf-pkg-config: pkgconf with EL's library directory (/usr/lib64/pkgconfig,
 * where packages built in the root put their .pc files) searched before Debian's.
 */
export const PKG_CONFIG_WRAPPER = `#!/bin/sh
# distforge bootstrap: pkgconf searching /usr/lib64/pkgconfig (EL's %{_libdir}) before Debian's
# directories, unless the caller chose the directories itself.
if [ -z "\${PKG_CONFIG_LIBDIR+set}" ]; then
  PKG_CONFIG_LIBDIR=/usr/lib64/pkgconfig:/usr/share/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/pkgconfig
  export PKG_CONFIG_LIBDIR
fi
exec /usr/bin/pkgconf "$@"
`;

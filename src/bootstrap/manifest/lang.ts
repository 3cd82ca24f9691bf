/**
 * Manifest: perl (split as EL9: perl-interpreter, perl-libs, perl with the rest of the core) and
 * the modules texinfo uses; python3 with its standard library and setuptools (meson runs on it).
 */
import type { ElPackageDef } from '../types.ts';

const PERL_VERSION = '5.36.0';
/** EL's perl epoch: rpm's perl.req writes `perl >= 1:5.010`, which 5.36.0 without it would not meet. */
const PERL_EPOCH = 4;
/** perl.req reads `require VMS::Stdio` in code for other systems, and unicore files perl.prov does not see as modules. */
const PERL_FOREIGN = '^perl\\((VMS|Mac|Win32|unicore)::';

export const LANGUAGE_PACKAGES: ElPackageDef[] = [
  {
    name: 'perl-interpreter',
    from: ['perl-base'],
    epoch: PERL_EPOCH,
    // `perl = 4:…` here, so that the `perl >= 1:5.x` requirements of scripts need only the interpreter.
    provides: [`perl = ${PERL_EPOCH}:${PERL_VERSION}`, `perl(:VERSION) = ${PERL_VERSION}`, `perl(:MODULE_COMPAT_${PERL_VERSION})`, 'perl(:WITH_ITHREADS)', 'perl(:WITH_64BIT)', 'perl(:WITH_LARGEFILES)'],
    requiresExclude: PERL_FOREIGN,
  },
  { name: 'perl-libs', from: ['libperl5.36'], epoch: PERL_EPOCH, requires: ['perl-interpreter'], requiresExclude: PERL_FOREIGN },
  { name: 'perl', from: ['perl', 'perl-modules-5.36'], epoch: PERL_EPOCH, requires: ['perl-interpreter', 'perl-libs'], requiresExclude: PERL_FOREIGN },
  { name: 'perl-Text-Unidecode', from: ['libtext-unidecode-perl'] },
  { name: 'perl-XML-NamespaceSupport', from: ['libxml-namespacesupport-perl'] },
  { name: 'perl-XML-SAX-Base', from: ['libxml-sax-base-perl'] },
  // PurePerl's parts are files of package XML::SAX::PurePerl, not modules of their own.
  { name: 'perl-XML-SAX', from: ['libxml-sax-perl'], exclude: ['/usr/bin/update-perl-sax-parsers'], requiresExclude: '^perl\\(XML::SAX::PurePerl::' },
  { name: 'perl-XML-LibXML', from: ['libxml-libxml-perl'] },
  {
    name: 'python3',
    from: ['python3.11-minimal', 'python3-minimal', 'python3.11', 'python3'],
    requires: ['python3-libs'],
    exclude: ['/usr/lib/binfmt.d/**', '/usr/share/binfmts/**', '/usr/lib/valgrind/**', '/usr/share/pixmaps/**', '/usr/share/applications/**'],
  },
  {
    name: 'python3-libs',
    from: ['libpython3.11-minimal', 'libpython3.11-stdlib', 'libpython3-stdlib', 'python3-distutils', 'python3-lib2to3'],
    // cgi.py's example interpreter line
    requiresExclude: '^/usr/local/bin/python',
  },
  {
    name: 'python3-setuptools',
    from: ['python3-setuptools', 'python3-pkg-resources'],
    requires: ['python3'],
    provides: ['python3dist(setuptools)', 'python3.11dist(setuptools)'],
  },
  { name: 'python3-packaging', from: ['python3-packaging'], requires: ['python3'], provides: ['python3dist(packaging)', 'python3.11dist(packaging)'] },
];

/**
 * The resolving half of a build root's installs, as a short program for dnf's own Python API
 * (run with the interpreter of the host's dnf): dnf resolves what to install into a root — a
 * package list, comps groups (`@buildsys-build`) and dependency strings (BuildRequires, rich ones
 * included) — against the root's rpmdb and the repositories given, checks signatures where a
 * repository asks for it, downloads the packages into the shared package cache, and prints the
 * transaction as JSON. A spec `nevra:N-E:V-R.A` asks for exactly that package (a locked root),
 * `file:PATH` for a package file (the test system's package under test). It
 * runs no package's code: installing (with scriptlets) is the other half,
 * `dnf install` of these files in a sandbox without network (dnf.ts).
 *
 * Input (JSON file named by argv[1]): { installroot, cachedir, releasever, basearch, repos:
 * [{id, url, gpgcheck, gpgkey?}], specs: [..], strict }. Output (stdout): { ok: true, packages:
 * [{nevra, repo, path, checksum}] } or { ok: false, missing: [..], problems: [..] }.
 */

export const DNF_RESOLVE_SCRIPT = String.raw`
import json, sys
import dnf, dnf.exceptions, dnf.selector, dnf.subject, hawkey

def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    base = dnf.Base()
    conf = base.conf
    conf.installroot = req['installroot']
    conf.cachedir = req['cachedir']
    conf.keepcache = True
    conf.install_weak_deps = False
    conf.best = True
    conf.reposdir = []
    conf.substitutions['releasever'] = req['releasever']
    conf.substitutions['basearch'] = req['basearch']
    conf.assumeyes = True
    conf.gpgcheck = False
    conf.localpkg_gpgcheck = False
    conf.logdir = '/tmp'
    for r in req['repos']:
        opts = {'baseurl': [r['url']], 'gpgcheck': bool(r.get('gpgcheck')), 'metadata_expire': '0', 'skip_if_unavailable': False}
        if r.get('gpgkey'):
            opts['gpgkey'] = [r['gpgkey']]
        base.repos.add_new_repo(r['id'], conf, **opts)
    base.fill_sack(load_system_repo=True)
    missing = []
    groups = [s[1:] for s in req['specs'] if s.startswith('@')]
    if groups:
        base.read_comps(arch_filter=True)
        for g in groups:
            found = base.comps.group_by_pattern(g)
            if found is None:
                missing.append('@' + g)
                continue
            base.group_install(found.id, ('mandatory', 'default'))
    for spec in (s for s in req['specs'] if not s.startswith('@')):
        if spec.startswith('file:'):
            for pkg in base.add_remote_rpms([spec[5:]]):
                base.package_install(pkg, strict=True)
            continue
        if spec.startswith('nevra:'):
            q = dnf.subject.Subject(spec[6:]).get_best_query(base.sack, with_provides=False, with_filenames=False, forms=[hawkey.FORM_NEVRA]).available()
            if not q:
                missing.append(spec[6:])
                continue
            sltr = dnf.selector.Selector(base.sack)
            sltr.set(pkg=q)
            base._goal.install(select=sltr, optional=False)
            continue
        sltr = dnf.selector.Selector(base.sack)
        sltr.set(provides=spec)
        if not sltr.matches() and spec.startswith('/'):
            sltr = dnf.selector.Selector(base.sack)
            sltr.set(file=spec)
        if not sltr.matches() and not spec.startswith('('):
            missing.append(spec)
            continue
        base._goal.install(select=sltr, optional=False)
    if missing and req.get('strict', True):
        print(json.dumps({'ok': False, 'missing': missing, 'problems': []}))
        return
    try:
        base.resolve()
    except dnf.exceptions.DepsolveError as e:
        print(json.dumps({'ok': False, 'missing': missing, 'problems': str(e).splitlines()}))
        return
    pkgs = sorted(base.transaction.install_set, key=lambda p: str(p))
    base.download_packages(pkgs)
    out = []
    for p in pkgs:
        local = p.reponame == '@commandline'
        if not local and p.repo.gpgcheck:
            code, msg = base.package_signature_check(p)
            if code == 1:
                base.package_import_key(p, askcb=lambda *a: True, fullaskcb=lambda *a: True)
                code, msg = base.package_signature_check(p)
            if code != 0:
                print(json.dumps({'ok': False, 'missing': [], 'problems': ['%s: %s' % (p, msg)]}))
                return
        kind, value = p.returnIdSum() if (not local and p.chksum) else (None, None)
        out.append({'nevra': str(p), 'repo': p.repoid, 'path': p.localPkg(), 'checksum': {'type': kind, 'value': value}})
    print(json.dumps({'ok': True, 'packages': out}))

try:
    main()
except dnf.exceptions.Error as e:
    print(json.dumps({'ok': False, 'missing': [], 'problems': [str(e)]}))
`;

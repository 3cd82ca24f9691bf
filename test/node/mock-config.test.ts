/**
 * The mock configuration made from a platform, judged by Python (mock's configuration language):
 * the file is executed as mock would, and its dnf.conf read with configparser, as dnf reads it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mockConfig } from '../../src/node/builders/mock-config.ts';
import type { NodePlatform } from '../../src/node/types.ts';
import { examplePlatform } from './support.ts';

/** Runs the configuration as mock does and returns config_opts, plus dnf.conf's sections. */
const LOADER = `
import configparser, json, sys
class Opts(dict):
    def __missing__(self, key):
        value = Opts()
        self[key] = value
        return value
config_opts = Opts()
exec(open(sys.argv[1]).read())
dnf = configparser.ConfigParser(interpolation=None)
dnf.read_string(config_opts['dnf.conf'])
print(json.dumps({'opts': config_opts, 'dnf': {s: dict(dnf[s]) for s in dnf.sections()}}))
`;

interface Loaded {
  opts: Record<string, unknown> & { macros: Record<string, string> };
  dnf: Record<string, Record<string, string>>;
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'distforge-mock-config-'));
  writeFileSync(join(dir, 'load.py'), LOADER);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string): Loaded {
  const cfg = join(dir, 'mock.cfg');
  writeFileSync(cfg, text);
  return JSON.parse(execFileSync('python3', [join(dir, 'load.py'), cfg], { encoding: 'utf8' })) as Loaded;
}

const withRepos: NodePlatform = {
  ...examplePlatform(),
  repositories: [
    { name: 'baseos', url: 'https://mirror.example/el9/BaseOS/$basearch/os/' },
    { name: "odd 'name' \\ here", url: 'file:///srv/repos/extra' },
  ],
};

test('the example platform for x86_64: chroot, arch, dist, macros, isolated build', () => {
  const { opts } = load(mockConfig(examplePlatform(), 'x86_64'));
  assert.equal(opts.root, 'example-el9-x86_64');
  assert.equal(opts.target_arch, 'x86_64');
  assert.deepEqual(opts.legal_host_arches, ['x86_64']);
  assert.equal(opts.dist, 'el9');
  assert.equal(opts.releasever, '9');
  assert.equal(opts.package_manager, 'dnf');
  assert.equal(opts.rpmbuild_networking, false);
  assert.equal(opts.chroot_setup_cmd, 'install @buildsys-build', "the platform's buildroot.install, as the node's own roots");
  assert.equal(opts.macros['%dist'], '.el9');
  assert.equal(opts.macros['%vendor'], 'distforge example');
  assert.equal(opts.macros['%_buildhost'], 'build.example.invalid');
  assert.equal(opts.macros['%rhel'], '9');
  assert.equal(opts.macros['%_topdir'], undefined, 'mock sets its own paths');
  assert.equal(opts.macros['%_dbpath'], undefined);
});

test("dnf.conf lists the platform's repositories, quoting survives", () => {
  const { dnf } = load(mockConfig(withRepos, 'x86_64'));
  assert.equal(dnf.main?.reposdir, '/dev/null');
  assert.equal(dnf.main?.install_weak_deps, '0');
  assert.equal(dnf.main?.module_platform_id, 'platform:el9');
  assert.deepEqual(dnf.baseos, { name: 'baseos', baseurl: 'https://mirror.example/el9/BaseOS/$basearch/os/', enabled: '1', skip_if_unavailable: 'False', module_hotfixes: '1', gpgcheck: '0' });
  const signed = load(mockConfig({ ...withRepos, repositories: [{ name: 'signed', url: 'https://m/x/', gpgcheck: true, gpgkey: 'https://m/KEY' }] }, 'x86_64')).dnf;
  assert.deepEqual([signed.signed?.gpgcheck, signed.signed?.gpgkey], ['1', 'https://m/KEY']);
  const odd = Object.entries(dnf).find(([id]) => id.startsWith('odd'));
  assert.ok(odd);
  assert.equal(odd[1].name, "odd 'name' \\ here");
  assert.equal(odd[1].baseurl, 'file:///srv/repos/extra');
});

test('noarch builds in a chroot of the platform’s first real arch', () => {
  const { opts } = load(mockConfig(examplePlatform(), 'noarch'));
  assert.equal(opts.target_arch, 'x86_64');
  assert.equal(opts.root, 'example-el9-x86_64');
});

test('an arch the platform does not build, and values that would break the file, are refused', () => {
  assert.throws(() => mockConfig(examplePlatform(), 'aarch64'), /does not build for aarch64/);
  assert.throws(() => mockConfig({ ...withRepos, repositories: [{ name: 'x', url: 'http://a\n[evil]' }] }, 'x86_64'), /spans lines/);
  assert.throws(() => mockConfig({ ...examplePlatform(), macros: { 'bad name': '1' } }, 'x86_64'), /bad macro name/);
});

#!/usr/bin/env node
// Packs the npm packages: `coze-mock` (the API and the bin shim) and one `@coze-mock/<os>-<cpu>` per
// binary given, each at the coze-mock crate's Cargo version. The platforms are listed in platforms.json; the
// main package names the packed ones as optional dependencies (all of them in a release), and npm
// installs only the one matching os/cpu. Naming a platform package that was not packed would break
// `npm ci` in a project installed from these tarballs: npm records it in the lock file as missing.
//
//   node packaging/npm/pack.mjs --out DIR [--binary TRIPLE=PATH]...
//
// e.g. --binary x86_64-unknown-linux-gnu=target/x86_64-unknown-linux-gnu/dist/coze-mock
// Prints the path of every tarball written to DIR. The source tree is not modified (packages are staged
// in a temporary folder).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const PLATFORMS = JSON.parse(fs.readFileSync(path.join(HERE, 'platforms.json'), 'utf8'));

function usage(message) {
  console.error(`pack.mjs: ${message}\nusage: node pack.mjs --out DIR [--binary TRIPLE=PATH]...`);
  process.exit(2);
}

function parseArgs(argv) {
  const out = { dir: null, binaries: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out.dir = argv[++i];
    else if (argv[i] === '--binary') {
      const [triple, file] = (argv[++i] ?? '').split(/=(.*)/s);
      const platform = PLATFORMS.find((p) => p.triple === triple);
      if (!platform) usage(`unknown target triple ${triple}; known: ${PLATFORMS.map((p) => p.triple).join(', ')}`);
      if (!file || !fs.existsSync(file)) usage(`no binary at ${file}`);
      out.binaries.push({ platform, file: path.resolve(file) });
    } else usage(`unknown argument ${argv[i]}`);
  }
  if (!out.dir) usage('--out is required');
  return out;
}

/** The coze-mock crate's version: the one every package carries. */
function cargoVersion() {
  const manifest = fs.readFileSync(path.join(REPO, 'mock-server', 'Cargo.toml'), 'utf8');
  const m = manifest.match(/^\[package\][^[]*?^version\s*=\s*"([^"]+)"/ms);
  if (!m) throw new Error('no version in mock-server/Cargo.toml [package]');
  return m[1];
}

const platformName = (p) => `@coze-mock/${p.os}-${p.cpu}`;

function npmPack(dir, outDir) {
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
    cwd: dir,
    encoding: 'utf8',
  });
  return path.join(outDir, JSON.parse(json)[0].filename);
}

function stagePlatform(staging, { platform, file }, version) {
  const dir = path.join(staging, `${platform.os}-${platform.cpu}`);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  const exe = path.join(dir, 'bin', platform.exe);
  fs.copyFileSync(file, exe);
  fs.chmodSync(exe, 0o755);
  const manifest = {
    name: platformName(platform),
    version,
    description: `The coze-mock binary for ${platform.os} ${platform.cpu} (${platform.triple}); install coze-mock instead`,
    license: 'MIT OR Apache-2.0',
    os: [platform.os],
    cpu: [platform.cpu],
    files: ['bin'],
    preferUnplugged: true,
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${manifest.name}\n\n${manifest.description}: \`npm install --save-dev coze-mock\`.\n`,
  );
  return dir;
}

function stageMain(staging, version, packed) {
  const dir = path.join(staging, 'coze-mock');
  fs.cpSync(path.join(HERE, 'coze-mock'), dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  manifest.version = version;
  manifest.optionalDependencies = Object.fromEntries(packed.map((p) => [platformName(p), version]));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

const args = parseArgs(process.argv.slice(2));
const outDir = path.resolve(args.dir);
fs.mkdirSync(outDir, { recursive: true });
const version = cargoVersion();
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'coze-mock-npm-'));
try {
  for (const binary of args.binaries) console.log(npmPack(stagePlatform(staging, binary, version), outDir));
  const packed = args.binaries.map((b) => b.platform);
  console.log(npmPack(stageMain(staging, version, packed), outDir));
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}

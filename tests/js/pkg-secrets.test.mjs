// No secret in the npm package: what `npm pack` would publish from pkg/ holds no key material, no certificate, no
// token-shaped value, no machine path, and only the files the manifest names.
// Needs ./build.sh build first (./build.sh test does it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../scripts/lib/import-map.mjs';

const pkg = path.join(repoRoot, 'pkg');

function packed() {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, encoding: 'utf8' });
  return JSON.parse(out)[0].files.map((f) => f.path).sort();
}

test('the package publishes only its own files', () => {
  assert.ok(existsSync(path.join(pkg, 'package.json')), 'pkg/ is missing: run ./build.sh build');
  const files = packed();
  for (const f of files) {
    assert.match(f, /^(package\.json|README\.md|LICENSE|index\.js|ait_checkout\.js|ait_checkout\.d\.ts|ait_checkout_bg\.wasm|ait_checkout_bg\.wasm\.d\.ts|snippets\/.+\.js)$/, `unexpected file in the package: ${f}`);
  }
  assert.ok(files.includes('ait_checkout_bg.wasm') && files.includes('index.js'));
  assert.ok(files.includes('README.md'), 'the package carries its README');
});

test('no key, certificate, token or machine path in the package', () => {
  const patterns = [
    [/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/, 'PEM key or certificate'],
    [/\b(access|refresh)Token["']?\s*[:=]\s*["'][A-Za-z0-9._-]{16,}/, 'a token value'],
    [/x-toss-user-key["']?\s*[:=]\s*["']?\d+/i, 'a user key value'],
    [/\/(root|home|work|Users)\/[A-Za-z0-9._-]+\//, 'a machine path'],
    [/\.sandbox-certs|client-key\.pem/, 'sandbox certificate files'],
  ];
  for (const f of packed()) {
    const text = readFileSync(path.join(pkg, f)).toString('latin1');
    for (const [re, what] of patterns) assert.doesNotMatch(text, re, `${what} in ${f}`);
  }
});

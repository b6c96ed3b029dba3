// What each part of the npm package's wasm costs, measured: the table of docs/SIZE.md.
//
//   node scripts/size-table.mjs              attribution of the shipped wasm (after ./build.sh build)
//   node scripts/size-table.mjs --variants   also builds the variants of docs/SIZE.md and prints their sizes
//
// Attribution: the wasm of `./build.sh build` (profile wasm) goes through the same wasm-bindgen + wasm-opt steps with
// the function names kept, and twiggy (cargo install twiggy) sizes every function and data segment; they are grouped
// by the crate or module they come from. Sizes are raw bytes after wasm-opt; the gzip column shares the shipped wasm's
// gzip size out in proportion (gzip cannot be split exactly). Rust inlines callees into callers, so an async flow
// polled from the JS surface counts under the surface: read the groups together with that note.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const target = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
const wasmOpt = path.join(root, 'node_modules', '.bin', 'wasm-opt');
const OPT = ['-Oz', '--converge', '--low-memory-unused', '--strip-producers', '--strip-target-features'];
// As build.sh: cargo-installed tools (wasm-bindgen, twiggy) on the PATH.
process.env.PATH = `${process.env.CARGO_HOME ?? path.join(homedir(), '.cargo')}/bin:${process.env.PATH}`;
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
// gzip -9 as ./build.sh sizes measures it (zlib's level 9 differs by a few hundred bytes).
const gz = (file) => execFileSync('gzip', ['-9c', file], { maxBuffer: 1 << 28 }).length;

function need(cmd, hint) {
  try {
    run(cmd, ['--version'], { stdio: 'pipe' });
  } catch {
    console.error(`${cmd} is missing: ${hint}`);
    process.exit(1);
  }
}

// The shipped pipeline on `wasm` (wasm-bindgen, wasm-opt); returns { file, named } in a scratch directory: the
// stripped wasm as shipped (before the import renaming, which saves the same bytes for every variant) and one with
// function names for twiggy.
function pipeline(wasm, scratch) {
  run('wasm-bindgen', ['--target', 'web', '--out-dir', scratch, '--out-name', 'ait_checkout', wasm]);
  const bg = path.join(scratch, 'ait_checkout_bg.wasm');
  const file = path.join(scratch, 'shipped.wasm');
  const named = path.join(scratch, 'named.wasm');
  run(wasmOpt, [...OPT, bg, '-o', file]);
  run(wasmOpt, [...OPT, '--debuginfo', bg, '-o', named]);
  return { file, named };
}

// The group of one twiggy row.
function group(name) {
  const n = name.replace(/\[[0-9a-f]+\]/g, '');
  if (n.startsWith('"function names"') || n.startsWith('"data names"')) return null;
  if (n.startsWith('data segment')) return 'data: strings, serde field names, vtables';
  if (/ (externref|multivalue) shim$/.test(n)) return 'JS surface: wasm-bindgen export shims';
  if (/flt2dec|diy_float|bignum|<f64 as core::fmt|WithDecimalPoint/.test(n)) return 'core: f64 formatting (serde error messages)';
  const own = /^(?:<|<&)?(?:dyn )?ait_checkout::(web::checkout|web::error|web::sdk|web::partner|web|flow|bridge|checkout|sdk|partner|version|error|event)\b/.exec(n);
  if (own) {
    return {
      'web::checkout': 'JS surface: src/web/checkout.rs (with the flows it polls inlined)',
      'web::error': 'JS surface: src/web/error.rs',
      'web::sdk': 'SDK binding: src/web/sdk.rs',
      'web::partner': 'partner client: src/web/partner.rs (gloo-net)',
      web: 'binding: src/web/mod.rs',
      flow: 'flows: src/flow/',
      bridge: 'bridge: src/bridge.rs',
      checkout: 'Rust API: src/checkout.rs',
      sdk: 'SDK reply types: src/sdk/ (serde)',
      partner: 'partner trait: src/partner/',
      version: 'version gates: src/version.rs',
      error: 'error type: src/error.rs',
      event: 'events: src/event.rs',
    }[own[1]];
  }
  // serde impls of the crate's types are named after the type: <ait_checkout::sdk::iap::Product as Deserialize>.
  const impl = /^<(?:&)?(ait_checkout|ait_api)::([a-z_]+)/.exec(n);
  if (impl) return impl[1] === 'ait_api' ? 'ait_api: the contract types (serde)' : group(`ait_checkout::${impl[2]}`);
  const krate = /^(?:<|<&|<&mut )?(?:dyn )?([a-z_0-9]+)::/.exec(n);
  if (krate) {
    const k = krate[1];
    if (k === 'serde_wasm_bindgen') return 'serde-wasm-bindgen';
    if (k === 'serde' || k === 'serde_core') return 'serde';
    if (k === 'ait_api') return 'ait_api: the contract types (serde)';
    if (k === 'dlmalloc' || k === 'alloc' || k === '__rustc' || k === 'hashbrown') return 'alloc + dlmalloc';
    if (k === 'core' || k === 'std') return 'core + std (fmt, panics, str)';
    if (k === 'js_sys' || k === 'wasm_bindgen' || k === 'wasm_bindgen_futures' || k === 'web_sys') return 'wasm-bindgen, js-sys, web-sys';
    if (k.startsWith('gloo') || k === 'http') return 'gloo-net, gloo-timers, http';
    if (k.startsWith('futures')) return 'futures';
    return `other: ${k}`;
  }
  // Standard trait impls of primitives and generics (`<u32 as core::fmt::Display>`, `<char>::escape_debug_ext`).
  if (/^<[^>]* as (core|alloc|std)::/.test(n) || /^<(char|str|\[T\])>::/.test(n)) return 'core + std (fmt, panics, str)';
  return 'wasm-bindgen runtime: imports, externref table, unnamed code';
}

function attribution(named, shippedGzip) {
  const csv = run('twiggy', ['top', '-n', '1000000', '-f', 'csv', named]).trim().split('\n').slice(1);
  const sizes = new Map();
  let total = 0;
  for (const line of csv) {
    // Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent (the name may be quoted and hold commas)
    const m = /^(".*"|[^,]*),(\d+),/.exec(line);
    if (!m) continue;
    const name = m[1].replace(/^"|"$/g, '').replace(/""/g, '"');
    const g = group(name);
    if (!g) continue;
    const bytes = Number(m[2]);
    sizes.set(g, (sizes.get(g) ?? 0) + bytes);
    total += bytes;
  }
  const rows = [...sizes].sort((a, b) => b[1] - a[1]);
  console.log(`| part | raw bytes | share | ~gzip bytes |`);
  console.log(`|---|---:|---:|---:|`);
  for (const [g, bytes] of rows) {
    console.log(`| ${g} | ${bytes} | ${(100 * bytes / total).toFixed(1)}% | ${Math.round(shippedGzip * bytes / total)} |`);
  }
  console.log(`| **wasm (code + data)** | **${total}** | 100% | **${shippedGzip}** |`);
}

// The path remapping of build.sh, so variants embed the same (short) panic locations as the shipped build.
function remaps() {
  const cargoHome = process.env.CARGO_HOME ?? path.join(homedir(), '.cargo');
  const sysroot = run('rustc', ['--print', 'sysroot']).trim();
  return `--remap-path-prefix=${cargoHome}/registry/src= --remap-path-prefix=${root}= --remap-path-prefix=${sysroot}=`;
}

// Builds the crate with `env` and `extraArgs` into `dir` and sizes the result as shipped (a failed build is reported).
function buildVariant(label, env, extraArgs, dir) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'ait-size-'));
  try {
    run('cargo', ['build', '--profile', 'wasm', '--target', 'wasm32-unknown-unknown', '-p', 'ait-checkout', '--lib', ...extraArgs],
      { env: { ...process.env, CARGO_TARGET_DIR: dir, ...env, RUSTFLAGS: `${remaps()} ${env.RUSTFLAGS ?? ''}` }, stdio: ['ignore', 'ignore', 'inherit'] });
    const { file } = pipeline(path.join(dir, 'wasm32-unknown-unknown', 'wasm', 'ait_checkout.wasm'), scratch);
    return { label, raw: readFileSync(file).length, gzip: gz(file) };
  } catch (e) {
    console.error(`variant "${label}": ${e.message.split('\n')[0]}`);
    return { label, failed: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

need('wasm-bindgen', 'run ./build.sh setup');
need('twiggy', 'cargo install twiggy (about 1.5 min on 2 cores)');
if (!existsSync(wasmOpt)) {
  console.error('node_modules/.bin/wasm-opt is missing: run ./build.sh setup');
  process.exit(1);
}
const shippedWasm = path.join(target, 'wasm32-unknown-unknown', 'wasm', 'ait_checkout.wasm');
if (!existsSync(shippedWasm) || !existsSync(path.join(root, 'pkg', 'ait_checkout_bg.wasm'))) {
  console.error('no wasm build: run ./build.sh build first');
  process.exit(1);
}

const scratch = mkdtempSync(path.join(tmpdir(), 'ait-size-'));
try {
  const { file, named } = pipeline(shippedWasm, scratch);
  const pkgWasm = path.join(root, 'pkg', 'ait_checkout_bg.wasm');
  console.log(`shipped wasm (pkg/): ${readFileSync(pkgWasm).length} raw, ${gz(pkgWasm)} gzip -9`);
  console.log(`same wasm before the import renaming: ${readFileSync(file).length} raw, ${gz(file)} gzip -9\n`);
  attribution(named, gz(pkgWasm));

  if (process.argv.includes('--variants')) {
    const base = { label: 'as shipped (profile wasm: opt-level z, fat LTO, 1 codegen unit, panic abort)', raw: readFileSync(file).length, gzip: gz(file) };
    const variants = [base];
    const sysroot = run('rustc', ['--print', 'sysroot']).trim();
    if (existsSync(path.join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library'))) {
      // std rebuilt for size, and panics that trap at once (no message formatting): needs nightly flags, allowed on
      // stable with RUSTC_BOOTSTRAP=1, and rustup's rust-src component.
      variants.push(buildVariant('std rebuilt with -Cpanic=immediate-abort (-Zbuild-std)',
        { RUSTC_BOOTSTRAP: '1', RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort' },
        ['-Zbuild-std=std,panic_abort'], path.join(target, 'size-build-std')));
    } else {
      console.log('\n(skipping the -Zbuild-std variant: `rustup component add rust-src` first)');
    }
    variants.push(buildVariant('opt-level "s" instead of "z"', { CARGO_PROFILE_WASM_OPT_LEVEL: 's' }, [], path.join(target, 'size-opt-s')));
    console.log('\n| variant | wasm raw | wasm gzip | vs shipped |');
    console.log('|---|---:|---:|---:|');
    for (const v of variants) {
      if (v.failed) console.log(`| ${v.label} | build failed | | |`);
      else console.log(`| ${v.label} | ${v.raw} | ${v.gzip} | ${v.gzip - base.gzip >= 0 ? '+' : ''}${v.gzip - base.gzip} |`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

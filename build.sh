#!/usr/bin/env bash
# ait-checkout: one entry point for everything.
#
#   ./build.sh setup   install what the other commands need (idempotent; run by test and demo)
#   ./build.sh build   build the npm package into pkg/ and report its size
#   ./build.sh test    every test: native (on SQLite and PostgreSQL), browser (wasm-pack test in headless Chromium), JS,
#                      package. PostgreSQL: the server at AIT_TEST_DATABASE_URL if one answers, else a throwaway one
#   ./build.sh postgres   start a throwaway PostgreSQL (scripts/postgres.sh), print its URL, wait; Ctrl-C removes it
#   ./build.sh demo    run the demo mini-app with the dev host
#   ./build.sh bench [size|browser|partner]   benchmarks into docs/BENCHMARKS.md (timing goals live here, never in tests)
#   ./build.sh chaos [--seed N] [--flows N]   seeded chaos run against the real partner and sandbox (issue 8 §3)
#   ./build.sh fuzz [--secs N] [--merge]   the cargo-fuzz targets in fuzz/, N seconds each (see fuzz/README.md)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

WASM_PACK_VERSION=0.15.1
# The package (wasm + JS, gzip -9): the build fails above the budget; the goal is what we aim for (issue 9 §7).
SIZE_BUDGET_GZIP=$((96 * 1024))
SIZE_GOAL_GZIP=80000
# The cargo profile of the package's wasm (Cargo.toml; size-tuned, separate from the servers' release profile).
WASM_PROFILE=${WASM_PROFILE:-wasm}

log() { printf '\033[1m==> [%ss] %s\033[0m\n' "$SECONDS" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

# Cleanups run when the script exits, last registered first. One EXIT trap for all: a second `trap … EXIT` would
# replace the first. Bash runs the EXIT trap on Ctrl-C and SIGTERM too.
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS+=("$1"); trap run_exit_hooks EXIT; }
run_exit_hooks() {
  local i
  for ((i = ${#EXIT_HOOKS[@]} - 1; i >= 0; i--)); do eval "${EXIT_HOOKS[i]}" || true; done
}

source "$ROOT/scripts/postgres.sh"

# The wasm-bindgen version locked in Cargo.lock; the CLI must match it exactly.
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

chromedriver_path() { command -v chromedriver || echo /usr/bin/chromedriver; }

setup() {
  log "setup"
  # Chromium + its driver for the browser tests; a Korean font so screenshots of the demo are readable.
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || [ ! -d /usr/share/fonts/opentype/noto ]; then
    log "installing Debian chromium, chromium-driver and fonts-noto-cjk"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-noto-cjk
  fi
  command -v cargo >/dev/null || die "cargo is missing (install Rust with rustup)"
  command -v npm >/dev/null || die "npm is missing (install Node.js 20+)"
  # rust-src: the package's std is rebuilt for size (see build()).
  if ! rustup component list --installed | grep -q '^rust-src'; then
    rustup component add rust-src
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  [ -f Cargo.lock ] || cargo generate-lockfile
  local want; want=$(locked_wasm_bindgen)
  [ -n "$want" ] || die "wasm-bindgen not found in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    log "installing wasm-bindgen-cli $want (matches Cargo.lock)"
    # Not --locked: the CLI's own lockfile pins a crate the index no longer has.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
    log "installing wasm-pack $WASM_PACK_VERSION"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
  fi
  # npm packages from the lockfile (the real SDK, npm's binaryen for wasm-opt, esbuild, playwright-core, vite).
  local lock_hash; lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
    log "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
    echo "$lock_hash" > node_modules/.lock-hash
  fi
}

build() {
  log "build: wasm (profile $WASM_PROFILE)"
  # Panic locations would carry this machine's paths into the package: remap them (also shorter). The toolchain's
  # own sources count too: with rustup's rust-src component installed, std's paths point into the sysroot.
  local cargo_home=${CARGO_HOME:-$HOME/.cargo} sysroot; sysroot=$(rustc --print sysroot)
  # Build-level shrinking (docs/SIZE.md has the figures), with RUSTC_BOOTSTRAP=1 as `./build.sh fuzz` uses it:
  # * std rebuilt for size (-Zbuild-std, its optimize_for_size feature) with the immediate-abort panic strategy: a
  #   panic traps without a message (none is reachable from JS input: every JS value is checked);
  # * -Zlocation-detail=none: no file/line data for panics that cannot print anyway;
  # * -Zfmt-debug=none: `{:?}` prints nothing. The crate's messages use `{}` only; what is lost is the quoted value in
  #   serde's decode messages (`invalid type: string "x"` reads `invalid type: string`). -3 KB gzip, which the 96 KiB
  #   budget needs.
  RUSTC_BOOTSTRAP=1 \
  RUSTFLAGS="--remap-path-prefix=$cargo_home/registry/src= --remap-path-prefix=$ROOT= --remap-path-prefix=$sysroot= -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
    cargo build --profile "$WASM_PROFILE" --target wasm32-unknown-unknown -p ait-checkout --lib \
      -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
  # serde_json costs ~30 KB gzip: values cross with serde-wasm-bindgen, and gloo-net runs without its `json` feature.
  if cargo tree -p ait-checkout --target wasm32-unknown-unknown -e normal --prefix none | grep -q '^serde_json '; then
    die "serde_json reached the wasm build (budget: no serde_json in the wasm)"
  fi
  rm -rf pkg
  local out_dir=$WASM_PROFILE
  [ "$WASM_PROFILE" = dev ] && out_dir=debug
  wasm-bindgen --target web --out-dir pkg --out-name ait_checkout \
    "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$out_dir/ait_checkout.wasm"
  # npm's binaryen, never Debian's (it corrupts wasm-bindgen output).
  # --low-memory-unused: Rust never uses the first 1 KB of memory (the stack and data start at 1 MB), so address
  # arithmetic folds into load/store offsets.
  node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --strip-producers --strip-target-features pkg/ait_checkout_bg.wasm -o pkg/ait_checkout_bg.wasm
  # Short import names in the wasm and the glue; see the script and docs/SIZE.md for what it saves.
  node scripts/shorten-wasm-imports.mjs pkg/ait_checkout_bg.wasm pkg/ait_checkout.js
  # Minify the JS glue, the runtime and the entry (the .d.ts keeps the documentation).
  local runtime; runtime=$(cd pkg && ls snippets/*/js/runtime.js)
  sed "s#__RUNTIME__#./$runtime#g" js/index.js > pkg/index.js
  for f in pkg/ait_checkout.js pkg/snippets/*/js/runtime.js pkg/index.js; do
    node_modules/.bin/esbuild "$f" --minify --format=esm --log-level=warning --outfile="$f" --allow-overwrite
  done
  node scripts/write-package-json.mjs
  # The package's own README: install, start, the partner contract in brief, the error codes (checked against the
  # code by a unit test in src/error.rs), the SDK versions supported.
  cp js/README.md pkg/README.md
  sizes
}

# Raw and gzip sizes of what ships (wasm + JS), against the budget.
sizes() {
  local total_raw=0 total_gz=0 f raw gz
  [ -d pkg ] || die "sizes: pkg/ is missing (./build.sh build)"
  printf '%-48s %10s %10s\n' "file" "raw" "gzip -9"
  while IFS= read -r f; do
    raw=$(wc -c <"$f"); gz=$(gzip -9c "$f" | wc -c)
    total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
    printf '%-48s %10d %10d\n' "$f" "$raw" "$gz"
  done < <(find pkg -type f \( -name '*.wasm' -o -name '*.js' \) | sort)
  printf '%-48s %10d %10d\n' "total (wasm + JS)" "$total_raw" "$total_gz"
  printf 'size: %d bytes gzip; budget %d (96 KiB, the build fails above it); goal %d (80 KB): %s\n' \
    "$total_gz" "$SIZE_BUDGET_GZIP" "$SIZE_GOAL_GZIP" \
    "$([ "$total_gz" -le "$SIZE_GOAL_GZIP" ] && echo "goal met" || echo "$((total_gz - SIZE_GOAL_GZIP)) bytes over the goal")"
  if [ "$total_gz" -gt "$SIZE_BUDGET_GZIP" ]; then
    die "the package is $total_gz bytes gzip, over its budget of $SIZE_BUDGET_GZIP (96 KiB); see docs/SIZE.md for what costs what"
  fi
}

# Starts ait-partner in sandbox mode (with ait-sandbox in-process) on free ports, for the flow and end-to-end tests
# (`start_stack`: the debug build) or the benchmarks (`start_stack release`), and exports where it listens. Stopped
# when the script exits, or by stop_stack.
start_stack() {
  local profile=${1:-debug}
  log "starting ait-partner --sandbox ($profile build)"
  if [ "$profile" = release ]; then build_release_servers; else cargo build -p ait-partner --features sandbox; fi
  STACK_DIR=$(mktemp -d)
  # The browser tests' page origin is pinned so the partner (and the sandbox control API it starts) allow exactly it
  # (CORS with credentials, state changes). The flows refund through the page, so page refunds are on, as in the demo.
  # The background reconciler waits an hour: the flows check what the page's own calls do (a history sync revokes a
  # refunded grant; a status poll settles a lost execute), and a pass landing mid-test would do that work first.
  local test_port
  test_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  export WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$test_port"
  AIT_PARTNER_ALLOWED_ORIGINS="http://127.0.0.1:$test_port" AIT_PARTNER_PAGE_REFUNDS=true \
    AIT_PARTNER_RECONCILE_INTERVAL_SECS=3600 \
    "target/$profile/ait-partner" --sandbox --listen 127.0.0.1:0 --database "$STACK_DIR/partner.sqlite" \
    --sandbox-cert-dir "$STACK_DIR/certs" --static-root . >"$STACK_DIR/stdout" 2>"$STACK_DIR/stderr" &
  STACK_PID=$!
  on_exit 'kill "$STACK_PID" 2>/dev/null || true; rm -rf "$STACK_DIR"'
  for _ in $(seq 1 300); do
    grep -q 'partner API on' "$STACK_DIR/stdout" 2>/dev/null && break
    kill -0 "$STACK_PID" 2>/dev/null || { cat "$STACK_DIR/stderr" >&2; die "ait-partner did not start"; }
    sleep 0.2
  done
  AIT_PARTNER_URL=$(sed -n 's/^ait-partner: partner API on //p' "$STACK_DIR/stdout" | head -n 1)
  [ -n "$AIT_PARTNER_URL" ] || die "ait-partner did not say where it listens"
  AIT_PARTNER_ORIGIN=$(node -e 'console.log(new URL(process.argv[1]).origin)' "$AIT_PARTNER_URL")
  local descriptor
  descriptor=$(node -e 'fetch(process.argv[1]).then(r => r.json()).then(d => console.log(d.controlUrl + " " + d.userKey))' \
    "$AIT_PARTNER_ORIGIN/dev/sandbox.json")
  AIT_SANDBOX_CONTROL_URL=${descriptor% *}
  AIT_SANDBOX_USER_KEY=${descriptor#* }
  export AIT_PARTNER_URL AIT_PARTNER_ORIGIN AIT_SANDBOX_CONTROL_URL AIT_SANDBOX_USER_KEY
  log "partner on $AIT_PARTNER_URL, sandbox control on $AIT_SANDBOX_CONTROL_URL"
}

stop_stack() {
  kill "$STACK_PID" 2>/dev/null || true
  wait "$STACK_PID" 2>/dev/null || true
}

# The release builds the benchmarks run: the servers for the load generator, and ait-partner with its in-process
# sandbox for the browser flows (one build of ait-partner serves both).
build_release_servers() {
  cargo build --release -p ait-partner -p ait-sandbox -p ait-loadgen --features ait-partner/sandbox
}

browser_tests() {
  log "browser tests: wasm-pack test in headless Chromium against the real SDK, the dev host, ait-partner and ait-sandbox"
  node tests/browser/bundle.mjs
  # The flow tests read the stack's addresses at compile time; rebuild them when the addresses change.
  touch tests/browser_flows.rs tests/browser_contract.rs
  wasm-pack test --headless --chrome --chromedriver "$(chromedriver_path)" --mode no-install
}

# ait-partner's test executables from the workspace's test build. (`cargo test -p ait-partner` would resolve features
# for that package alone and rebuild much of the dependency tree: minutes on 2 cores.)
partner_test_bins() {
  cargo test --workspace --no-run --message-format=json 2>/dev/null | node -e '
    for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
      if (!line) continue;
      const m = JSON.parse(line);
      if (m.reason === "compiler-artifact" && m.executable && m.profile.test
          && m.manifest_path.endsWith("crates/ait-partner/Cargo.toml")) console.log(m.executable);
    }'
}

run_tests() {
  setup
  start_postgres
  log "native tests"
  cargo test --workspace
  log "ait-partner's storage and API tests again, on PostgreSQL (a fresh database per server)"
  local bin
  for bin in $(partner_test_bins); do (cd crates/ait-partner && AIT_TEST_DATABASE=postgres "$bin"); done
  build
  log "golden TypeScript declarations"
  node scripts/check-golden-dts.mjs
  start_stack
  browser_tests
  log "JS tests (dev host, the built package in a page and in a Vite build)"
  node --test --test-concurrency=1 tests/js/
  if [ -z "${AIT_SKIP_CHAOS:-}" ]; then
    chaos --short
    # Two partner instances on one PostgreSQL database (a database of the run's own, dropped afterwards).
    chaos --short --instances 2 --database-url "$AIT_TEST_DATABASE_URL"
  else
    log "chaos: skipped (AIT_SKIP_CHAOS is set)"
  fi
}

demo() {
  setup
  build
  log "demo: ait-partner with the sandbox in-process, serving www/ and pkg/ (refunds from the page turned on)"
  AIT_PARTNER_PAGE_REFUNDS=true cargo run -p ait-partner --features sandbox -- --sandbox --static-root . "$@"
}

# The seeded chaos run (crates/ait-chaos): mixed flows against ait-partner and ait-sandbox started as processes, with
# sandbox faults, double taps and kill -9 of the partner, then the invariants of crates/ait-invariants. Prints its
# seed; exits non-zero on a violation. Arguments go to ait-chaos (--seed N, --flows N, --short, --help; two partner
# instances on one PostgreSQL: --instances 2 --database-url postgres://…).
chaos() {
  log "chaos: building ait-sandbox, ait-partner and ait-chaos"
  cargo build -p ait-sandbox -p ait-partner -p ait-chaos
  log "chaos: ait-chaos $*"
  target/debug/ait-chaos "$@"
}

# Benchmarks (issue 11): every figure of docs/BENCHMARKS.md. Each part leaves its figures in target/bench/, then
# bench/report.mjs writes the document from whatever is there. `./build.sh bench` runs every part (about 12 min on 2
# cores on a fresh clone, a third of it the builds); `./build.sh bench size|browser|partner` one.
TWIGGY_VERSION=0.8.0
bench() {
  local parts=("$@") part
  if [ ${#parts[@]} -eq 0 ]; then
    parts=(size browser partner)
    rm -rf target/bench
  fi
  mkdir -p target/bench
  setup
  for part in "${parts[@]}"; do
    case "$part" in
      size|browser|partner) ;;
      *) die "bench: unknown part $part (size, browser, partner)" ;;
    esac
  done
  if printf '%s\n' "${parts[@]}" | grep -qx -e size -e browser; then
    build
  fi
  for part in "${parts[@]}"; do
    case "$part" in
      size)
        log "bench size: the package, and what each part of the wasm costs (twiggy)"
        sizes | tee target/bench/size.txt
        if ! twiggy --version 2>/dev/null | grep -q " $TWIGGY_VERSION"; then
          log "installing twiggy $TWIGGY_VERSION"
          cargo install twiggy --version "$TWIGGY_VERSION" --locked --force
        fi
        node scripts/size-table.mjs > target/bench/size-parts.md
        ;;
      browser)
        log "bench browser: start-up, bridge overhead, a purchase, memory (headless Chromium)"
        node bench/run.mjs --json target/bench/browser.json
        log "bench browser: payWithTossPay and purchase against ait-partner and the sandbox (release build)"
        # No rate limit: one page makes hundreds of payments in a few seconds.
        AIT_PARTNER_RATE_LIMIT_TOSS_BURST=0 start_stack release
        node bench/flows.mjs --json target/bench/flows.json
        stop_stack
        ;;
      partner) bench_partner ;;
    esac
  done
  node bench/report.mjs
}

# The partner server under load (crates/ait-loadgen): SQLite at concurrency 1 to 128, then PostgreSQL with one
# instance and two side by side (a throwaway cluster unless one answers at AIT_TEST_DATABASE_URL), as they are and
# held to BENCH_PARTNER_CPUS each (about half of what one instance uses unheld, so the database keeps up with two).
BENCH_PARTNER_CPUS=0.25
bench_partner() {
  log "bench partner: release builds of ait-partner, ait-sandbox and ait-loadgen"
  build_release_servers
  log "bench partner: SQLite, one instance"
  target/release/ait-loadgen --flow tosspay,iap --concurrency 1,8,32,128 --secs 4 --reps 3 \
    --json target/bench/partner-sqlite.json
  log "bench partner: make-payment through the partner (create) and straight to the sandbox, side by side"
  target/release/ait-loadgen --flow create,make-payment --concurrency 1,32 --secs 4 --reps 3 \
    --json target/bench/partner-direct.json
  log "bench partner: memory over about 100,000 IAP grants (SQLite, concurrency 32)"
  target/release/ait-loadgen --flow iap --concurrency 32 --secs 75 --reps 1 --json target/bench/partner-soak.json
  start_postgres
  log "bench partner: PostgreSQL, one instance and two"
  target/release/ait-loadgen --flow tosspay,iap --concurrency 32 --instances 1,2 --secs 4 --reps 3 \
    --database-url "$AIT_TEST_DATABASE_URL" --json target/bench/partner-postgres.json
  # On these two cores the database, the sandbox and the load generator share the machine with the instances, so a
  # second instance finds no core of its own. Held to a CPU quota each, the instances are the limit, and the
  # comparison shows whether anything serialises them. Needs a writable cgroup hierarchy (root).
  log "bench partner: PostgreSQL, one instance and two, each held to $BENCH_PARTNER_CPUS CPUs"
  rm -f target/bench/partner-postgres-capped.json
  target/release/ait-loadgen --flow tosspay,iap --concurrency 32 --instances 1,2 --secs 4 --reps 3 \
    --partner-cpus "$BENCH_PARTNER_CPUS" --database-url "$AIT_TEST_DATABASE_URL" \
    --json target/bench/partner-postgres-capped.json ||
    log "bench partner: the capped instances were not measured (no cgroup quota here?)"
}

# Fuzzing (issue 8 §4): every cargo-fuzz target in fuzz/ for --secs seconds (libFuzzer), one at a time (2 cores).
# The committed corpus fuzz/corpus/<target> seeds each run and is only read; new inputs go to fuzz/found/<target>,
# crashes to fuzz/artifacts/<target>. Prints executions per target and in total; fails if a target crashed.
# --merge adds to fuzz/corpus/<target> the inputs of fuzz/found/<target> that reach new coverage (libFuzzer's
# -merge=1; review before committing). cargo-fuzz needs nightly flags: RUSTC_BOOTSTRAP=1 on the stable toolchain.
# The instrumented build stays in fuzz/target. `./build.sh test` replays the committed corpus with plain cargo test.
FUZZ_TARGETS=(api_toss_json api_partner_json api_validators bridge_host_replies bridge_partner_replies partner_http)
fuzz() {
  local secs=95 merge=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --secs) secs=${2:?--secs needs a number of seconds}; shift 2 ;;
      --merge) merge=1; shift ;;
      *) die "fuzz: unknown option $1 (usage: ./build.sh fuzz [--secs N] [--merge])" ;;
    esac
  done
  command -v cargo >/dev/null || die "cargo is missing (install Rust with rustup)"
  if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  fi
  # No sanitizer: the project's crates forbid unsafe code, and executions matter more here than ASan's checks.
  local fuzz_flags=(--sanitizer none)
  log "fuzz: building the targets (instrumented, in fuzz/target)"
  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build "${fuzz_flags[@]}")
  local t out execs rate corp failed=() total=0 report=""
  for t in "${FUZZ_TARGETS[@]}"; do
    mkdir -p "fuzz/found/$t" "fuzz/artifacts/$t"
    out="fuzz/found/$t.log"
    log "fuzz: $t for ${secs}s (log: $out)"
    if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "${fuzz_flags[@]}" "$t" "found/$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=20 -print_final_stats=1) >"$out" 2>&1; then
      failed+=("$t")
      grep -E 'panicked|ERROR: libFuzzer|Test unit written' "$out" >&2 || tail -n 20 "$out" >&2
    fi
    execs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$out" | tail -n 1)
    rate=$(awk '/^stat::average_exec_per_sec/ {print $2}' "$out" | tail -n 1)
    corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$out" | tail -n 1 | cut -d' ' -f2)
    total=$((total + ${execs:-0}))
    report+=$(printf '%-24s %14s %10s %14s' "$t" "${execs:-?}" "${rate:-?}" "${corp:-?}")$'\n'
    if [ "$merge" -eq 1 ]; then
      (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "${fuzz_flags[@]}" "$t" "corpus/$t" "found/$t" -- -merge=1) \
        >>"$out" 2>&1 || die "fuzz: merging the corpus of $t failed (see $out)"
    fi
  done
  printf '%-24s %14s %10s %14s\n' target executions exec/s corpus
  printf '%s' "$report"
  printf '%-24s %14d\n' total "$total"
  [ ${#failed[@]} -eq 0 ] || die "fuzz: crashes in ${failed[*]} (inputs in fuzz/artifacts/)"
}

case "${1:-}" in
  setup) setup ;;
  build) setup; build ;;
  test) run_tests ;;
  demo) shift; demo "$@" ;;
  bench) shift; bench "$@" ;;
  chaos) shift; chaos "$@" ;;
  fuzz) shift; fuzz "$@" ;;
  sizes) sizes ;;
  postgres)
    start_postgres
    echo "$AIT_TEST_DATABASE_URL"
    [ -n "${PG_TEST_DIR:-}" ] || exit 0  # a server was already answering: nothing of ours to keep running
    log "postgres: running; Ctrl-C stops it and removes its directory"
    sleep infinity & on_exit "kill $! 2>/dev/null"
    wait ;;
  *) sed -n '2,/^set /{/^#/p}' "$0"; exit 2 ;;
esac

// The TypeScript declarations of the package are generated from the Rust types (tsify + wasm-bindgen). This check
// locks them: any change to the public types shows up as a diff here. After an intended change, run
//   UPDATE_GOLDEN=1 node scripts/check-golden-dts.mjs
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

const built = 'pkg/ait_checkout.d.ts';
const golden = 'tests/golden/ait_checkout.d.ts';
// wasm-bindgen's internal closure shims carry a hash that changes with any code change, and their order follows the
// hashes; they are not public API. Each run of them is written sorted, with the hash masked.
const normalise = (text) => {
  // Their names carry hashes: `__invoke__h<hash>` from a normal build, crate disambiguators (`wasm_bindgen_<hash>___…`)
  // with std rebuilt for size (build.sh). Either way the whole name is masked.
  const lines = text
    .replace(/readonly [A-Za-z0-9_]*convert__closures_____invoke[A-Za-z0-9_]*:/g, 'readonly <closure shim>:')
    .split('\n');
  const out = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && lines[j].includes('<closure shim>')) j++;
    if (j > i) {
      out.push(...lines.slice(i, j).sort());
      i = j;
    } else {
      out.push(lines[i++]);
    }
  }
  return out.join('\n');
};
const actual = normalise(readFileSync(built, 'utf8'));
if (!existsSync(golden) && process.env.UPDATE_GOLDEN !== '1') {
  console.error(`${golden} is missing: create it deliberately with UPDATE_GOLDEN=1 node scripts/check-golden-dts.mjs`);
  process.exit(1);
}
if (process.env.UPDATE_GOLDEN === '1') {
  writeFileSync(golden, actual);
  console.log(`wrote ${golden}`);
  process.exit(0);
}
const expected = normalise(readFileSync(golden, 'utf8'));
if (actual === expected) {
  console.log(`${built} matches ${golden}`);
  process.exit(0);
}
const a = actual.split('\n');
const e = expected.split('\n');
const first = a.findIndex((line, i) => line !== e[i]);
console.error(`${built} differs from ${golden} (first difference at line ${first + 1}):`);
console.error(`  golden: ${e[first] ?? '<end of file>'}`);
console.error(`  built:  ${a[first] ?? '<end of file>'}`);
console.error('If the change is intended: UPDATE_GOLDEN=1 node scripts/check-golden-dts.mjs');
process.exit(1);

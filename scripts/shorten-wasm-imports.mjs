// Renames the wasm's imports from the glue module (`./ait_checkout_bg.js` / `__wbg_<name>_<16 hex digits>`) to `a` /
// `a`, `b`, … in both the wasm and the JS glue: the hashes do not compress and are paid twice. Exports keep their
// names (InitOutput in the .d.ts lists them). Fails, writing nothing, if any name is not found exactly once.
//   node scripts/shorten-wasm-imports.mjs pkg/ait_checkout_bg.wasm pkg/ait_checkout.js
import { readFileSync, writeFileSync } from 'node:fs';
const [wasmPath, jsPath] = process.argv.slice(2);
const MODULE = './ait_checkout_bg.js';
const wasm = readFileSync(wasmPath);
let js = readFileSync(jsPath, 'utf8');
const leb = (at) => { let v = 0, s = 0, b; do { b = wasm[at++]; v += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return [v, at]; };
const uleb = (v) => { const out = []; do { let b = v & 0x7f; v = Math.floor(v / 128); if (v) b |= 0x80; out.push(b); } while (v); return out; };
const str = (s) => { const b = Buffer.from(s); return [...uleb(b.length), ...b]; };
const short = (i) => { const c = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'; let s = ''; do { s = c[i % 52] + s; i = Math.floor(i / 52) - 1; } while (i >= 0); return s; };
const out = [wasm.subarray(0, 8)];
let at = 8, renamed = 0;
while (at < wasm.length) {
  const [size, body] = leb(at + 1);
  const end = body + size;
  if (wasm[at] !== 2) { out.push(wasm.subarray(at, end)); at = end; continue; }
  let [count, p] = leb(body), len;
  const section = [...uleb(count)];
  for (let i = 0; i < count; i++) {
    [len, p] = leb(p); const module = wasm.toString('utf8', p, p += len);
    [len, p] = leb(p); const field = wasm.toString('utf8', p, p += len);
    const desc = p, kind = wasm[p++];
    if (kind === 0) [, p] = leb(p);
    else if (kind === 1 || kind === 2) { if (kind === 1) p++; const flags = wasm[p++]; [, p] = leb(p); if (flags & 1) [, p] = leb(p); }
    else if (kind === 3) p += 2;
    else throw new Error(`unknown import kind ${kind}`);
    let names = [module, field];
    if (module === MODULE) {
      const key = new RegExp(`(?<![\\w$])${field.replace(/\$/g, '\\$')}(?=\\s*:)`, 'g');
      const hits = js.match(key)?.length ?? 0;
      if (hits !== 1) throw new Error(`import ${field}: ${hits} keys in the JS glue`);
      names = ['a', short(renamed++)];
      js = js.replace(key, names[1]);
    }
    section.push(...str(names[0]), ...str(names[1]), ...wasm.subarray(desc, p));
  }
  if (p !== end) throw new Error('the import section was not read to its end');
  out.push(Buffer.from([2, ...uleb(section.length), ...section]));
  at = end;
}
const key = JSON.stringify(MODULE);
if (js.split(key).length !== 2) throw new Error(`${key} must appear once in the JS glue`);
writeFileSync(wasmPath, Buffer.concat(out));
writeFileSync(jsPath, js.replace(key, '"a"'));

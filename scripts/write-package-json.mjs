// Writes pkg/package.json from the template pkg.json, with the version of the ait-checkout crate.
import { readFileSync, writeFileSync } from 'node:fs';

const template = JSON.parse(readFileSync('pkg.json', 'utf8'));
const cargo = readFileSync('Cargo.toml', 'utf8');
const pkgSection = cargo.slice(cargo.indexOf('[package]'));
const version = /^version = "([^"]+)"/m.exec(pkgSection)?.[1];
if (!version) throw new Error('no [package] version in Cargo.toml');
const manifest = { name: template.name, version, ...template };
writeFileSync('pkg/package.json', JSON.stringify(manifest, null, 2) + '\n');

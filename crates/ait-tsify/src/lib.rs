//! The `tsify` crate as the derive of `ait-checkout` sees it, minus its runtime.
//!
//! `#[derive(Tsify)]` writes each Rust type's TypeScript declaration into the `.d.ts` (a `typescript_custom_section`)
//! and implements the [`Tsify`] trait. The real `tsify` crate also carries `into_js`/`from_js` over
//! serde-wasm-bindgen, which links `std`; `ait-checkout` never uses them (its values cross to JS through its own
//! `ToJs`), and a `std` dependency would stop the package's wasm from being `no_std` (which saves ~2.5 KB gzip).
//! So `ait-checkout` depends on this crate under the name `tsify`: the same derive, the same declarations, and the
//! trait with the items the derive fills in, nothing else.

#![no_std]

pub use tsify_macros::*;

/// Filled in by the derive; mirrors `tsify::SerializationConfig`.
pub struct SerializationConfig {
    /// `#[tsify(missing_as_null)]`.
    pub missing_as_null: bool,
    /// `#[tsify(hashmap_as_object)]`.
    pub hashmap_as_object: bool,
    /// `#[tsify(large_number_types_as_bigints)]`.
    pub large_number_types_as_bigints: bool,
}

/// A type with a TypeScript declaration; mirrors `tsify::Tsify` without the conversions.
pub trait Tsify {
    /// The TypeScript type, imported through wasm-bindgen.
    type JsType: wasm_bindgen::JsCast;
    /// The declaration written into the `.d.ts`.
    const DECL: &'static str;
    /// How the type would be serialised (unused here: `ait-checkout` converts values itself).
    const SERIALIZATION_CONFIG: SerializationConfig = SerializationConfig {
        missing_as_null: false,
        hashmap_as_object: false,
        large_number_types_as_bigints: false,
    };
}

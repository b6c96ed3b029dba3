//! Internal macro for the string enums of the Toss APIs.
//!
//! Toss says that codes and fields "may be added without notice" (seed 002, intro; seed 001 error codes
//! "그 외의 에러코드"), so every string enum has a catch-all `Other(String)` variant: an unknown value in a
//! reply is kept, never rejected. Requests are checked by [`crate::Validate`] instead, which rejects `Other`
//! where the documents give a closed list.

/// Defines a string enum with known variants, a catch-all `Other(String)`, and serde as a plain JSON string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the documents do not list (kept verbatim so replies never fail on new codes).
            Other(::std::string::String),
        }

        impl $name {
            /// Every documented value, in the order of the documents.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses a wire value; unknown values become `Other` (never fails).
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $value => $name::$variant, )*
                    other => $name::Other(other.to_owned()),
                }
            }

            /// True for a value the documents list (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl $crate::validate::WireEnum for $name {
            fn wire_str(&self) -> &str {
                self.as_str()
            }
            fn is_documented(&self) -> bool {
                self.is_known()
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(s: ::std::string::String) -> Self {
                $name::parse(&s)
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                Ok($name::parse(s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok($name::parse(&s))
            }
        }
    };
}

pub(crate) use string_enum;

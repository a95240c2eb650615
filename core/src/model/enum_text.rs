//! The one way every enum of the model is named in text: JSON, database columns and flags.
//!
//! [`impl_enum_text!`] gives an enum an `ALL` constant, `as_str()`, `Display` and a `FromStr`
//! that fails with a [`ParseEnumError`] listing the allowed names. The enum keeps its own
//! `#[serde(rename_all = "snake_case")]`; the tests of each enum check that serde and
//! `as_str()` agree.

use crate::error_code::{Code, ErrorCode};

/// A name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{input}`: expected one of {allowed}")]
pub struct ParseEnumError {
    kind: &'static str,
    input: String,
    allowed: String,
}

impl ErrorCode for ParseEnumError {
    fn error_code(&self) -> Code {
        Code::UnknownValue
    }
}

/// Finds the value named `input` (trimmed, ASCII case ignored) among `all`.
pub(super) fn parse<T: Copy>(
    kind: &'static str,
    input: &str,
    all: &[T],
    name: fn(&T) -> &'static str,
) -> Result<T, ParseEnumError> {
    let wanted = input.trim();
    all.iter().copied().find(|value| name(value).eq_ignore_ascii_case(wanted)).ok_or_else(|| ParseEnumError {
        kind,
        input: input.to_owned(),
        allowed: all.iter().map(name).collect::<Vec<_>>().join(", "),
    })
}

/// Implements `ALL`, `as_str()`, `Display` and `FromStr` for a field-less enum.
///
/// `impl_enum_text!(JobStatus, "job status", { Queued => "queued", ... })`: every variant must
/// be listed (the generated `match` is exhaustive), in the order `ALL` should have.
macro_rules! impl_enum_text {
    ($name:ident, $kind:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name used in JSON, database columns and command-line flags.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::model::ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::model::enum_text::parse($kind, s, &Self::ALL, Self::as_str)
            }
        }
    };
}

pub(super) use impl_enum_text;

/// Checks an enum's names everywhere they appear: `ALL` holds exactly `expected`, in order,
/// and each value's JSON, `as_str()` (through `Display`) and `FromStr` use the expected name.
#[cfg(test)]
pub(super) fn assert_names<T>(all: &[T], expected: &[(T, &str)])
where
    T: Copy
        + PartialEq
        + std::fmt::Debug
        + std::fmt::Display
        + std::str::FromStr<Err = ParseEnumError>
        + serde::Serialize
        + serde::de::DeserializeOwned,
{
    let variants: Vec<T> = expected.iter().map(|(value, _)| *value).collect();
    assert_eq!(all, variants.as_slice(), "ALL lists every value, in order");
    for (value, name) in expected {
        let json = format!("\"{name}\"");
        assert_eq!(serde_json::to_string(value).unwrap(), json);
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *value);
        assert_eq!(value.to_string(), *name);
        assert_eq!(name.parse::<T>().unwrap(), *value);
        assert_eq!(name.to_ascii_uppercase().parse::<T>().unwrap(), *value);
    }
    let err = "no-such-value".parse::<T>().unwrap_err();
    assert_eq!(err.code(), "unknown_value");
    let allowed = expected.iter().map(|(_, name)| *name).collect::<Vec<_>>().join(", ");
    assert!(err.to_string().ends_with(&format!("`no-such-value`: expected one of {allowed}")), "{err}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        DarkRed,
        Blue,
    }

    impl_enum_text!(Colour, "colour", { DarkRed => "dark_red", Blue => "blue" });

    #[test]
    fn generated_impls_agree_with_serde() {
        assert_names(&Colour::ALL, &[(Colour::DarkRed, "dark_red"), (Colour::Blue, "blue")]);
    }

    #[test]
    fn parse_trims_ignores_case_and_lists_choices() {
        assert_eq!(" Dark_Red ".parse::<Colour>().unwrap(), Colour::DarkRed);
        let err = "green".parse::<Colour>().unwrap_err();
        assert_eq!(err.to_string(), "unknown colour `green`: expected one of dark_red, blue");
    }
}

//! The small vocabulary every ledger shares: the numbers of entities and
//! events, and the coded enums (a stable English code and the Chinese
//! term for each value). Ledger modules import it, and none imports
//! another for it.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub u64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_type!(
    /// A parcel's number in this database.
    ParcelId, "P"
);
id_type!(
    /// An enterprise's number in this database.
    EnterpriseId, "E"
);
id_type!(
    /// A global, increasing event number.
    EventId, "#"
);
id_type!(
    /// A programme's number in this database.
    ProgrammeId, "G"
);
id_type!(
    /// An application's number in this database.
    ApplicationId, "A"
);
id_type!(
    /// An indicator definition's number in this database.
    IndicatorId, "I"
);

/// A coded enum: each value has a stable lowercase English code (what
/// tables, files and Python use) and its Chinese term; both parse.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident = $code:literal / $zh:literal $(| $synonym:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!($zh, " (`", $code, "`)")]
                $(#[$vmeta])*
                $variant
            ),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable lowercase English code.
            #[must_use]
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese term.
            #[must_use]
            pub fn chinese(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// Other Chinese terms a ledger may use for the value.
            #[must_use]
            pub fn synonyms(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($synonym),*]),+ }
            }

            /// Parses the English code, the Chinese term or a synonym.
            ///
            /// # Errors
            /// [`Error::Validation`](crate::Error::Validation) listing the allowed codes.
            pub fn parse(text: &str) -> $crate::Result<$name> {
                let t = text.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| {
                        v.code().eq_ignore_ascii_case(t) || v.chinese() == t || v.synonyms().contains(&t)
                    })
                    .ok_or_else(|| {
                        let allowed: Vec<String> = $name::ALL
                            .iter()
                            .map(|v| format!("{} ({})", v.code(), v.chinese()))
                            .collect();
                        $crate::Error::validation(
                            $what,
                            format!("{} is not one of {}", $crate::text::shown(&t), allowed.join(", ")),
                        )
                    })
            }

            #[allow(dead_code)]
            pub(crate) fn byte(self) -> u8 {
                self as u8
            }

            /// The value whose [`Self::byte`] is `byte`, if one is.
            #[allow(dead_code)]
            pub(crate) fn from_byte(byte: u8) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.byte() == byte)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<$name> {
                $name::parse(s)
            }
        }
    };
}
pub(crate) use code_enum;

//! The PostgreSQL schema that holds BrightRun's tables: a checked identifier, never input
//! pasted into SQL.

use std::fmt;

use crate::store::StoreError;

/// The schema BrightRun's tables live in unless configured otherwise.
pub const DEFAULT_SCHEMA: &str = "brightrun";

/// A PostgreSQL schema name: `[a-z_][a-z0-9_]*`, at most 63 bytes, not `pg_...` (reserved
/// for the system).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SchemaName(String);

impl SchemaName {
    /// Checks a schema name.
    pub fn new(name: impl Into<String>) -> Result<Self, StoreError> {
        let name = name.into();
        let mut chars = name.chars();
        let valid = chars.next().is_some_and(|first| first.is_ascii_lowercase() || first == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && name.len() <= 63
            && !name.starts_with("pg_");
        if valid { Ok(Self(name)) } else { Err(StoreError::InvalidSchemaName(name)) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `SET search_path TO "{schema}"`.
    pub(super) fn set_search_path(&self) -> String {
        format!("SET search_path TO \"{}\"", self.0)
    }

    /// `CREATE SCHEMA IF NOT EXISTS "{schema}"`.
    pub(super) fn create_if_missing(&self) -> String {
        format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", self.0)
    }
}

impl Default for SchemaName {
    fn default() -> Self {
        Self(DEFAULT_SCHEMA.to_owned())
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lowercase_identifiers_are_schema_names() {
        for name in ["brightrun", "_private", "tenant_42", "a"] {
            assert_eq!(SchemaName::new(name).unwrap().as_str(), name);
        }
        assert_eq!(SchemaName::default().as_str(), DEFAULT_SCHEMA);
    }

    #[test]
    fn anything_else_is_refused() {
        let hostile = [
            "",
            "Brightrun",
            "9lives",
            "bright-run",
            "bright run",
            "x\"; DROP SCHEMA public CASCADE; --",
            "pg_catalog",
            "émile",
            &"a".repeat(64),
        ];
        for name in hostile {
            let err = SchemaName::new(name).unwrap_err();
            assert_eq!(crate::ErrorCode::code(&err), "invalid_schema_name", "{name}");
        }
    }

    #[test]
    fn statements_quote_the_checked_name() {
        let schema = SchemaName::new("tenant_1").unwrap();
        assert_eq!(schema.set_search_path(), "SET search_path TO \"tenant_1\"");
        assert_eq!(schema.create_if_missing(), "CREATE SCHEMA IF NOT EXISTS \"tenant_1\"");
    }
}

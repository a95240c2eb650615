//! JSON Schemas of the model's scalar types, for the generated types of the bindings
//! (feature `schema`). Each says how the value is written in JSON: money as a decimal
//! string, times as RFC 3339 UTC strings, ids as hyphenated UUID strings.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::{ArtifactId, CostRecordId, DatasetId, JobId, Money, NotificationId, Timestamp, UserId};

impl JsonSchema for Money {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Money".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "decimal",
            "description": "An exact amount of US dollars as a decimal string (\"12.3456\")."
        })
    }
}

impl JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "A UTC time (RFC 3339) with microsecond precision."
        })
    }
}

/// An exact decimal written as a string (hours, gigabytes): the schema of the `Decimal`
/// fields that are not money.
pub struct DecimalText;

impl JsonSchema for DecimalText {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Decimal".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "decimal", "description": "An exact decimal number as a string." })
    }
}

/// A calendar date (`2026-03-01`): the schema of the `NaiveDate` fields.
pub struct DateText;

impl JsonSchema for DateText {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date", "description": "A calendar date (RFC 3339 full-date)." })
    }
}

/// A local file path: the schema of the `PathBuf` fields.
pub struct PathText;

impl JsonSchema for PathText {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Path".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "path", "description": "A local file path." })
    }
}

macro_rules! uuid_schema {
    ($($name:ident),*) => {$(
        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "format": "uuid" })
            }
        }
    )*};
}

uuid_schema!(UserId, DatasetId, JobId, ArtifactId, CostRecordId, NotificationId);

//! The format-neutral view of one input row that every reader produces.

use std::borrow::Cow;

/// A field's value as the file holds it, before it is mapped onto our schema.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue<'a> {
    /// The row has no such field (or the file has no such column).
    Missing,
    Null,
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A value of a type no schema field accepts (list, object, binary...): the type's name.
    Other(&'static str),
}

impl RawValue<'_> {
    /// The value as text, for string-typed schema fields (numbers are accepted as their decimal form).
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            RawValue::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            RawValue::Int(i) => Some(Cow::Owned(i.to_string())),
            RawValue::Float(x) => Some(Cow::Owned(x.to_string())),
            RawValue::Bool(b) => Some(Cow::Owned(b.to_string())),
            RawValue::Missing | RawValue::Null | RawValue::Other(_) => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            RawValue::Missing => "missing",
            RawValue::Null => "null",
            RawValue::Str(_) => "string",
            RawValue::Int(_) => "integer",
            RawValue::Float(_) => "number",
            RawValue::Bool(_) => "boolean",
            RawValue::Other(t) => t,
        }
    }
}

/// One row of any input format, looked up by field name.
pub trait RawRecord {
    fn get(&self, field: &str) -> RawValue<'_>;
    /// The field names this row has, for "did you mean" hints in errors.
    fn field_names(&self) -> Vec<String>;
}

//! Parsing config text into a JSON value while refusing a key given twice in one mapping:
//! serde_json and YAML both keep the last one silently, so a second `client_id` or
//! `base_url` further down a file would win unseen. The error names both places.
//!
//! The first pass builds the value and stops at the first repeated key (its position is the
//! parser's position there); a second pass, run only then, stops at the first occurrence of
//! that key to learn its position too. Both passes recurse at most the depth the pre-scan
//! allowed ([`crate::depth`]).

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A 1-based line and column in a config file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextPosition {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
}

impl TextPosition {
    fn new(line: usize, column: usize) -> Option<Self> {
        Some(TextPosition {
            line: u32::try_from(line).ok().filter(|l| *l > 0)?,
            column: u32::try_from(column).ok()?.max(1),
        })
    }
}

impl fmt::Display for TextPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} column {}", self.line, self.column)
    }
}

/// A repeated key: its dotted path, and where each occurrence is (when the parser says).
#[derive(Debug)]
pub(crate) struct Repeated {
    pub(crate) key: String,
    pub(crate) first: Option<TextPosition>,
    pub(crate) second: Option<TextPosition>,
}

/// What a parse ended with.
pub(crate) enum Parsed<E> {
    /// The document.
    Value(Value),
    /// A key given twice.
    Repeated(Repeated),
    /// The parser's own error.
    Invalid(E),
}

/// The marker message of the errors this module raises on purpose.
const STOP: &str = "bluebutton-config: stop at a repeated key";

/// What a pass looks for.
enum Goal {
    /// The first key repeated within one mapping.
    FirstRepeat,
    /// The first occurrence of `key` in the mapping at `path`.
    FirstOccurrence { path: String, key: String },
}

struct Pass {
    goal: Goal,
    /// The repeated key found by [`Goal::FirstRepeat`]: (mapping path, key).
    found: RefCell<Option<(String, String)>>,
}

/// Parses JSON text.
pub(crate) fn parse_json(text: &str) -> Parsed<serde_json::Error> {
    let run = |pass: &Pass| {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Node { pass, path: "" }.deserialize(&mut de)?;
        de.end()?;
        Ok::<_, serde_json::Error>(value)
    };
    let at = |e: &serde_json::Error| TextPosition::new(e.line(), e.column());
    two_passes(run, at)
}

/// Parses YAML text (one document).
pub(crate) fn parse_yaml(text: &str) -> Parsed<serde_yaml::Error> {
    let run =
        |pass: &Pass| Node { pass, path: "" }.deserialize(serde_yaml::Deserializer::from_str(text));
    let at = |e: &serde_yaml::Error| {
        e.location()
            .and_then(|l| TextPosition::new(l.line(), l.column()))
    };
    two_passes(run, at)
}

fn two_passes<E: fmt::Display>(
    run: impl Fn(&Pass) -> Result<Value, E>,
    at: impl Fn(&E) -> Option<TextPosition>,
) -> Parsed<E> {
    let first = Pass {
        goal: Goal::FirstRepeat,
        found: RefCell::new(None),
    };
    let error = match run(&first) {
        Ok(value) => return Parsed::Value(value),
        Err(error) => error,
    };
    let Some((path, key)) = first.found.into_inner() else {
        return Parsed::Invalid(error);
    };
    let second = at(&error);
    let dotted = join(&path, &key);
    let again = Pass {
        goal: Goal::FirstOccurrence { path, key },
        found: RefCell::new(None),
    };
    let first_at = match run(&again) {
        Err(e) if e.to_string().contains(STOP) => at(&e),
        _ => None,
    };
    Parsed::Repeated(Repeated {
        key: dotted,
        first: first_at,
        second,
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// One node of the document at `path` (dotted keys, `[i]` for list items).
struct Node<'p> {
    pass: &'p Pass,
    path: &'p str,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let path = format!("{}[{}]", self.path, items.len());
            match seq.next_element_seed(Node {
                pass: self.pass,
                path: &path,
            })? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key_seed(Key {
            node: &self,
            seen: &mut seen,
        })? {
            let path = join(self.path, &key);
            let value = map.next_value_seed(Node {
                pass: self.pass,
                path: &path,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// A key of the mapping at `node`. The stop is raised while the key itself is read, so the
/// parser's error position is the key's.
struct Key<'n, 'p> {
    node: &'n Node<'p>,
    seen: &'n mut HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        // Checked inside the visitor, so the YAML parser marks the error with the key's
        // position (not the mapping's).
        deserializer.deserialize_string(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<String, E> {
        self.check(key.to_owned())
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<String, E> {
        self.check(key)
    }
}

impl Key<'_, '_> {
    fn check<E: de::Error>(self, key: String) -> Result<String, E> {
        let pass = self.node.pass;
        match &pass.goal {
            Goal::FirstOccurrence { path, key: wanted }
                if path == self.node.path && *wanted == key =>
            {
                Err(E::custom(STOP))
            }
            Goal::FirstRepeat if !self.seen.insert(key.clone()) => {
                *pass.found.borrow_mut() = Some((self.node.path.to_owned(), key));
                Err(E::custom(STOP))
            }
            _ => Ok(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeated<E>(parsed: Parsed<E>) -> Repeated {
        match parsed {
            Parsed::Repeated(r) => r,
            Parsed::Value(v) => panic!("accepted: {v}"),
            Parsed::Invalid(_) => panic!("invalid"),
        }
    }

    #[test]
    fn unique_documents_parse_as_serde_json_would() {
        let text = r#"{"a": 1, "b": [true, null, 2.5, "x"], "c": {"d": -3}}"#;
        let Parsed::Value(value) = parse_json(text) else {
            panic!("valid")
        };
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        let Parsed::Value(value) = parse_yaml("a: 1\nb: [true, ~, 2.5, x]\nc:\n  d: -3\n") else {
            panic!("valid")
        };
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        assert!(matches!(parse_json("{"), Parsed::Invalid(_)));
        assert!(matches!(parse_yaml("a: [1"), Parsed::Invalid(_)));
    }

    #[test]
    fn a_repeated_json_key_names_both_places() {
        let r = repeated(parse_json(
            "{\n  \"client_id\": \"a\",\n  \"retry_settings\": {\"total\": 1},\n  \"client_id\": \"b\"\n}",
        ));
        assert_eq!(r.key, "client_id");
        assert_eq!(r.first.unwrap().line, 2);
        assert_eq!(r.second.unwrap().line, 4);
        let r = repeated(parse_json(
            r#"{"retry_settings": {"total": 1, "total": 2}}"#,
        ));
        assert_eq!(r.key, "retry_settings.total");
        // Same key in different mappings is fine.
        assert!(matches!(
            parse_json(r#"{"a": {"x": 1}, "b": {"x": 1}}"#),
            Parsed::Value(_)
        ));
    }

    #[test]
    fn a_repeated_yaml_key_names_both_places() {
        let r = repeated(parse_yaml("client_id: a\nversion: 2\nclient_id: b\n"));
        assert_eq!(r.key, "client_id");
        assert_eq!(r.first.unwrap().line, 1);
        assert_eq!(r.second.unwrap().line, 3);
        let r = repeated(parse_yaml("retry_settings:\n  total: 1\n  total: 2\n"));
        assert_eq!(r.key, "retry_settings.total");
        assert_eq!((r.first.unwrap().line, r.second.unwrap().line), (2, 3));
    }
}

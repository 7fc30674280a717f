//! Google's Discovery document for `health:v4` (revision 20261030), read once
//! at first use. Everything schema-shaped in the mock comes from here: the
//! data-type catalogue (the members of the `DataPoint` union), request-body
//! checks, the enum numbers of `enum-encoding=int`, required and output-only
//! fields, documented ranges, method query parameters and scopes.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::Duration;
use serde_json::{Map, Value};

use super::time::{civil_at, civil_json, parse_duration, parse_timestamp};

const DOCUMENT: &str = include_str!("../../../spec/google-health/discovery-v4-20261030.json");
const ENUM_NUMBERS: &str = include_str!("../../fixtures/google-health/enum-numbers.json");

/// How a data type records time: the word the `DataPoint` union's field
/// descriptions use ("… in the `steps` interval data type collection").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecordKind {
    Interval,
    Sample,
    Daily,
    Session,
    /// `food` and `food-measurement-unit`: no time at all.
    Untimed,
}

/// One member of the `DataPoint` union.
#[derive(Clone, Debug)]
pub(crate) struct DataType {
    /// URL name: `heart-rate`.
    pub kebab: String,
    /// Filter name: `heart_rate`.
    pub snake: String,
    /// JSON member name: `heartRate`.
    pub member: String,
    /// Schema name: `HeartRate`.
    pub schema: String,
    pub kind: RecordKind,
}

/// What a walk over a JSON value does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Walk {
    /// Stored or answered data: enums are names, int64 are strings, every key is declared.
    Stored,
    /// A request body: enums may be names or numbers, int64 strings or numbers,
    /// numbers may be strings, nulls are dropped; normalized to the stored form.
    Input,
    /// Turns enum names into their numbers (answers under `enum-encoding=int`).
    EnumsToNumbers,
}

pub(crate) struct Discovery {
    doc: Value,
    types: Vec<DataType>,
    /// `Schema.property` → (name → number), where protobuf numbering is not the list order.
    overrides: HashMap<String, HashMap<String, i64>>,
    methods: HashMap<String, Value>,
}

static DISCOVERY: OnceLock<Discovery> = OnceLock::new();

/// The parsed document.
pub(crate) fn get() -> &'static Discovery {
    DISCOVERY.get_or_init(|| Discovery::parse(DOCUMENT, ENUM_NUMBERS))
}

/// `heartRate` → `heart-rate`; `dailyVo2Max` → `daily-vo2-max`.
pub(crate) fn camel_to_kebab(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn description(property: &Value) -> &str {
    property.get("description").and_then(Value::as_str).unwrap_or_default()
}

impl Discovery {
    fn parse(document: &str, enum_numbers: &str) -> Self {
        let doc: Value = serde_json::from_str(document).expect("the Discovery document is JSON");
        let numbers: Value = serde_json::from_str(enum_numbers).expect("enum-numbers.json is JSON");
        let overrides = numbers["overrides"]
            .as_object()
            .expect("enum-numbers.json has overrides")
            .iter()
            .map(|(key, table)| {
                let table = table
                    .as_object()
                    .expect("an override is an object")
                    .iter()
                    .map(|(name, number)| (name.clone(), number.as_i64().expect("a number")))
                    .collect();
                (key.clone(), table)
            })
            .collect();
        let mut methods = HashMap::new();
        collect_methods(&doc["resources"], &mut methods);
        let mut discovery = Self { doc, types: Vec::new(), overrides, methods };
        discovery.types = discovery.union_types();
        discovery
    }

    /// The `DataPoint` union: every `$ref` member except `dataSource`.
    fn union_types(&self) -> Vec<DataType> {
        let mut types: Vec<DataType> = self
            .properties("DataPoint")
            .iter()
            .filter(|(member, property)| member.as_str() != "dataSource" && property.get("$ref").is_some())
            .map(|(member, property)| {
                let kebab = camel_to_kebab(member);
                let text = description(property);
                let kind =
                    match text.split(&format!("`{kebab}` ")).nth(1).and_then(|rest| rest.split(' ').next()) {
                        Some("interval") => RecordKind::Interval,
                        Some("sample") => RecordKind::Sample,
                        Some("daily") => RecordKind::Daily,
                        Some("session") => RecordKind::Session,
                        _ => RecordKind::Untimed,
                    };
                DataType {
                    snake: kebab.replace('-', "_"),
                    kebab,
                    member: member.clone(),
                    schema: property["$ref"].as_str().unwrap_or_default().to_string(),
                    kind,
                }
            })
            .collect();
        types.sort_by(|a, b| a.kebab.cmp(&b.kebab));
        types
    }

    /// The data types of the `DataPoint` union, sorted by URL name.
    pub fn data_types(&self) -> &[DataType] {
        &self.types
    }

    pub fn data_type(&self, kebab: &str) -> Option<&DataType> {
        self.types.iter().find(|t| t.kebab == kebab)
    }

    /// The member of a rollup union (`RollupDataPoint`, `DailyRollupDataPoint`)
    /// returned for `kebab`: the field whose description says it is returned
    /// "when rolling up data points from the `kebab` data type".
    pub fn rollup_member(&self, union: &str, kebab: &str) -> Option<(String, String)> {
        let needle = format!("from the `{kebab}` data type");
        self.properties(union).iter().find_map(|(member, property)| {
            let schema = property.get("$ref")?.as_str()?;
            description(property).contains(&needle).then(|| (member.clone(), schema.to_string()))
        })
    }

    /// Every data type a rollup union serves (URL names).
    #[cfg(test)]
    pub fn rollup_types(&self, union: &str) -> Vec<String> {
        let mut types: Vec<String> = self
            .properties(union)
            .values()
            .filter(|p| p.get("$ref").is_some())
            .filter_map(|p| {
                let text = description(p);
                let start = text.find("from the `")? + "from the `".len();
                let end = start + text[start..].find('`')?;
                Some(text[start..end].to_string())
            })
            .collect();
        types.sort();
        types.dedup();
        types
    }

    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.doc["schemas"].get(name)
    }

    pub fn properties(&self, schema: &str) -> &Map<String, Value> {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        self.schema(schema)
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    pub fn property(&self, schema: &str, name: &str) -> Option<&Value> {
        self.properties(schema).get(name)
    }

    /// Every OAuth scope the document declares.
    pub fn scopes(&self) -> Vec<String> {
        self.doc["auth"]["oauth2"]["scopes"]
            .as_object()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// A method by id (`health.users.getProfile`).
    pub fn method(&self, id: &str) -> &Value {
        self.methods.get(id).unwrap_or_else(|| panic!("{id} is not in the Discovery document"))
    }

    /// The scopes a method lists (any one of them is enough, says the document).
    pub fn method_scopes(&self, id: &str) -> Vec<String> {
        self.method(id)["scopes"]
            .as_array()
            .map(|s| s.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .unwrap_or_default()
    }

    /// A method's query parameter, if it has it.
    pub fn query_parameter(&self, id: &str, name: &str) -> Option<&Value> {
        self.method(id)["parameters"].get(name).filter(|p| p["location"] == "query")
    }

    /// A parameter every method takes (`alt`, `fields`, `access_token`, …).
    pub fn standard_parameter(&self, name: &str) -> Option<&Value> {
        self.doc["parameters"].get(name)
    }

    // ---- Enums ----------------------------------------------------------------------------

    fn enum_number(&self, owner: &str, key: &str, values: &[Value], name: &str) -> Option<i64> {
        if let Some(table) = self.overrides.get(&format!("{owner}.{key}")) {
            return table.get(name).copied();
        }
        values.iter().position(|v| v == name).map(|i| i as i64)
    }

    fn enum_name(&self, owner: &str, key: &str, values: &[Value], number: i64) -> Option<String> {
        if let Some(table) = self.overrides.get(&format!("{owner}.{key}")) {
            return table.iter().find(|(_, n)| **n == number).map(|(name, _)| name.clone());
        }
        usize::try_from(number).ok().and_then(|i| values.get(i)).and_then(Value::as_str).map(String::from)
    }

    // ---- Walking values against schemas -------------------------------------------------------

    /// Walks `value` as an instance of `schema`: checks it (`Stored`),
    /// checks and normalizes it (`Input`) or numbers its enums (`EnumsToNumbers`).
    /// Errors read like Google's: `Unknown name "x" at 'steps': Cannot find field.`
    pub fn walk(&self, value: &mut Value, schema: &str, mode: Walk) -> Result<(), String> {
        self.walk_object(value, schema, mode, "")
    }

    fn walk_object(&self, value: &mut Value, schema: &str, mode: Walk, path: &str) -> Result<(), String> {
        if self.schema(schema).is_none() {
            return Ok(());
        }
        let Some(object) = value.as_object_mut() else {
            return if mode == Walk::EnumsToNumbers {
                Ok(())
            } else {
                Err(format!("Invalid value at '{path}' ({schema}): expected an object"))
            };
        };
        if mode == Walk::Input {
            object.retain(|_, v| !v.is_null());
        }
        let properties = self.properties(schema);
        for (key, child) in object.iter_mut() {
            let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            match properties.get(key) {
                Some(property) => self.walk_value(child, property, schema, key, mode, &at)?,
                None if mode == Walk::EnumsToNumbers => {}
                None => return Err(format!("Unknown name \"{key}\" at '{path}': Cannot find field.")),
            }
        }
        Ok(())
    }

    fn walk_value(
        &self,
        value: &mut Value,
        property: &Value,
        owner: &str,
        key: &str,
        mode: Walk,
        path: &str,
    ) -> Result<(), String> {
        if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
            return self.walk_object(value, reference, mode, path);
        }
        let invalid = |expected: &str, value: &Value| {
            if mode == Walk::EnumsToNumbers {
                Ok(())
            } else {
                Err(format!("Invalid value at '{path}' ({expected}), {value}"))
            }
        };
        match property.get("type").and_then(Value::as_str) {
            Some("array") => {
                let Some(items) = value.as_array_mut() else { return invalid("an array", value) };
                for (i, item) in items.iter_mut().enumerate() {
                    if item.is_null() && mode != Walk::EnumsToNumbers {
                        return Err(format!("Invalid value at '{path}[{i}]': null in a list"));
                    }
                    self.walk_value(item, &property["items"], owner, key, mode, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            Some("object") => {
                let Some(entries) = value.as_object_mut() else { return invalid("an object", value) };
                let Some(inner) = property.get("additionalProperties") else { return Ok(()) };
                if inner.get("type").and_then(Value::as_str) == Some("any") {
                    // A `google.protobuf.Any` (Operation.response/metadata): walk what `@type` names.
                    if let Some(type_name) = entries.get("@type").and_then(Value::as_str).map(String::from) {
                        let schema = type_name.rsplit('.').next().unwrap_or_default().to_string();
                        if self.schema(&schema).is_some() {
                            let mut rest = Value::Object(entries.clone());
                            rest.as_object_mut().map(|o| o.remove("@type"));
                            self.walk_object(&mut rest, &schema, mode, path)?;
                            if let Value::Object(rest) = rest {
                                entries.retain(|k, _| k == "@type");
                                entries.extend(rest);
                            }
                        }
                    }
                    return Ok(());
                }
                for (k, child) in entries.iter_mut() {
                    self.walk_value(child, inner, owner, key, mode, &format!("{path}.{k}"))?;
                }
                Ok(())
            }
            Some("string") => self.walk_string(value, property, owner, key, mode, path),
            Some("integer") => match (value.clone(), mode) {
                (Value::Number(n), _) if n.is_i64() || n.is_u64() => Ok(()),
                (Value::String(s), Walk::Input) if s.parse::<i64>().is_ok() => {
                    *value = Value::from(s.parse::<i64>().unwrap_or_default());
                    Ok(())
                }
                _ => invalid("TYPE_INT32", value),
            },
            Some("number") => match (value.clone(), mode) {
                (Value::Number(_), _) => Ok(()),
                (Value::String(s), Walk::Input) if s.parse::<f64>().is_ok_and(f64::is_finite) => {
                    *value = serde_json::Number::from_f64(s.parse().unwrap_or_default())
                        .map(Value::Number)
                        .unwrap_or(Value::Null);
                    Ok(())
                }
                _ => invalid("TYPE_DOUBLE", value),
            },
            Some("boolean") => {
                if value.is_boolean() {
                    Ok(())
                } else {
                    invalid("TYPE_BOOL", value)
                }
            }
            _ => Ok(()),
        }
    }

    fn walk_string(
        &self,
        value: &mut Value,
        property: &Value,
        owner: &str,
        key: &str,
        mode: Walk,
        path: &str,
    ) -> Result<(), String> {
        if let Some(values) = property.get("enum").and_then(Value::as_array) {
            return match (value.clone(), mode) {
                (Value::String(name), Walk::EnumsToNumbers) => {
                    if let Some(number) = self.enum_number(owner, key, values, &name) {
                        *value = Value::from(number);
                    }
                    Ok(())
                }
                (_, Walk::EnumsToNumbers) => Ok(()),
                (Value::String(name), _) if values.iter().any(|v| v == &Value::String(name.clone())) => {
                    Ok(())
                }
                (Value::Number(n), Walk::Input) => {
                    match n.as_i64().and_then(|n| self.enum_name(owner, key, values, n)) {
                        Some(name) => {
                            *value = Value::String(name);
                            Ok(())
                        }
                        None => Err(format!("Invalid value at '{path}' (TYPE_ENUM), {n}")),
                    }
                }
                (other, _) => Err(format!("Invalid value at '{path}' (TYPE_ENUM), {other}")),
            };
        }
        if mode == Walk::EnumsToNumbers {
            return Ok(());
        }
        let format = property.get("format").and_then(Value::as_str).unwrap_or_default();
        if format == "int64" {
            let is_int_string = |s: &str| {
                let digits = s.strip_prefix('-').unwrap_or(s);
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && s.parse::<i64>().is_ok()
            };
            return match value.clone() {
                Value::String(s) if is_int_string(&s) => Ok(()),
                Value::Number(n) if mode == Walk::Input && (n.is_i64() || n.is_u64()) => {
                    *value = Value::String(n.to_string());
                    Ok(())
                }
                other => Err(format!("Invalid value at '{path}' (TYPE_INT64), {other}")),
            };
        }
        let Some(text) = value.as_str() else {
            return Err(format!("Invalid value at '{path}' (TYPE_STRING), {value}"));
        };
        match format {
            "google-datetime" if parse_timestamp(text).is_none() => Err(format!(
                "Invalid value at '{path}' (type.googleapis.com/google.protobuf.Timestamp), \"{text}\""
            )),
            "google-duration" if parse_duration(text).is_none() => Err(format!(
                "Invalid value at '{path}' (type.googleapis.com/google.protobuf.Duration), \"{text}\""
            )),
            _ => Ok(()),
        }
    }

    // ---- Field metadata from descriptions -----------------------------------------------------

    /// Output-only fields: `readOnly`, or a description starting "Output only.".
    pub fn is_output_only(property: &Value) -> bool {
        property.get("readOnly").and_then(Value::as_bool).unwrap_or(false)
            || description(property).starts_with("Output only.")
    }

    /// Fields whose description says updates are not supported (or that are output only).
    pub fn is_updatable(property: &Value) -> bool {
        !Self::is_output_only(property)
            && !description(property).contains("Updates to this field are currently not supported")
            && !description(property).starts_with("Identifier.")
    }

    /// Removes output-only fields (the server ignores them in requests).
    pub fn strip_output_only(&self, value: &mut Value, schema: &str) {
        let Some(object) = value.as_object_mut() else { return };
        let properties = self.properties(schema);
        object.retain(|key, _| properties.get(key).is_none_or(|p| !Self::is_output_only(p)));
        for (key, child) in object.iter_mut() {
            let Some(property) = properties.get(key) else { continue };
            let inner = property.get("items").unwrap_or(property);
            let Some(reference) = inner.get("$ref").and_then(Value::as_str) else { continue };
            match child {
                Value::Array(items) => {
                    items.iter_mut().for_each(|item| self.strip_output_only(item, reference))
                }
                other => self.strip_output_only(other, reference),
            }
        }
    }

    /// The first required field (description "Required.", not output only)
    /// missing from `value`, as a path.
    pub fn missing_required(&self, value: &Value, schema: &str, path: &str) -> Option<String> {
        let object = value.as_object()?;
        for (key, property) in self.properties(schema) {
            if Self::is_output_only(property) {
                continue;
            }
            let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            match object.get(key) {
                None if description(property).starts_with("Required.") => return Some(at),
                None => {}
                Some(child) => {
                    let inner = property.get("items").unwrap_or(property);
                    let Some(reference) = inner.get("$ref").and_then(Value::as_str) else { continue };
                    let found = match child {
                        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                            self.missing_required(item, reference, &format!("{at}[{i}]"))
                        }),
                        other => self.missing_required(other, reference, &at),
                    };
                    if found.is_some() {
                        return found;
                    }
                }
            }
        }
        None
    }

    /// The first value outside the range its description documents
    /// ("Must be in the range `[0, 1000000]`").
    pub fn out_of_range(&self, value: &Value, schema: &str, path: &str) -> Option<String> {
        let object = value.as_object()?;
        for (key, child) in object {
            let Some(property) = self.properties(schema).get(key) else { continue };
            let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if let Some((low, high)) = documented_range(description(property)) {
                let number = match child {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.parse::<f64>().ok(),
                    _ => None,
                };
                if number.is_some_and(|n| n < low || n > high) {
                    return Some(format!("{at} must be in the range [{low}, {high}]"));
                }
            }
            let inner = property.get("items").unwrap_or(property);
            if let Some(reference) = inner.get("$ref").and_then(Value::as_str) {
                let found = match child {
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .find_map(|(i, item)| self.out_of_range(item, reference, &format!("{at}[{i}]"))),
                    other => self.out_of_range(other, reference, &at),
                };
                if found.is_some() {
                    return found;
                }
            }
        }
        None
    }

    /// Fills the output-only civil times wherever the schema has them:
    /// `civilStartTime` from `startTime` + `startUtcOffset`, `civilEndTime`
    /// likewise, `civilTime` from `physicalTime` + `utcOffset`.
    pub fn fill_civil_times(&self, value: &mut Value, schema: &str) {
        let Some(object) = value.as_object_mut() else { return };
        let properties = self.properties(schema);
        for (civil, physical, offset) in [
            ("civilStartTime", "startTime", "startUtcOffset"),
            ("civilEndTime", "endTime", "endUtcOffset"),
            ("civilTime", "physicalTime", "utcOffset"),
        ] {
            if !properties.contains_key(civil) {
                continue;
            }
            let instant = object.get(physical).and_then(Value::as_str).and_then(parse_timestamp);
            let shift =
                object.get(offset).and_then(Value::as_str).map_or(Some(Duration::zero()), parse_duration);
            if let (Some(instant), Some(shift)) = (instant, shift) {
                object.insert(civil.into(), civil_json(civil_at(instant, shift)));
            }
        }
        for (key, child) in object.iter_mut() {
            let Some(property) = properties.get(key) else { continue };
            let inner = property.get("items").unwrap_or(property);
            let Some(reference) = inner.get("$ref").and_then(Value::as_str) else { continue };
            match child {
                Value::Array(items) => {
                    items.iter_mut().for_each(|item| self.fill_civil_times(item, reference))
                }
                other => self.fill_civil_times(other, reference),
            }
        }
    }
}

fn collect_methods(resources: &Value, out: &mut HashMap<String, Value>) {
    let Some(resources) = resources.as_object() else { return };
    for resource in resources.values() {
        if let Some(methods) = resource.get("methods").and_then(Value::as_object) {
            for method in methods.values() {
                if let Some(id) = method.get("id").and_then(Value::as_str) {
                    out.insert(id.to_string(), method.clone());
                }
            }
        }
        if let Some(children) = resource.get("resources") {
            collect_methods(children, out);
        }
    }
}

/// `[low, high]` from "Must be in the range `[low, high]`".
fn documented_range(text: &str) -> Option<(f64, f64)> {
    let start = text.find("Must be in the range `[")? + "Must be in the range `[".len();
    let end = start + text[start..].find("]`")?;
    let (low, high) = text[start..end].split_once(',')?;
    Some((low.trim().parse().ok()?, high.trim().parse().ok()?))
}

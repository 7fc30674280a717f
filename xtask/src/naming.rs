//! The names generated code and docs derive from the spec's names: Rust
//! identifiers as progenitor makes them, CLI commands and flags, trait
//! stems. One place, so that a flag, the setter it calls and the command a
//! table names cannot disagree.

/// progenitor's name for a parameter's builder method (snake case; a Rust
/// keyword gets a trailing `_`): `beforeDate` → `before_date`, `user-id` →
/// `user_id`.
pub(crate) fn rust_ident(api_name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in api_name.chars() {
        if c == '-' || c == '_' || c == ' ' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            previous_lower = false;
        } else if c.is_ascii_uppercase() {
            if previous_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    match out.as_str() {
        "type" | "match" | "ref" | "self" | "mod" => format!("{out}_"),
        _ => out,
    }
}

/// Kebab case, for commands, flags and data types: `beforeDate` →
/// `before-date`, `get_profile` → `get-profile`, `dailyVo2Max` →
/// `daily-vo2-max`.
pub(crate) fn kebab(name: &str) -> String {
    rust_ident(name).trim_end_matches('_').replace('_', "-")
}

/// A tag's CLI area: `Heart Rate Intraday` → `heart-rate-intraday`, `SpO2` → `spo2`.
pub(crate) fn area_name(tag: &str) -> String {
    tag.to_lowercase().split_whitespace().collect::<Vec<_>>().join("-")
}

/// A tag as progenitor names its trait (`Client<stem>Ext`): `Heart Rate` →
/// `HeartRate`, `SpO2` → `Spo2`.
pub(crate) fn trait_stem(tag: &str) -> String {
    tag.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or_default();
            format!("{first}{}", chars.as_str().to_ascii_lowercase())
        })
        .collect()
}

/// A flag's value name in `--help`: `user-id` → `USER_ID`.
pub(crate) fn value_name(api_name: &str) -> String {
    api_name.to_uppercase().replace('-', "_")
}

/// Whether `id` is snake case, as the spec's operation ids must be.
pub(crate) fn is_snake_case(id: &str) -> bool {
    !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.contains("__")
        && !id.ends_with('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_become_progenitor_setters() {
        assert_eq!(rust_ident("user-id"), "user_id");
        assert_eq!(rust_ident("beforeDate"), "before_date");
        assert_eq!(rust_ident("Accept-Language"), "accept_language");
        assert_eq!(rust_ident("X-Fitbit-Subscriber-Id"), "x_fitbit_subscriber_id");
        assert_eq!(rust_ident("startTime"), "start_time");
        assert_eq!(rust_ident("type"), "type_");
    }

    #[test]
    fn kebab_case_from_camel_snake_and_keywords() {
        assert_eq!(kebab("beforeDate"), "before-date");
        assert_eq!(kebab("get_profile"), "get-profile");
        assert_eq!(kebab("heartRate"), "heart-rate");
        assert_eq!(kebab("dailyVo2Max"), "daily-vo2-max");
        assert_eq!(kebab("type"), "type");
    }

    #[test]
    fn tags_become_areas_and_trait_stems() {
        assert_eq!(area_name("Heart Rate Intraday"), "heart-rate-intraday");
        assert_eq!(area_name("SpO2"), "spo2");
        assert_eq!(trait_stem("Heart Rate Intraday"), "HeartRateIntraday");
        assert_eq!(trait_stem("SpO2"), "Spo2");
        assert_eq!(value_name("user-id"), "USER_ID");
    }

    #[test]
    fn snake_case_operation_ids() {
        assert!(is_snake_case("get_profile"));
        assert!(is_snake_case("get_spo2_summary"));
        for id in ["", "getProfile", "_get", "get__profile", "get_", "2get"] {
            assert!(!is_snake_case(id), "{id}");
        }
    }
}

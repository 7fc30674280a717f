//! The spec covers the whole Web API: every non-OAuth operation of Fitbit's own
//! swagger file is in it, every JSON success body is typed, and every operation
//! that returns a body has a contract-test fixture.

use std::path::Path;

use xtask::spec::Spec;

fn spec() -> Spec {
    Spec::load(&xtask::project_root().expect("a fitbit-rs checkout").join(xtask::spec::SPEC_PATH))
        .expect("the spec loads")
}

/// Whether an official path (user `-`, placeholders in braces) is served by a
/// spec path template. A placeholder may be filled by a fixed segment of ours
/// (`tracker`), never the other way round.
fn serves(spec_path: &str, official: &str) -> bool {
    let ours: Vec<&str> = spec_path.split('/').collect();
    let theirs: Vec<&str> = official.split('/').collect();
    ours.len() == theirs.len()
        && ours.iter().zip(&theirs).all(|(o, t)| {
            let o_param = o.starts_with('{');
            let t_param = t.starts_with('{');
            match (o_param, t_param) {
                _ if o == t => true,
                (true, _) if *t == "-" => *o == "{user-id}",
                (true, true) => true,
                // A segment like `{log-id}.tcx` against `{log-id}.tcx`: compare the suffix.
                _ => {
                    let suffix = |s: &str| s.rsplit_once('}').map(|(_, rest)| rest.to_string());
                    o_param && t_param && suffix(o) == suffix(t)
                }
            }
        })
}

#[test]
fn every_official_operation_is_in_the_spec() {
    let spec = spec();
    let ops = spec.operations();
    let listing = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/official-operations.tsv"),
    )
    .expect("the official listing");
    let mut missing = Vec::new();
    let mut count = 0;
    for line in listing.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (method, path) = (fields[0].to_ascii_lowercase(), fields[1]);
        count += 1;
        if !ops.iter().any(|op| op.method == method && serves(op.path, path)) {
            missing.push(line.to_string());
        }
    }
    assert_eq!(count, 120, "the official listing has 120 non-OAuth operations");
    assert!(missing.is_empty(), "not in the spec:\n{}", missing.join("\n"));
}

#[test]
fn every_json_body_is_typed_and_has_a_fixture() {
    let coverage = xtask::coverage::compute(&spec(), &xtask::project_root().expect("a fitbit-rs checkout"));
    let untyped: Vec<_> = coverage.iter().filter(|c| c.untyped).map(|c| &c.operation_id).collect();
    assert!(untyped.is_empty(), "untyped success bodies: {untyped:?}");
    let untested: Vec<_> = coverage
        .iter()
        .filter(|c| c.success_schema.is_some() && c.fixtures == 0)
        .map(|c| &c.operation_id)
        .collect();
    assert!(untested.is_empty(), "operations without a contract-test fixture: {untested:?}");
}

#[test]
fn matching_rules() {
    assert!(serves("/1/user/{user-id}/profile.json", "/1/user/-/profile.json"));
    assert!(serves(
        "/1/user/{user-id}/activities/{resource}/date/{date}/{period}.json",
        "/1/user/-/activities/{resource-path}/date/{date}/{period}.json"
    ));
    assert!(!serves("/1/user/{user-id}/activities.json", "/1/user/-/activities/list.json"));
    assert!(!serves("/1/activities/{activity-id}.json", "/1/user/-/profile.json"));
}

/// Fitbit's scope names are written out three times on purpose: in
/// `fitbit_auth::Scope` (what callers ask for), in xtask's spec rules (what an
/// operation may declare) and in the loopback stand-in (what it grants). The
/// copies must not drift, and every scope the spec declares must be one a
/// caller can request.
#[test]
fn the_scope_lists_agree_and_cover_the_spec() {
    use std::collections::BTreeSet;
    use std::str::FromStr;

    use fitbit_auth::Scope;

    let auth: BTreeSet<String> = Scope::ALL.iter().map(Scope::to_string).collect();
    let spec_rules: BTreeSet<String> =
        xtask::validate::KNOWN_SCOPES.iter().filter(|s| **s != "none").map(|s| s.to_string()).collect();
    let stand_in: BTreeSet<String> =
        fitbit_tests::mock_fitbit::SCOPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(spec_rules, auth, "xtask's KNOWN_SCOPES and fitbit_auth::Scope differ");
    assert_eq!(stand_in, auth, "the stand-in's SCOPES and fitbit_auth::Scope differ");

    let mut declared = 0;
    for op in spec().operations() {
        for scope in op.scopes().unwrap_or_default().iter().filter(|s| *s != "none") {
            declared += 1;
            assert!(Scope::from_str(scope).is_ok(), "{} declares `{scope}`, which is no Scope", op.name());
        }
    }
    assert!(declared >= 120, "only {declared} scope declarations found in the spec");
}

/// Keys a fixture carries on purpose although the schema does not declare
/// them: each with why. They prove that unknown fields survive decoding and
/// re-encoding.
const DELIBERATE_EXTRAS: &[(&str, &[&str], &str)] = &[(
    "get_profile.json update_profile.json",
    &[
        "$.user.displayNameSetting",
        "$.user.features",
        "$.user.isBugReportEnabled",
        "$.user.isCoach",
        "$.user.languageLocale",
        "$.user.legalTermsAcceptRequired",
        "$.user.mfaEnabled",
        "$.user.sdkDeveloper",
        "$.user.sleepTracking",
        "$.user.strideLengthRunningType",
        "$.user.strideLengthWalkingType",
    ],
    "profile fields Fitbit sends beyond the documented element table; the schema leaves them \
     undeclared so that they exercise the kept unknown fields",
)];

/// The success schema of every operation that has one.
fn success_schemas(spec: &Spec) -> std::collections::BTreeMap<String, String> {
    xtask::coverage::compute(spec, &xtask::project_root().expect("a fitbit-rs checkout"))
        .into_iter()
        .filter_map(|c| Some((c.operation_id, c.success_schema?)))
        .collect()
}

/// Every key of every response fixture is a property its schema declares (or
/// a key of a typed map), unless listed in [`DELIBERATE_EXTRAS`]: models keep
/// unknown keys, so the round trip of the contract tests cannot see a key
/// that is misspelled in the fixture or missing from the schema.
#[test]
fn every_fixture_key_is_a_declared_property() {
    let spec = spec();
    let schemas = success_schemas(&spec);
    let dir = fitbit_tests::fixtures::dir("responses");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the fixtures")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    let mut undeclared = Vec::new();
    let mut allowed_and_seen = std::collections::BTreeSet::new();
    let mut checked = 0;
    for name in &names {
        let operation = name.split('.').next().unwrap_or_default();
        let schema = schemas.get(operation).unwrap_or_else(|| panic!("{name}: no operation `{operation}`"));
        let fixture = fitbit_tests::fixtures::response(name);
        checked += 1;
        for path in xtask::fixture_keys::undeclared_keys(&spec, schema, &fixture.json) {
            let allowed = DELIBERATE_EXTRAS.iter().any(|(files, paths, _)| {
                files.split(' ').any(|f| f == name) && paths.contains(&path.as_str())
            });
            if allowed {
                allowed_and_seen.insert(path);
            } else {
                undeclared.push(format!("{name}: {path} is not a property of {schema}"));
            }
        }
    }
    assert!(checked >= 110, "only {checked} fixtures checked");
    assert!(undeclared.is_empty(), "undeclared fixture keys:\n  {}", undeclared.join("\n  "));
    let stale: Vec<&str> = DELIBERATE_EXTRAS
        .iter()
        .flat_map(|(_, paths, _)| paths.iter().copied())
        .filter(|path| !allowed_and_seen.contains(*path))
        .collect();
    assert!(stale.is_empty(), "allow-listed keys no fixture has any more: {stale:?}");
}

/// The check above fails on a misspelled key, which decoding alone accepts.
#[test]
fn a_misspelled_fixture_key_is_caught() {
    let spec = spec();
    let schemas = success_schemas(&spec);
    let mut fixture = fitbit_tests::fixtures::response("get_sleep_log_by_date.json").json;
    let log = fixture["sleep"][0].as_object_mut().expect("a sleep log");
    let value = log.remove("efficiency").expect("an efficiency");
    log.insert("efficency".into(), value);
    let schema = &schemas["get_sleep_log_by_date"];
    let decoded: fitbit_api::types::SleepLogsByDate =
        serde_json::from_value(fixture.clone()).expect("decoding keeps the misspelled key");
    assert_eq!(serde_json::to_value(decoded).unwrap(), fixture, "and the round trip sees nothing");
    assert_eq!(xtask::fixture_keys::undeclared_keys(&spec, schema, &fixture), ["$.sleep[].efficency"]);
}

/// Every fixture has exactly one provenance entry (documented example,
/// reference-page text, or written by us), every entry names a fixture, and
/// an example names the example it came from.
#[test]
fn every_fixture_has_a_provenance() {
    use xtask::provenance::{self, Kind};
    let root = xtask::project_root().expect("a fitbit-rs checkout");
    let entries = provenance::load(&root).expect("the provenance file loads");
    let files = provenance::fixture_files(&fitbit_tests::fixtures::dir("responses"));
    assert!(files.len() >= 110, "only {} fixtures found", files.len());
    assert_eq!(provenance::problems(&entries, &files), Vec::<String>::new());
    let counts = provenance::counts(&entries);
    assert_eq!(counts.values().sum::<usize>(), files.len());
    assert!(counts[&Kind::Example] > 0 && counts[&Kind::Written] > 0, "{counts:?}");
    // The fixture whose extras are allow-listed above is ours, and says so.
    assert_eq!(entries["get_profile.json"].kind, Kind::Written);
}

//! The user's stored data, seeded from `tests/fixtures/google-health/`:
//! `points/<data-type>.json` (one JSON array of `DataPoint`s per type of the
//! `DataPoint` union), `exercise-<id>.tcx` (the TCX of a seeded exercise) and
//! `user.json` (profile, settings, IRN profile, paired devices).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::MockGoogleConfig;
use super::discovery::{self, Walk};
use super::points::StoredPoint;

/// The user id the fixture files are written for; replaced by the configured one.
const FIXTURE_USER: &str = "4815162342";

/// A registered webhook subscriber.
pub(crate) struct SubscriberRecord {
    /// The `Subscriber` resource as answered (no secret).
    pub resource: Value,
    /// `endpointAuthorization.secret`, kept out of answers.
    pub secret: String,
}

/// Everything the API serves for the user.
#[derive(Default)]
pub(crate) struct Store {
    /// Data points by data type (URL name), unordered.
    pub points: BTreeMap<String, Vec<StoredPoint>>,
    /// TCX documents by exercise data point id.
    pub tcx: HashMap<String, String>,
    pub profile: Value,
    pub settings: Value,
    pub irn_profile: Value,
    /// Paired devices: (id, resource without `name`).
    pub devices: Vec<(String, Value)>,
    /// Subscribers by resource name.
    pub subscribers: BTreeMap<String, SubscriberRecord>,
    /// Synthetic series by data type (URL name); they replace stored points
    /// of that type in `list`.
    pub series: BTreeMap<String, super::synthetic::Series>,
    /// Subscriptions by resource name.
    pub subscriptions: BTreeMap<String, Value>,
}

/// `tests/fixtures/google-health`.
pub(crate) fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("google-health")
}

fn read(path: &Path, user: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.replace(&format!("users/{FIXTURE_USER}/"), &format!("users/{user}/"))
}

/// The fixture points of one data type, as written in the file.
pub(crate) fn fixture_points(data_type: &str, user: &str) -> Vec<Value> {
    let path = fixture_dir().join("points").join(format!("{data_type}.json"));
    serde_json::from_str(&read(&path, user)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn load(config: &MockGoogleConfig) -> Store {
    let user = config.health_user_id.as_str();
    let mut store = Store::default();
    if config.seed_points {
        for data_type in discovery::get().data_types() {
            let points = fixture_points(&data_type.kebab, user)
                .into_iter()
                .map(|mut data| {
                    // A fixture edited by hand must still match Google's schema.
                    if let Err(e) = discovery::get().walk(&mut data, "DataPoint", Walk::Stored) {
                        panic!("points/{}.json: {e}", data_type.kebab);
                    }
                    let name = data["name"].as_str().unwrap_or_default();
                    StoredPoint {
                        id: name.rsplit('/').next().unwrap_or_default().to_string(),
                        data,
                        owner: None,
                    }
                })
                .collect::<Vec<_>>();
            if data_type.kebab == "exercise" {
                for point in &points {
                    let path = fixture_dir().join(format!("exercise-{}.tcx", point.id));
                    if path.exists() {
                        store.tcx.insert(point.id.clone(), read(&path, user));
                    }
                }
            }
            store.points.insert(data_type.kebab.clone(), points);
        }
    }
    let path = fixture_dir().join("user.json");
    let user_data: Value = serde_json::from_str(&read(&path, user)).expect("user.json is JSON");
    store.profile = user_data["profile"].clone();
    store.settings = user_data["settings"].clone();
    store.irn_profile = user_data["irnProfile"].clone();
    store.devices = user_data["pairedDevices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|device| {
            let mut device = device.clone();
            let id = device
                .as_object_mut()
                .and_then(|d| d.remove("id"))
                .and_then(|v| v.as_str().map(String::from));
            (id.expect("every paired device in user.json has an id"), device)
        })
        .collect();
    store
}

//! `get_devices`: the paired devices.

use fitbit_api::LocalDateTime;
use fitbit_api::types::{Device, DeviceList};
use fitbit_auth::Error;
use google_cloud_gax::paginator::Paginator as _;
use google_devicesandservices_health_v4::model::PairedDevice;

use super::{Legacy, build, instant, no_extra};
use crate::error::ResultExt as _;
use crate::names;

impl Legacy {
    /// `get_devices`: every paired tracker and scale (`users.pairedDevices.list`,
    /// every page).
    ///
    /// `id` is the last segment of the device's name, `type` its device
    /// type (`TRACKER`, `SCALE`), `battery` and `batteryLevel` its battery
    /// status and level, `lastSyncTime` the last sync in the user's local
    /// time, `mac` the MAC address written without colons as Fitbit did.
    /// `features` holds the new API's feature codes (`HEART_RATE`, `SPO2`…),
    /// which are not the legacy vocabulary.
    ///
    /// Needs `settings.readonly`.
    pub async fn devices(&self) -> Result<DeviceList, Error> {
        let offset = self.user_offset().await?;
        let mut pages =
            self.client.health_profile().list_paired_devices().set_parent(names::user(names::ME)).by_page();
        let mut devices = Vec::new();
        while let Some(page) = pages.next().await {
            for device in page.classified()?.paired_devices {
                devices.push(legacy_device(&device, offset)?);
            }
        }
        Ok(DeviceList(devices))
    }
}

fn legacy_device(device: &PairedDevice, offset: chrono::FixedOffset) -> Result<Device, Error> {
    let text = |value: &str| (!value.is_empty()).then(|| value.to_string());
    let last_sync = device
        .last_sync_time
        .as_ref()
        .and_then(instant)
        .map(|at| LocalDateTime::from(at.with_timezone(&offset).naive_local()));
    build(
        Device::builder()
            .extra(no_extra())
            .id(device.name.rsplit('/').next().and_then(text))
            .type_(device.device_type.name().filter(|n| *n != "DEVICE_TYPE_UNSPECIFIED").map(str::to_string))
            .device_version(text(&device.device_version))
            .battery(text(&device.battery_status))
            .battery_level(u8::try_from(device.battery_level).ok())
            .last_sync_time(last_sync)
            .mac(text(&device.mac_address.replace(':', "")))
            .features(Some(device.features.clone())),
    )
}

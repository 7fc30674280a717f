//! `get_profile`: the user's profile, from the new API's profile, settings
//! and identity.

use fitbit_api::UnitSystem;
use fitbit_api::types::{Profile, ProfileResponse};
use fitbit_auth::Error;
use google_devicesandservices_health_v4::model::{Profile as HealthProfile, Settings};

use super::{Legacy, build, date_of, no_extra, units};
use crate::error::ResultExt as _;
use crate::names;

impl Legacy {
    /// `get_profile`: the subset of the legacy profile the new API knows.
    ///
    /// Filled: `encodedId` (the legacy user id, from `users.getIdentity`),
    /// `age`, `memberSince`, `strideLengthRunning` and `strideLengthWalking`
    /// (the user's own when set, else the automatic ones; centimetres, or
    /// inches for [`UnitSystem::Us`]), `autoStrideEnabled`, `timezone`,
    /// `offsetFromUTCMillis`, `locale`, `foodsLocale`, and the unit
    /// settings (`distanceUnit`, `weightUnit`, `heightUnit`, `waterUnit`,
    /// `waterUnitName`, `swimUnit`, `temperatureUnit`, `glucoseUnit`, in the
    /// legacy words `METRIC`, `en_US`, `en_GB`).
    ///
    /// Not in the new API, left `None`: the names (`displayName`,
    /// `fullName`, `firstName`, `lastName`), `avatar*`, `gender`,
    /// `dateOfBirth`, `height` and `weight` (data types now), `city`,
    /// `country`, `aboutMe`, `averageDailySteps`, `startDayOfWeek`,
    /// `clockTimeDisplayFormat`, `topBadges` and the account flags.
    ///
    /// Needs `profile.readonly` and `settings.readonly`.
    pub async fn profile(&self) -> Result<ProfileResponse, Error> {
        let profiles = self.client.health_profile();
        let identity = profiles
            .get_identity()
            .set_name(names::user_resource(names::ME, "identity"))
            .send()
            .await
            .classified()?;
        let profile = profiles
            .get_profile()
            .set_name(names::user_resource(names::ME, "profile"))
            .send()
            .await
            .classified()?;
        let settings = profiles
            .get_settings()
            .set_name(names::user_resource(names::ME, "settings"))
            .send()
            .await
            .classified()?;
        let user = legacy_profile(&identity.legacy_user_id, &profile, &settings, self.units)?;
        build(ProfileResponse::builder().extra(no_extra()).user(user))
    }
}

fn legacy_profile(
    legacy_user_id: &str,
    profile: &HealthProfile,
    settings: &Settings,
    units: UnitSystem,
) -> Result<Profile, Error> {
    let stride = |manual: bool, own: Option<i32>, auto: Option<i32>| {
        let chosen = if manual { own.or(auto) } else { auto.or(own) };
        chosen.filter(|mm| *mm > 0).map(|mm| units::length(f64::from(mm), units))
    };
    let manual = |kind: Option<&str>| kind == Some("STRIDE_LENGTH_TYPE_MANUAL");
    let running = stride(
        manual(settings.stride_length_running_type.name()),
        profile.user_configured_running_stride_length_mm,
        profile.auto_running_stride_length_mm,
    );
    let walking = stride(
        manual(settings.stride_length_walking_type.name()),
        profile.user_configured_walking_stride_length_mm,
        profile.auto_walking_stride_length_mm,
    );
    let text = |value: &str| (!value.is_empty()).then(|| value.to_string());
    let offset_millis = settings.utc_offset.as_ref().map(|d| d.seconds() * 1000);
    build(
        Profile::builder()
            .extra(no_extra())
            .encoded_id(text(legacy_user_id))
            .age(u16::try_from(profile.age).ok().filter(|age| *age > 0))
            .member_since(profile.membership_start_date.as_ref().and_then(date_of))
            .stride_length_running(running.map(fitbit_api::Number::from))
            .stride_length_walking(walking.map(fitbit_api::Number::from))
            .auto_stride_enabled(Some(settings.auto_stride_enabled))
            .timezone(text(&settings.time_zone))
            .offset_from_utc_millis(offset_millis)
            .locale(text(&settings.language_locale))
            .foods_locale(text(&settings.food_language_code.replace('-', "_")))
            .distance_unit(unit_word(
                settings.distance_unit.name(),
                &[("MILES", "en_US"), ("KILOMETERS", "METRIC")],
            ))
            .weight_unit(unit_word(
                settings.weight_unit.name(),
                &[("POUNDS", "en_US"), ("STONE", "en_GB"), ("KILOGRAMS", "METRIC")],
            ))
            .height_unit(unit_word(
                settings.height_unit.name(),
                &[("INCHES", "en_US"), ("CENTIMETERS", "METRIC")],
            ))
            .water_unit(unit_word(
                settings.water_unit.name(),
                &[("FL_OZ", "en_US"), ("CUP", "en_US"), ("ML", "METRIC")],
            ))
            .water_unit_name(unit_word(
                settings.water_unit.name(),
                &[("FL_OZ", "fl oz"), ("CUP", "cup"), ("ML", "ml")],
            ))
            .swim_unit(unit_word(settings.swim_unit.name(), &[("YARDS", "en_US"), ("METERS", "METRIC")]))
            .temperature_unit(unit_word(
                settings.temperature_unit.name(),
                &[("FAHRENHEIT", "en_US"), ("CELSIUS", "METRIC")],
            ))
            .glucose_unit(unit_word(
                settings.glucose_unit.name(),
                &[("MG_DL", "en_US"), ("MMOL_L", "METRIC")],
            )),
    )
}

/// The legacy word for a settings enum (`DISTANCE_UNIT_MILES` → `en_US`).
fn unit_word(name: Option<&str>, words: &[(&str, &str)]) -> Option<String> {
    let name = name?;
    words.iter().find(|(suffix, _)| name.ends_with(&format!("_{suffix}"))).map(|(_, word)| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_words_become_legacy_words() {
        let units = [("MILES", "en_US"), ("KILOMETERS", "METRIC")];
        assert_eq!(unit_word(Some("DISTANCE_UNIT_MILES"), &units).as_deref(), Some("en_US"));
        assert_eq!(unit_word(Some("DISTANCE_UNIT_UNSPECIFIED"), &units), None);
        assert_eq!(unit_word(None, &units), None);
    }
}

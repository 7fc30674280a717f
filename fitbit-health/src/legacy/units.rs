//! The new API's fixed units in the legacy unit systems.
//!
//! | quantity | new API | metric | `en_GB` | `en_US` |
//! |---|---|---|---|---|
//! | distance | mm | km | km | mi |
//! | elevation | mm | m | m | ft |
//! | body weight | g | kg | st | lb |
//! | height, stride | mm | cm | cm | in |
//! | speed | mm/s | km/h | km/h | mph |
//! | pace | s/m | s/km | s/km | s/mi |
//! | temperature difference | °C | °C | °C | °F |

use fitbit_api::UnitSystem;

const MM_PER_KM: f64 = 1_000_000.0;
const MM_PER_MILE: f64 = 1_609_344.0;
const MM_PER_FOOT: f64 = 304.8;
const MM_PER_INCH: f64 = 25.4;
const GRAMS_PER_POUND: f64 = 453.592_37;
const GRAMS_PER_STONE: f64 = 6_350.293_18;

/// Millimetres as kilometres or miles.
pub(crate) fn distance(mm: f64, units: UnitSystem) -> f64 {
    match units {
        UnitSystem::Us => mm / MM_PER_MILE,
        UnitSystem::Uk | UnitSystem::Metric => mm / MM_PER_KM,
    }
}

/// The legacy `distanceUnit` word of activity logs.
pub(crate) fn distance_unit(units: UnitSystem) -> &'static str {
    match units {
        UnitSystem::Us => "Mile",
        UnitSystem::Uk | UnitSystem::Metric => "Kilometer",
    }
}

/// Millimetres as metres or feet.
pub(crate) fn elevation(mm: f64, units: UnitSystem) -> f64 {
    match units {
        UnitSystem::Us => mm / MM_PER_FOOT,
        UnitSystem::Uk | UnitSystem::Metric => mm / 1000.0,
    }
}

/// Grams as kilograms, stone or pounds.
pub(crate) fn body_weight(grams: f64, units: UnitSystem) -> f64 {
    match units {
        UnitSystem::Us => grams / GRAMS_PER_POUND,
        UnitSystem::Uk => grams / GRAMS_PER_STONE,
        UnitSystem::Metric => grams / 1000.0,
    }
}

/// Millimetres as centimetres or inches (height, stride length).
pub(crate) fn length(mm: f64, units: UnitSystem) -> f64 {
    match units {
        UnitSystem::Us => mm / MM_PER_INCH,
        UnitSystem::Uk | UnitSystem::Metric => mm / 10.0,
    }
}

/// Millimetres per second as km/h or mph.
pub(crate) fn speed(mm_per_second: f64, units: UnitSystem) -> f64 {
    distance(mm_per_second * 3600.0, units)
}

/// Seconds per metre as seconds per kilometre or mile.
pub(crate) fn pace(seconds_per_metre: f64, units: UnitSystem) -> f64 {
    match units {
        UnitSystem::Us => seconds_per_metre * MM_PER_MILE / 1000.0,
        UnitSystem::Uk | UnitSystem::Metric => seconds_per_metre * 1000.0,
    }
}

/// A temperature difference in °C as °C or °F.
pub(crate) fn temperature_difference(celsius: f64, units: UnitSystem) -> f64 {
    match units {
        UnitSystem::Us => celsius * 1.8,
        UnitSystem::Uk | UnitSystem::Metric => celsius,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn each_unit_system_gets_its_own_units() {
        assert!(close(distance(1_609_344.0, UnitSystem::Us), 1.0));
        assert!(close(distance(5_000_000.0, UnitSystem::Uk), 5.0));
        assert!(close(elevation(3048.0, UnitSystem::Us), 10.0));
        assert!(close(elevation(3048.0, UnitSystem::Metric), 3.048));
        assert!(close(body_weight(63_502.931_8, UnitSystem::Uk), 10.0));
        assert!(close(body_weight(45_359.237, UnitSystem::Us), 100.0));
        assert!(close(body_weight(71_850.0, UnitSystem::Metric), 71.85));
        assert!(close(length(254.0, UnitSystem::Us), 10.0));
        assert!(close(length(966.0, UnitSystem::Uk), 96.6));
        assert!(close(speed(1000.0, UnitSystem::Metric), 3.6));
        assert!(close(pace(0.3, UnitSystem::Metric), 300.0));
        assert!(close(pace(0.3, UnitSystem::Us), 482.8032));
        assert!(close(temperature_difference(-0.5, UnitSystem::Us), -0.9));
        assert_eq!(distance_unit(UnitSystem::Us), "Mile");
    }
}

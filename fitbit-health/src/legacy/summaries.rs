//! Nightly summaries: SpO2, breathing rate, heart-rate variability, skin
//! temperature and cardio fitness (VO2 max).

use chrono::NaiveDate;
use fitbit_api::Number;
use fitbit_api::types::{
    BreathingRateSummary, BreathingRateSummaryDay, BreathingRateValue, CardioScoreDay, CardioScoreSummary,
    CardioScoreValue, HrvSummary, HrvSummaryDay, HrvSummaryValue, Spo2Summary, Spo2SummaryList,
    Spo2SummaryValue, TempSkinNight, TempSkinSummary, TempSkinValue,
};
use fitbit_auth::Error;
use google_devicesandservices_health_v4::model::data_point::Data;

use super::{Legacy, build, date_of, no_extra, units};
use crate::data_type::DataType;

impl Legacy {
    /// `get_spo2_summary_by_date`: the night's SpO2, from
    /// daily-oxygen-saturation: `avg` is its average.
    ///
    /// **Another definition:** `min` and `max` are the new API's lower and
    /// upper confidence bounds, not the lowest and highest readings Fitbit
    /// reported. A date without a value answers with only its date.
    ///
    /// Needs `health_metrics_and_measurements.readonly`.
    pub async fn spo2_summary(&self, date: NaiveDate) -> Result<Spo2Summary, Error> {
        let nights = self.spo2_summary_range(date, date).await?;
        match nights.0.into_iter().next() {
            Some(night) => Ok(night),
            None => build(Spo2Summary::builder().extra(no_extra()).date_time(Some(date.into()))),
        }
    }

    /// `get_spo2_summary_by_interval`: the nights from `start` to `end` that
    /// have a value, oldest first (see [`spo2_summary`](Self::spo2_summary)).
    pub async fn spo2_summary_range(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Spo2SummaryList, Error> {
        let mut nights = Vec::new();
        for point in self.daily(DataType::DailyOxygenSaturation, start, end).await? {
            let Some(Data::DailyOxygenSaturation(night)) = &point.data else { continue };
            let Some(date) = night.date.as_ref().and_then(date_of) else { continue };
            let value: Spo2SummaryValue = build(
                Spo2SummaryValue::builder()
                    .extra(no_extra())
                    .avg(night.average_percentage.map(Number::from))
                    .min(night.lower_bound_percentage.map(fitbit_api::Number::from))
                    .max(night.upper_bound_percentage.map(fitbit_api::Number::from)),
            )?;
            nights.push((
                date,
                build(
                    Spo2Summary::builder().extra(no_extra()).date_time(Some(date.into())).value(Some(value)),
                )?,
            ));
        }
        nights.sort_by_key(|(date, _)| *date);
        Ok(Spo2SummaryList(nights.into_iter().map(|(_, night)| night).collect()))
    }

    /// `get_br_summary_by_date` / `…_by_interval`: the breathing rate of
    /// each night from `start` to `end` that has one (daily-respiratory-rate,
    /// breaths per minute), oldest first.
    ///
    /// Needs `health_metrics_and_measurements.readonly`.
    pub async fn breathing_rate_summary(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<BreathingRateSummary, Error> {
        let mut days: Vec<BreathingRateSummaryDay> = Vec::new();
        for point in self.daily(DataType::DailyRespiratoryRate, start, end).await? {
            let Some(Data::DailyRespiratoryRate(night)) = &point.data else { continue };
            let Some(date) = night.date.as_ref().and_then(date_of) else { continue };
            let value: BreathingRateValue = build(
                BreathingRateValue::builder()
                    .extra(no_extra())
                    .breathing_rate(night.breaths_per_minute.map(Number::from)),
            )?;
            days.push(build(
                BreathingRateSummaryDay::builder().extra(no_extra()).date_time(date).value(value),
            )?);
        }
        days.sort_by_key(|day| day.date_time.date());
        build(BreathingRateSummary::builder().extra(no_extra()).br(days))
    }

    /// `get_hrv_summary_by_date` / `…_by_interval`: each night's heart-rate
    /// variability from `start` to `end`, oldest first, from
    /// daily-heart-rate-variability: `dailyRmssd` (the average RMSSD) and
    /// `deepRmssd` (deep sleep's), in milliseconds.
    ///
    /// Needs `health_metrics_and_measurements.readonly`.
    pub async fn hrv_summary(&self, start: NaiveDate, end: NaiveDate) -> Result<HrvSummary, Error> {
        let mut days: Vec<HrvSummaryDay> = Vec::new();
        for point in self.daily(DataType::DailyHeartRateVariability, start, end).await? {
            let Some(Data::DailyHeartRateVariability(night)) = &point.data else { continue };
            let Some(date) = night.date.as_ref().and_then(date_of) else { continue };
            let value: HrvSummaryValue = build(
                HrvSummaryValue::builder()
                    .extra(no_extra())
                    .daily_rmssd(night.average_heart_rate_variability_milliseconds.map(Number::from))
                    .deep_rmssd(
                        night
                            .deep_sleep_root_mean_square_of_successive_differences_milliseconds
                            .map(fitbit_api::Number::from),
                    ),
            )?;
            days.push(build(HrvSummaryDay::builder().extra(no_extra()).date_time(date).value(value))?);
        }
        days.sort_by_key(|day| day.date_time.date());
        build(HrvSummary::builder().extra(no_extra()).hrv(days))
    }

    /// `get_temperature_skin_summary_by_date` / `…_by_interval`: each
    /// night's skin temperature relative to the user's baseline, from
    /// daily-sleep-temperature-derivations (nightly minus baseline), in °C,
    /// or °F for [`UnitSystem::Us`](fitbit_api::UnitSystem::Us); nights
    /// without a baseline are left out.
    ///
    /// Not in the new API: `logType` (which sensor measured it), `None`.
    ///
    /// Needs `health_metrics_and_measurements.readonly`.
    pub async fn skin_temperature_summary(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<TempSkinSummary, Error> {
        let mut nights: Vec<TempSkinNight> = Vec::new();
        for point in self.daily(DataType::DailySleepTemperatureDerivations, start, end).await? {
            let Some(Data::DailySleepTemperatureDerivations(night)) = &point.data else { continue };
            let Some(date) = night.date.as_ref().and_then(date_of) else { continue };
            let (Some(nightly), Some(baseline)) =
                (night.nightly_temperature_celsius, night.baseline_temperature_celsius)
            else {
                continue;
            };
            let relative = units::temperature_difference(nightly - baseline, self.units);
            let value: TempSkinValue =
                build(TempSkinValue::builder().extra(no_extra()).nightly_relative(Some(relative.into())))?;
            nights.push(build(TempSkinNight::builder().extra(no_extra()).date_time(date).value(value))?);
        }
        nights.sort_by_key(|night| night.date_time.date());
        build(TempSkinSummary::builder().extra(no_extra()).temp_skin(nights))
    }

    /// `get_vo2max_summary_by_date` / `…_by_interval`: each day's cardio
    /// fitness score from `start` to `end`, oldest first, from daily-vo2-max
    /// (ml/kg/min, in every unit system, as before). `vo2Max` is the number
    /// as text; Fitbit sent a range such as `"44-48"` for users without GPS
    /// runs, which the new API does not give.
    ///
    /// Needs `activity_and_fitness.readonly`.
    pub async fn cardio_fitness_summary(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<CardioScoreSummary, Error> {
        let mut days: Vec<CardioScoreDay> = Vec::new();
        for point in self.daily(DataType::DailyVo2Max, start, end).await? {
            let Some(Data::DailyVo2Max(day)) = &point.data else { continue };
            let (Some(date), Some(vo2)) = (day.date.as_ref().and_then(date_of), day.vo2_max) else {
                continue;
            };
            let value: CardioScoreValue =
                build(CardioScoreValue::builder().extra(no_extra()).vo2_max(Some(vo2.to_string())))?;
            days.push(build(CardioScoreDay::builder().extra(no_extra()).date_time(date).value(value))?);
        }
        days.sort_by_key(|day| day.date_time.date());
        build(CardioScoreSummary::builder().extra(no_extra()).cardio_score(days))
    }
}

//! The AIP-160 subset the Health API documents for `filter`: comparisons of a
//! field with a quoted literal, joined by `AND` and (sleep, subscriptions)
//! `OR`, with parentheses. `OR` binds tighter than `AND`, as AIP-160 says.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::discovery::{DataType, RecordKind};
use super::time::{parse_civil_literal, parse_timestamp};

/// A parsed expression over raw comparisons.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr<C> {
    And(Vec<Expr<C>>),
    Or(Vec<Expr<C>>),
    Cond(C),
}

/// `field op "value"`, as written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawCond {
    pub field: String,
    pub op: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Op(String),
    Word(String),
    Text(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => value.push(chars.next().ok_or("unterminated string literal")?),
                        Some(c) => value.push(c),
                        None => return Err("unterminated string literal".into()),
                    }
                }
                tokens.push(Token::Text(value));
            }
            '<' | '>' | '=' | '!' => {
                let mut op = String::from(c);
                chars.next();
                if chars.peek() == Some(&'=') {
                    op.push('=');
                    chars.next();
                }
                if op == "!" {
                    return Err("unexpected '!'".into());
                }
                tokens.push(Token::Op(op));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()<>=!\"".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(match word.as_str() {
                    "AND" => Token::And,
                    "OR" => Token::Or,
                    _ => Token::Word(word),
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn and(&mut self) -> Result<Expr<RawCond>, String> {
        let mut parts = vec![self.or()?];
        while self.peek() == Some(&Token::And) {
            self.next();
            parts.push(self.or()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
    }

    fn or(&mut self) -> Result<Expr<RawCond>, String> {
        let mut parts = vec![self.primary()?];
        while self.peek() == Some(&Token::Or) {
            self.next();
            parts.push(self.primary()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
    }

    fn primary(&mut self) -> Result<Expr<RawCond>, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.and()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("missing ')'".into()),
                }
            }
            Some(Token::Word(field)) => {
                let Some(Token::Op(op)) = self.next() else {
                    return Err(format!("expected a comparison operator after '{field}'"));
                };
                match self.next() {
                    Some(Token::Text(value)) => Ok(Expr::Cond(RawCond { field, op, value })),
                    Some(Token::Word(word)) => Err(format!("the value '{word}' must be a quoted string")),
                    _ => Err(format!("expected a value after '{field} {op}'")),
                }
            }
            Some(other) => Err(format!("unexpected {other:?}")),
            None => Err("unexpected end of filter".into()),
        }
    }
}

/// Parses `text` into an expression of raw comparisons.
pub(crate) fn parse(text: &str) -> Result<Expr<RawCond>, String> {
    let mut parser = Parser { tokens: tokenize(text)?, at: 0 };
    let expr = parser.and()?;
    if parser.at < parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.at]));
    }
    Ok(expr)
}

impl<C> Expr<C> {
    /// Whether an `OR` appears anywhere.
    pub fn has_or(&self) -> bool {
        match self {
            Expr::Or(_) => true,
            Expr::And(parts) => parts.iter().any(Expr::has_or),
            Expr::Cond(_) => false,
        }
    }

    pub fn try_map<D, E>(self, f: &impl Fn(C) -> Result<D, E>) -> Result<Expr<D>, E> {
        Ok(match self {
            Expr::And(parts) => Expr::And(parts.into_iter().map(|p| p.try_map(f)).collect::<Result<_, _>>()?),
            Expr::Or(parts) => Expr::Or(parts.into_iter().map(|p| p.try_map(f)).collect::<Result<_, _>>()?),
            Expr::Cond(c) => Expr::Cond(f(c)?),
        })
    }

    pub fn eval(&self, f: &impl Fn(&C) -> bool) -> bool {
        match self {
            Expr::And(parts) => parts.iter().all(|p| p.eval(f)),
            Expr::Or(parts) => parts.iter().any(|p| p.eval(f)),
            Expr::Cond(c) => f(c),
        }
    }
}

// ---- Data-point filters --------------------------------------------------------------------------

/// Which time of a point a condition compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeField {
    StartTime,
    CivilStartTime,
    EndTime,
    CivilEndTime,
    PhysicalTime,
    CivilTime,
    Date,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Literal {
    Instant(DateTime<Utc>),
    Civil(NaiveDateTime),
    Date(NaiveDate),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TimeCond {
    pub field: TimeField,
    pub at_least: bool,
    pub value: Literal,
}

/// The times of one point that filters compare.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PointTimes {
    pub start: DateTime<Utc>,
    pub start_civil: NaiveDateTime,
    pub end: DateTime<Utc>,
    pub end_civil: NaiveDateTime,
}

/// A parsed `filter` for `dataPoints.list`/`reconcile` of one data type.
#[derive(Clone, Debug, Default)]
pub(crate) struct PointFilter {
    expr: Option<Expr<TimeCond>>,
}

/// The fields `{type}.…` a data type may be filtered on, with the operators
/// allowed (from the `ListDataPointsRequest.filter` description).
fn allowed_fields(data_type: &DataType) -> Vec<(&'static str, TimeField, &'static [&'static str])> {
    const BOTH: &[&str] = &[">=", "<"];
    match (data_type.kind, data_type.kebab.as_str()) {
        (_, "sleep") => vec![
            ("interval.end_time", TimeField::EndTime, BOTH),
            ("interval.civil_end_time", TimeField::CivilEndTime, BOTH),
        ],
        (_, "electrocardiogram") => vec![("interval.start_time", TimeField::StartTime, &[">="])],
        (RecordKind::Interval, _) => vec![
            ("interval.start_time", TimeField::StartTime, BOTH),
            ("interval.civil_start_time", TimeField::CivilStartTime, BOTH),
        ],
        (RecordKind::Session, _) => vec![("interval.civil_start_time", TimeField::CivilStartTime, BOTH)],
        (RecordKind::Sample, _) => vec![
            ("sample_time.physical_time", TimeField::PhysicalTime, BOTH),
            ("sample_time.civil_time", TimeField::CivilTime, BOTH),
        ],
        (RecordKind::Daily, _) => vec![("date", TimeField::Date, BOTH)],
        (RecordKind::Untimed, _) => vec![],
    }
}

impl PointFilter {
    /// Parses and checks a filter for `data_type`; the error is the message of a 400.
    pub fn parse(text: &str, data_type: &DataType) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let raw = parse(text).map_err(|e| format!("Invalid filter: {e}"))?;
        if raw.has_or() && data_type.kebab != "sleep" {
            return Err(format!("Invalid filter: OR is not supported for the {} data type", data_type.kebab));
        }
        let allowed = allowed_fields(data_type);
        let prefix = format!("{}.", data_type.snake);
        let expr = raw.try_map(&|cond: RawCond| {
            let rest = cond.field.strip_prefix(&prefix);
            let Some((_, field, ops)) = allowed.iter().find(|(name, _, _)| Some(*name) == rest) else {
                let names: Vec<String> = allowed.iter().map(|(n, _, _)| format!("{prefix}{n}")).collect();
                return Err(format!(
                    "Invalid filter field '{}' for data type {}; supported: [{}]",
                    cond.field,
                    data_type.kebab,
                    names.join(", ")
                ));
            };
            if !ops.contains(&cond.op.as_str()) {
                return Err(format!(
                    "Invalid filter: operator '{}' is not supported for '{}'",
                    cond.op, cond.field
                ));
            }
            let value = match field {
                TimeField::StartTime | TimeField::EndTime | TimeField::PhysicalTime => {
                    parse_timestamp(&cond.value).map(Literal::Instant)
                }
                TimeField::CivilStartTime | TimeField::CivilEndTime | TimeField::CivilTime => {
                    parse_civil_literal(&cond.value).map(Literal::Civil)
                }
                TimeField::Date => NaiveDate::parse_from_str(&cond.value, "%Y-%m-%d")
                    .ok()
                    .filter(|_| cond.value.len() == 10)
                    .map(Literal::Date),
            };
            let Some(value) = value else {
                return Err(format!(
                    "Invalid filter: '{}' is not a valid value for '{}'",
                    cond.value, cond.field
                ));
            };
            Ok(TimeCond { field: *field, at_least: cond.op == ">=", value })
        })?;
        Ok(Self { expr: Some(expr) })
    }

    /// Whether a point with these times passes.
    pub fn matches(&self, times: Option<&PointTimes>) -> bool {
        self.eval_where(times, |_| true)
    }

    /// Whether the point passes the lower bounds (`>=`) alone. Exact for the
    /// `AND`-only filters synthetic series are read with.
    pub fn passes_lower(&self, times: Option<&PointTimes>) -> bool {
        self.eval_where(times, |cond| cond.at_least)
    }

    /// Whether the point passes the upper bounds (`<`) alone.
    pub fn passes_upper(&self, times: Option<&PointTimes>) -> bool {
        self.eval_where(times, |cond| !cond.at_least)
    }

    /// Whether the filter is only `AND`s (no `OR`).
    pub fn is_conjunction(&self) -> bool {
        self.expr.as_ref().is_none_or(|expr| !expr.has_or())
    }

    /// Evaluates the conditions `counted` selects; the others pass.
    fn eval_where(&self, times: Option<&PointTimes>, counted: impl Fn(&TimeCond) -> bool) -> bool {
        let Some(expr) = &self.expr else { return true };
        let Some(t) = times else { return false };
        expr.eval(&|cond: &TimeCond| {
            if !counted(cond) {
                return true;
            }
            let ordering = match (&cond.value, cond.field) {
                (Literal::Instant(v), TimeField::StartTime | TimeField::PhysicalTime) => t.start.cmp(v),
                (Literal::Instant(v), TimeField::EndTime) => t.end.cmp(v),
                (Literal::Civil(v), TimeField::CivilStartTime | TimeField::CivilTime) => t.start_civil.cmp(v),
                (Literal::Civil(v), TimeField::CivilEndTime) => t.end_civil.cmp(v),
                (Literal::Date(v), TimeField::Date) => t.start_civil.date().cmp(v),
                _ => return false,
            };
            if cond.at_least { ordering.is_ge() } else { ordering.is_lt() }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock_google::discovery;

    fn data_type(kebab: &str) -> &'static DataType {
        discovery::get().data_type(kebab).unwrap()
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let expr = parse(r#"user = "users/1" AND (data_type = "sleep" OR data_type = "weight")"#).unwrap();
        let Expr::And(parts) = expr else { panic!("{expr:?}") };
        assert!(matches!(parts[1], Expr::Or(_)));
        let expr = parse(r#"a = "1" AND b = "2" OR b = "3""#).unwrap();
        let Expr::And(parts) = expr else { panic!("{expr:?}") };
        assert!(matches!(&parts[1], Expr::Or(inner) if inner.len() == 2));
    }

    #[test]
    fn fields_are_checked_per_record_kind() {
        let ok = [
            (
                "steps",
                r#"steps.interval.start_time >= "2026-11-29T00:00:00Z" AND steps.interval.start_time < "2026-11-30T00:00:00Z""#,
            ),
            ("steps", r#"steps.interval.civil_start_time >= "2026-11-29""#),
            ("weight", r#"weight.sample_time.civil_time < "2026-11-29T08:00:00""#),
            ("daily-resting-heart-rate", r#"daily_resting_heart_rate.date >= "2026-11-28""#),
            ("exercise", r#"exercise.interval.civil_start_time >= "2026-11-28""#),
            ("electrocardiogram", r#"electrocardiogram.interval.start_time >= "2026-11-28T00:00:00Z""#),
            (
                "sleep",
                r#"sleep.interval.end_time >= "2026-11-29T00:00:00Z" OR sleep.interval.end_time < "2026-11-20T00:00:00Z""#,
            ),
        ];
        for (kebab, text) in ok {
            PointFilter::parse(text, data_type(kebab)).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
        let bad = [
            ("steps", r#"steps.sample_time.physical_time >= "2026-11-29T00:00:00Z""#),
            ("steps", r#"distance.interval.start_time >= "2026-11-29T00:00:00Z""#),
            ("steps", r#"steps.interval.start_time > "2026-11-29T00:00:00Z""#),
            ("steps", r#"steps.interval.start_time >= 2026-11-29"#),
            ("steps", r#"steps.interval.start_time >= "2026-11-29""#),
            (
                "steps",
                r#"steps.interval.start_time >= "2026-11-29T00:00:00Z" OR steps.interval.start_time < "2026-11-20T00:00:00Z""#,
            ),
            ("exercise", r#"exercise.interval.start_time >= "2026-11-29T00:00:00Z""#),
            ("electrocardiogram", r#"electrocardiogram.interval.start_time < "2026-11-29T00:00:00Z""#),
            ("sleep", r#"sleep.interval.start_time >= "2026-11-29T00:00:00Z""#),
            ("daily-resting-heart-rate", r#"daily_resting_heart_rate.date >= "2026-11-28T00:00:00""#),
            ("food", r#"food.date >= "2026-11-28""#),
        ];
        for (kebab, text) in bad {
            assert!(PointFilter::parse(text, data_type(kebab)).is_err(), "{kebab}: {text}");
        }
    }
}

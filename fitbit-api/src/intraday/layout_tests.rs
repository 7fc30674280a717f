//! The scanner against serde on whole answers and on datasets in many
//! layouts: compact, indented (spaces, tabs, CRLF), whitespace scattered
//! between tokens, fields in either order, layouts that change within a
//! dataset, and random datasets with and without what the scanner declines.
//! Both paths must give the same points (numbers in the same form), keep the
//! same unknown fields and report the same errors.

use std::cell::Cell;
use std::thread::LocalKey;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::points::{SCANNED, points_from_text};
use super::scan::{TOKEN_BY_TOKEN, scan_points};
use super::{IntradayPoint, IntradayPoints};
use crate::types::HeartRateIntraday;

/// A real-shaped answer of heart rate at 1-second detail, compact as servers
/// send it: zones without `caloriesOut` or `minutes`, the day's `value` as a
/// numeric string, fields the model does not name.
const REAL_SHAPED: &str = include_str!("testdata/heart-1sec-real-shaped.json");

/// `f`'s result, and how much it moved `counter`.
fn counted<T>(counter: &'static LocalKey<Cell<usize>>, f: impl FnOnce() -> T) -> (T, usize) {
    let before = counter.with(Cell::get);
    let value = f();
    (value, counter.with(Cell::get) - before)
}

/// What serde alone makes of a dataset's text.
fn by_serde(text: &str) -> Result<Vec<IntradayPoint>, String> {
    serde_json::from_str(text).map_err(|err| err.to_string())
}

/// The type's decode of a dataset's text (the scanner, or serde when it
/// declines), checked against serde alone.
fn check_dataset(text: &str) -> Result<Vec<IntradayPoint>, String> {
    let by_type = points_from_text(text).map(IntradayPoints::into_vec).map_err(|err| err.to_string());
    assert_eq!(by_type, by_serde(text), "{text}");
    if by_type.is_err() {
        assert_eq!(scan_points(text), None, "{text}");
    }
    by_type
}

/// The text of an answer's dataset, as serde_json hands it to the type.
fn dataset_text(answer: &str) -> &str {
    #[derive(Deserialize)]
    struct Answer<'a> {
        #[serde(rename = "activities-heart-intraday", borrow)]
        intraday: Dataset<'a>,
    }
    #[derive(Deserialize)]
    struct Dataset<'a> {
        #[serde(borrow)]
        dataset: &'a RawValue,
    }
    serde_json::from_str::<Answer<'_>>(answer).unwrap().intraday.dataset.get()
}

/// Compact JSON laid out again, as `json.dumps(indent=…)` or
/// `serde_json::to_string_pretty` write it, with any indent and newline: a
/// newline and the indent per depth after `{`, `[` and `,` and before `}`
/// and `]` (empty ones stay `[]`), and `colon` after each `:`.
fn indented(compact: &str, indent: &str, newline: &str, colon: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 3);
    let mut depth = 0_usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = compact.chars().peekable();
    let line = |out: &mut String, depth: usize| {
        out.push_str(newline);
        (0..depth).for_each(|_| out.push_str(indent));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => {
                out.push(c);
                out.extend(chars.next());
            }
            '{' | '[' => {
                out.push(c);
                depth += 1;
                line(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                line(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                line(&mut out, depth);
            }
            ':' => {
                out.push(c);
                out.push_str(colon);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Compact JSON with whitespace (the four kinds JSON allows, none to a few
/// bytes) before and after every `{ } [ ] , :`.
fn scattered(compact: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(compact.len() * 3);
    let (mut in_string, mut escaped) = (false, false);
    for c in compact.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if matches!(c, '{' | '}' | '[' | ']' | ',' | ':') {
            out.push_str(rng.whitespace());
            out.push(c);
            out.push_str(rng.whitespace());
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// A small deterministic generator (xorshift64*): the same cases every run,
/// without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn whitespace(&mut self) -> &'static str {
        self.pick(&["", "", "", " ", "  ", "\n", "\t", "\r\n", "\n      ", " \t\r\n"])
    }

    fn time(&mut self) -> String {
        let (h, m, s) = (self.below(24), self.below(60), self.below(60));
        if self.one_in(8) { format!("{h:02}:{m:02}") } else { format!("{h:02}:{m:02}:{s:02}") }
    }

    fn number(&mut self) -> String {
        match self.below(12) {
            0..4 => self.below(200).to_string(),
            4 => self.below(10).to_string(),
            5 => (self.next() % 10_u64.pow(1 + self.below(7) as u32)).to_string(),
            6 => (self.next() >> self.below(64)).to_string(),
            7 => self
                .pick(&["18446744073709551615", "18446744073709551616", "9007199254740993", "12345678"])
                .into(),
            8 => self.pick(&["-5", "-0", "-12345678901"]).into(),
            _ => self
                .pick(&["1.5", "0.1", "62.0", "1.0981", "2e3", "1E-2", "3.141592653589793238", "0.0"])
                .into(),
        }
    }
}

/// The points in `points` written with `value` first.
fn value_first(points: &[IntradayPoint]) -> String {
    let points: Vec<String> =
        points.iter().map(|p| format!(r#"{{"value":{},"time":"{}"}}"#, p.value, p.time)).collect();
    format!("[{}]", points.join(","))
}

fn decode_answer(text: &str) -> HeartRateIntraday {
    let (day, scanned) = counted(&SCANNED, || crate::decode_json::<HeartRateIntraday>(text.as_bytes()));
    assert_eq!(scanned, 1, "the dataset went to serde: {text}");
    day.unwrap()
}

#[test]
fn the_real_shaped_answer_decodes_alike_in_every_layout() {
    let compact = decode_answer(REAL_SHAPED);
    let points = compact.activities_heart_intraday.as_ref().unwrap().dataset.clone().into_vec();
    assert_eq!(points.len(), 24);
    // The fields in the other order, in the same answer.
    let reordered = REAL_SHAPED.replace(dataset_text(REAL_SHAPED), &value_first(&points));
    let mut layouts = Vec::new();
    for (name, text) in [("as sent", REAL_SHAPED), ("value first", reordered.as_str())] {
        layouts.extend([
            (format!("{name}, compact"), text.to_owned()),
            (format!("{name}, indent=2"), indented(text, "  ", "\n", " ")),
            (format!("{name}, indent=4, CRLF"), indented(text, "    ", "\r\n", " ")),
            (format!("{name}, tabs"), indented(text, "\t", "\n", " ")),
            (format!("{name}, newlines only"), indented(text, "", "\n", "")),
            (format!("{name}, spaces only"), indented(text, "", " ", " ")),
        ]);
        let mut rng = Rng(0x5eed_0000_0000_0001);
        for seed in 0..8 {
            layouts.push((format!("{name}, scattered {seed}"), scattered(text, &mut rng)));
        }
    }
    for (name, text) in &layouts {
        let day = decode_answer(text);
        assert_eq!(day, compact, "{name}");
        // Written back, it is what was sent: numbers in their form, unknown
        // fields kept (key order aside).
        let sent: Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_value(&day).unwrap(), sent, "{name}");
        // The dataset alone: the scanner takes it, and agrees with serde.
        let dataset = dataset_text(text);
        assert_eq!(scan_points(dataset), Some(by_serde(dataset).unwrap()), "{name}");
        let from_tree =
            Vec::<IntradayPoint>::deserialize(&sent["activities-heart-intraday"]["dataset"]).unwrap();
        assert_eq!(from_tree, points, "{name}");
    }
}

#[test]
fn a_learned_layout_reads_every_point_after_the_first() {
    let mut rng = Rng(0x1a70_u64 << 32 | 7);
    let heart: Vec<String> = (0..300_u32)
        .map(|i| {
            let value = [rng.below(10), 50 + rng.below(90), rng.below(10_000_000)][i as usize % 3];
            format!(r#"{{"time":"{:02}:{:02}:{:02}","value":{value}}}"#, i / 3600, i / 60 % 60, i % 60)
        })
        .collect();
    let calories: Vec<String> = (0..300_u32)
        .map(|i| {
            let mets =
                if i % 2 == 0 { "10".to_owned() } else { format!("{}.{}", rng.below(40), rng.below(10)) };
            format!(
                r#"{{"level":{},"mets":{mets},"time":"{:02}:{:02}","value":1.21}}"#,
                i % 4,
                i / 60,
                i % 60
            )
        })
        .collect();
    let compact = format!("[{}]", heart.join(","));
    let datasets = [
        ("heart, compact", compact.clone()),
        ("heart, indent=2", indented(&compact, "  ", "\n", " ")),
        ("heart, tabs, CRLF", indented(&compact, "\t", "\r\n", " ")),
        ("heart, value first", value_first(&scan_points(&compact).unwrap())),
        (
            "heart, value first, indent=2",
            indented(&value_first(&scan_points(&compact).unwrap()), "  ", "\n", " "),
        ),
        ("calories, compact", format!("[{}]", calories.join(","))),
        ("calories, indent=2", indented(&format!("[{}]", calories.join(",")), "  ", "\n", " ")),
        // The last point has a field more than the layout.
        ("heart, a level at the end", compact.replacen("}]", r#","level":3}]"#, 1)),
    ];
    for (name, text) in &datasets {
        let (points, token_by_token) = counted(&TOKEN_BY_TOKEN, || scan_points(text));
        assert_eq!(points.as_ref().map(Vec::len), Some(300), "{name}");
        assert_eq!(points.map(Ok), Some(by_serde(text)), "{name}");
        assert_eq!(token_by_token, 1, "{name}: only the first point is parsed token by token");
    }
    // A layout that changes halfway is learned again, once.
    let half = heart.len() / 2;
    let mixed = format!(
        "[{},\n  {}]",
        heart[..half].join(","),
        indented(&heart[half..].join(","), "  ", "\n  ", " ")
    );
    let (points, token_by_token) = counted(&TOKEN_BY_TOKEN, || scan_points(&mixed));
    assert_eq!(points.map(Ok), Some(by_serde(&mixed)));
    assert_eq!(token_by_token, 2, "{mixed}");
}

#[test]
fn what_a_layout_meets_is_decided_as_serde_decides_it() {
    let odd_points = [
        // Refused, with serde's message.
        r#"{"time":"24:00:00","value":61}"#,
        r#"{"time":"07:31:00","value":01}"#,
        r#"{"time":"07:31:00","value":null}"#,
        r#"{"time":"07:31:00","value":"61"}"#,
        r#"{"time":"07:31:00","value":-}"#,
        r#"{"time":"07:31:00","value":61,"value":62}"#,
        r#"{"time":"07:31:00","value":61,"time":"07:31:01"}"#,
        r#"{"time":"07:31:00","value":61,"level":256}"#,
        r#"{"time":"07:31:00"}"#,
        r#"{"time":"07:31:00","value":61,}"#,
        r#"{"time":"07:31:00","value":61"#,
        r#"{"time":"07:31:00","value":61}}"#,
        "[]",
        // Kept by serde: an unknown field, escapes.
        r#"{"time":"07:31:00","value":61,"confidence":3}"#,
        r#"{"time":"07\u003a31:00","value":61}"#,
        r#"{"time":"07:31:00","valu\u0065":61}"#,
        // Read by the scanner, off the layout.
        r#"{"time":"07:31:00","value":61,"level":null}"#,
        r#"{"time":"07:31:00","value":-61}"#,
        r#"{"time":"07:31:00","value":6.1e1}"#,
        r#"{"time":"07:31:00","value":18446744073709551616}"#,
        r#"{"time":"07:31","value":61}"#,
        r#"{"value":61,"time":"07:31:00"}"#,
        r#"{"time":"07:31:00","value":61,"level":2,"mets":3.5}"#,
    ];
    let usual = |i: usize| format!(r#"{{"time":"00:00:{:02}","value":{}}}"#, i % 60, 60 + i % 50);
    for odd in odd_points {
        for at in [0, 1, 2, 20, 39] {
            let points: Vec<String> =
                (0..40).map(|i| if i == at { odd.to_owned() } else { usual(i) }).collect();
            let compact = format!("[{}]", points.join(","));
            for text in [indented(&compact, "  ", "\n", " "), compact] {
                let by_type = check_dataset(&text);
                if odd.contains("confidence") {
                    assert_eq!(by_type.unwrap()[at].extra.as_ref().unwrap()["confidence"], 3);
                }
            }
        }
    }
}

#[test]
fn random_datasets_agree_with_serde() {
    let mut rng = Rng(0x0dd5_eed5_0000_0030);
    let (mut accepted, mut declined) = (0, 0);
    for _ in 0..3000 {
        // Either every point laid out alike (now and then one otherwise), or
        // whitespace drawn afresh between any two tokens.
        let uniform = rng.one_in(2);
        let mut slots: Vec<&str> = (0..24).map(|_| rng.whitespace()).collect();
        let mut odd = false;
        let mut text = format!("{}[{}", rng.whitespace(), rng.whitespace());
        for index in 0..rng.below(13) {
            if !uniform || rng.one_in(10) {
                slots.iter_mut().for_each(|slot| *slot = rng.whitespace());
            }
            let mut fields = vec![("time", format!("\"{}\"", rng.time())), ("value", rng.number())];
            if rng.one_in(4) {
                let level = if rng.one_in(5) { "null".to_owned() } else { rng.below(256).to_string() };
                fields.push(("level", level));
            }
            if rng.one_in(4) {
                fields.push(("mets", if rng.one_in(5) { "null".to_owned() } else { rng.number() }));
            }
            if rng.one_in(3) {
                fields.swap(0, 1);
            }
            if rng.one_in(30) {
                odd = true;
                match rng.below(8) {
                    0 => fields.push(("confidence", "3".into())),
                    1 => fields[0].0 = if fields[0].0 == "time" { "ti\\u006de" } else { "valu\\u0065" },
                    2 => fields[1].1 = "null".into(),
                    3 => fields[1].1 = "\"61\"".into(),
                    4 => fields.push(("level", "256".into())),
                    5 => fields.push((fields[0].0, fields[0].1.clone())),
                    6 => drop(fields.pop()),
                    _ => fields.push(("time", "\"24:00:00\"".into())),
                }
            }
            if index > 0 {
                text += &format!("{},{}", slots[0], slots[1]);
            }
            text += &format!("{{{}", slots[2]);
            for (i, (key, value)) in fields.iter().enumerate() {
                if i > 0 {
                    text += &format!("{},{}", slots[3 + 4 * (i % 5)], slots[4 + 4 * (i % 5)]);
                }
                text += &format!("\"{key}\"{}:{}{value}", slots[5 + 4 * (i % 5)], slots[6 + 4 * (i % 5)]);
            }
            text += &format!("{}}}", slots[23]);
        }
        text += &format!("{}]{}", rng.whitespace(), rng.whitespace());
        let scanned = scan_points(&text).is_some();
        check_dataset(&text).ok();
        if !odd {
            assert!(scanned, "the scanner declined a dataset of the shape it reads: {text:?}");
        }
        if scanned { accepted += 1 } else { declined += 1 }
    }
    // Both sides were exercised.
    assert!(accepted > 2000 && declined > 100, "{accepted} read, {declined} declined");
}

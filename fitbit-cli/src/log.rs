//! The tool's log on stderr: the SDK's `tracing` events, warnings and
//! errors by default (an over-readable token file, a refresh that could not
//! be saved), more with `-v` or `RUST_LOG`.
//!
//! A small subscriber of its own: one line per event, `fitbit: warning:
//! <message> (field=value, …)`, with control characters escaped (fields can
//! quote a server's answer). Spans are not printed. The SDK never puts a
//! token or a secret into an event, so none can appear here.
//!
//! `RUST_LOG` takes comma-separated directives, each `LEVEL` or
//! `TARGET=LEVEL` (`TARGET` a module path prefix such as `fitbit_auth`,
//! the longest match deciding), with the levels `off`, `error`, `warn`,
//! `info`, `debug` and `trace`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use fitbit_auth::sanitize_text;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The longest field value printed, in characters.
const VALUE_LIMIT: usize = 1_000;

/// Which events are printed: a default level and per-target levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    default: LevelFilter,
    targets: Vec<(String, LevelFilter)>,
}

impl Filter {
    /// `RUST_LOG` when it is set and not empty, else the level `-v` asks for
    /// (warnings without it).
    pub fn from_env(verbose: u8) -> Self {
        match std::env::var("RUST_LOG") {
            Ok(directives) if !directives.trim().is_empty() => Self::parse(&directives),
            _ => Self::verbosity(verbose),
        }
    }

    /// Warnings and errors; each `-v` one level more.
    pub fn verbosity(verbose: u8) -> Self {
        let default = match verbose {
            0 => LevelFilter::WARN,
            1 => LevelFilter::INFO,
            2 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        };
        Self { default, targets: Vec::new() }
    }

    /// Parses `RUST_LOG`'s directives; a directive it cannot read is skipped
    /// (with a note on stderr), and warnings stay the default.
    pub fn parse(directives: &str) -> Self {
        let mut filter = Self::verbosity(0);
        for directive in directives.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let (target, level) = match directive.split_once('=') {
                Some((target, level)) => (Some(target.trim()), level.trim()),
                None => (None, directive),
            };
            let Ok(level) = level.parse::<LevelFilter>() else {
                eprintln!("fitbit: RUST_LOG: `{}` is not a level; ignored", sanitize_text(directive, 100));
                continue;
            };
            match target {
                Some(target) if !target.is_empty() => filter.targets.push((target.to_string(), level)),
                _ => filter.default = level,
            }
        }
        // The longest target decides: try them longest first.
        filter.targets.sort_by_key(|(target, _)| std::cmp::Reverse(target.len()));
        filter
    }

    fn level_for(&self, target: &str) -> LevelFilter {
        self.targets
            .iter()
            .find(|(prefix, _)| {
                target
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
            })
            .map_or(self.default, |(_, level)| *level)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && *metadata.level() <= self.level_for(metadata.target())
    }

    fn most_verbose(&self) -> LevelFilter {
        self.targets.iter().map(|(_, level)| *level).fold(self.default, std::cmp::max)
    }
}

/// Prints events on stderr.
pub struct StderrLog {
    filter: Filter,
    next_span: AtomicU64,
}

/// Installs the log for this process. A second call does nothing.
pub fn init(verbose: u8) {
    let log = StderrLog { filter: Filter::from_env(verbose), next_span: AtomicU64::new(1) };
    let _ = tracing::subscriber::set_global_default(log);
}

impl Subscriber for StderrLog {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.filter.enabled(metadata) { Interest::always() } else { Interest::never() }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.filter.most_verbose())
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed).max(1))
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let line = format_event(event);
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(line.as_bytes());
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// `fitbit: warning: message (name=value, …)` and a newline; the target
/// too below `info`.
fn format_event(event: &Event<'_>) -> String {
    let metadata = event.metadata();
    let level = match *metadata.level() {
        Level::ERROR => "error",
        Level::WARN => "warning",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    };
    let mut fields = Fields::default();
    event.record(&mut fields);
    let mut line = format!("fitbit: {level}: ");
    if *metadata.level() > Level::INFO {
        let _ = write!(line, "[{}] ", metadata.target());
    }
    line.push_str(&sanitize_text(&fields.message, VALUE_LIMIT));
    if !fields.others.is_empty() {
        let others: Vec<String> = fields
            .others
            .iter()
            .map(|(name, value)| format!("{name}={}", sanitize_text(value, VALUE_LIMIT)))
            .collect();
        let _ = write!(line, " ({})", others.join(", "));
    }
    line.push('\n');
    line
}

/// An event's message and other fields, as text.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.others.push((field.name(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_directives_pick_the_level_by_the_longest_target() {
        let filter = Filter::parse("info, fitbit_auth=debug, fitbit_auth::store=off, hyper=nonsense");
        assert_eq!(filter.level_for("fitbit_cli"), LevelFilter::INFO);
        assert_eq!(filter.level_for("fitbit_auth::session"), LevelFilter::DEBUG);
        assert_eq!(filter.level_for("fitbit_auth::store::file"), LevelFilter::OFF);
        assert_eq!(filter.level_for("fitbit_authx"), LevelFilter::INFO);
        assert_eq!(filter.most_verbose(), LevelFilter::DEBUG);
        assert_eq!(Filter::parse("").level_for("x"), LevelFilter::WARN);
        assert_eq!(Filter::parse("trace").level_for("x"), LevelFilter::TRACE);
    }

    #[test]
    fn each_v_shows_one_level_more() {
        let levels: Vec<_> = (0..5).map(|v| Filter::verbosity(v).level_for("fitbit_auth")).collect();
        assert_eq!(
            levels,
            [
                LevelFilter::WARN,
                LevelFilter::INFO,
                LevelFilter::DEBUG,
                LevelFilter::TRACE,
                LevelFilter::TRACE
            ]
        );
    }

    #[test]
    fn events_print_as_one_escaped_line() {
        use std::sync::{Arc, Mutex};

        // A subscriber that keeps the formatted lines instead of printing them.
        struct Keep(Arc<Mutex<Vec<String>>>, Filter);
        impl Subscriber for Keep {
            fn enabled(&self, metadata: &Metadata<'_>) -> bool {
                self.1.enabled(metadata)
            }
            fn new_span(&self, _span: &Attributes<'_>) -> Id {
                Id::from_u64(1)
            }
            fn record(&self, _span: &Id, _values: &Record<'_>) {}
            fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
            fn event(&self, event: &Event<'_>) {
                self.0.lock().unwrap().push(format_event(event));
            }
            fn enter(&self, _span: &Id) {}
            fn exit(&self, _span: &Id) {}
        }
        let lines = Arc::new(Mutex::new(Vec::new()));
        tracing::subscriber::with_default(Keep(lines.clone(), Filter::verbosity(0)), || {
            tracing::warn!(path = "/tmp/x\u{1b}[2J", mode = 0o644, "the token file\nwas open");
            tracing::info!("not shown by default");
        });
        let lines = lines.lock().unwrap();
        assert_eq!(*lines, ["fitbit: warning: the token file\\nwas open (path=/tmp/x\\x1b[2J, mode=420)\n"]);
    }
}

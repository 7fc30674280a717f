//! A tracing subscriber that keeps every span and event as text, for tests
//! that check what the SDK logs (and that no secret is among it).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Collects every field of every span and event, formatted with `Debug`:
/// `span <name> field=value …` and `<LEVEL> <target> field=value …` lines.
/// Install it with `tracing::subscriber::set_default(capture.clone())`.
#[derive(Clone, Default)]
pub struct CapturedTracing {
    text: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
}

impl CapturedTracing {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }
}

struct Collect<'a>(&'a mut String);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl Subscriber for CapturedTracing {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut text = self.text.lock().unwrap();
        let _ = write!(text, "\nspan {} ", span.metadata().name());
        span.record(&mut Collect(&mut text));
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Collect(&mut self.text.lock().unwrap()));
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut text = self.text.lock().unwrap();
        let _ = write!(text, "\n{} {} ", event.metadata().level(), event.metadata().target());
        event.record(&mut Collect(&mut text));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

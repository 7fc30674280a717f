//! A global allocator that counts live bytes and their peak, so a bench can
//! say how much memory a decode needed compared with the payload it read.
//!
//! A bench binary installs it with
//! `#[global_allocator] static ALLOC: CountingAlloc = CountingAlloc;`.
//! It counts only inside [`measure`], so that timed runs pay one relaxed load
//! per allocation rather than two atomic read-modify-writes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

static COUNTING: AtomicBool = AtomicBool::new(false);
/// Signed: a block allocated before counting began may be freed during it.
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
pub struct CountingAlloc;

fn grow(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        let bytes = bytes as isize;
        let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(now.max(0) as usize, Ordering::Relaxed);
    }
}

fn shrink(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        CURRENT.fetch_sub(bytes as isize, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; the counters only
// observe sizes.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if !new_ptr.is_null() {
            // Counted as the difference at the moment of the realloc: the
            // allocator may grow in place, and a copy is transient.
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        new_ptr
    }
}

/// What running `f` cost in memory, in bytes counted from its start.
#[derive(Debug, Clone, Copy)]
pub struct MemoryUse {
    /// The most bytes live at once while `f` ran.
    pub peak: usize,
    /// Bytes still live when `f` returned (what its result holds).
    pub retained: usize,
}

/// Runs `f` and measures its peak and retained memory; the result is dropped
/// after measuring. Only meaningful with [`CountingAlloc`] installed and no
/// other thread allocating meanwhile.
pub fn measure<T>(f: impl FnOnce() -> T) -> MemoryUse {
    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    let result = f();
    COUNTING.store(false, Ordering::SeqCst);
    let usage = MemoryUse {
        peak: PEAK.load(Ordering::Relaxed),
        retained: CURRENT.load(Ordering::Relaxed).max(0) as usize,
    };
    drop(result);
    usage
}

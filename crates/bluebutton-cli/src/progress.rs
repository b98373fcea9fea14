//! The progress bar of `export`, on standard error, drawn only when it is a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress over a count of resources (the total may be unknown until the first page).
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar labelled `label`, hidden when standard error is not a terminal.
    pub(crate) fn new(label: &'static str) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} {per_sec} {elapsed_precise}",
        ) {
            bar.set_style(style.progress_chars("#>-"));
        }
        bar.set_prefix(label);
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar }
    }

    /// Sets the expected total.
    pub(crate) fn set_total(&self, total: u64) {
        self.bar.set_length(total);
    }

    /// Counts `n` more.
    pub(crate) fn advance(&self, n: u64) {
        self.bar.inc(n);
        if self
            .bar
            .length()
            .is_none_or(|len| self.bar.position() > len)
        {
            self.bar.set_length(self.bar.position());
        }
    }

    /// Leaves the final state on screen.
    pub(crate) fn finish(&self) {
        let position = self.bar.position();
        self.bar.set_length(position);
        self.bar.finish();
    }
}

//! The progress bars of `export`, on standard error, drawn only when it is a terminal: one per
//! resource type, with a rate in that resource's unit and, once the total is known, an ETA.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Progress over a count of resources (the total may be unknown until the first page).
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
    unit: &'static str,
    total_known: bool,
}

/// `1,045` for 1045.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// A rate in `unit` per second: `1,045 EOB/s`, or with one decimal below 10 (`2.5 EOB/s`).
pub(crate) fn rate_text(per_second: f64, unit: &str) -> String {
    if !per_second.is_finite() || per_second <= 0.0 {
        return format!("0 {unit}/s");
    }
    if per_second < 10.0 {
        format!("{per_second:.1} {unit}/s")
    } else {
        // Rounded to a whole count: the cast saturates, and a rate is far below u64::MAX.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = per_second.round() as u64;
        format!("{} {unit}/s", thousands(whole))
    }
}

impl Progress {
    /// A bar labelled `label`, counting in `unit` (e.g. `EOB`), hidden when standard error is
    /// not a terminal.
    pub(crate) fn new(label: &'static str, unit: &'static str) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_prefix(label);
        let progress = Progress {
            bar,
            unit,
            total_known: false,
        };
        progress.restyle();
        progress.bar.enable_steady_tick(Duration::from_millis(200));
        progress
    }

    /// The style: a counter while the total is unknown, then a bar with an ETA.
    fn restyle(&self) {
        let template = if self.total_known {
            "{prefix} [{bar:30}] {pos}/{len} {rate} ETA {eta} {elapsed_precise}"
        } else {
            "{prefix} {pos} {rate} {elapsed_precise}"
        };
        let unit = self.unit;
        if let Ok(style) = ProgressStyle::with_template(template) {
            let style = style
                .with_key(
                    "rate",
                    move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate_text(state.per_sec(), unit));
                    },
                )
                .progress_chars("#>-");
            self.bar.set_style(style);
        }
    }

    /// Sets the expected total (then the bar and the ETA are drawn).
    pub(crate) fn set_total(&mut self, total: u64) {
        self.bar.set_length(total);
        if !self.total_known {
            self.total_known = true;
            self.restyle();
        }
    }

    /// Counts `n` more.
    pub(crate) fn advance(&self, n: u64) {
        self.bar.inc(n);
        if self.total_known
            && self
                .bar
                .length()
                .is_some_and(|len| self.bar.position() > len)
        {
            self.bar.set_length(self.bar.position());
        }
    }

    /// Leaves the final state on screen, as a full bar.
    pub(crate) fn finish(mut self) {
        let position = self.bar.position();
        self.set_total(position);
        self.bar.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_have_units_and_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1045), "1,045");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(rate_text(1045.4, "EOB"), "1,045 EOB/s");
        assert_eq!(rate_text(2.46, "Coverage"), "2.5 Coverage/s");
        assert_eq!(rate_text(f64::NAN, "EOB"), "0 EOB/s");
    }

    #[test]
    fn a_hidden_bar_counts_and_finishes_full() {
        let mut progress = Progress::new("ExplanationOfBenefit", "EOB");
        progress.bar.set_draw_target(ProgressDrawTarget::hidden());
        progress.advance(3);
        assert_eq!(progress.bar.length(), None, "no total yet");
        progress.set_total(2);
        progress.advance(1);
        assert_eq!(
            progress.bar.length(),
            Some(4),
            "a total below the count grows"
        );
        let bar = progress.bar.clone();
        progress.finish();
        assert_eq!((bar.position(), bar.length()), (4, Some(4)));
    }
}

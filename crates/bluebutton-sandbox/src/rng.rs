//! A tiny deterministic PRNG (SplitMix64) used for data generation, tokens and fault decisions.
//!
//! SplitMix64 is 10 lines, has no dependencies, passes BigCrush, and can be keyed by mixing a seed with
//! any tuple of integers, which is exactly what lazy, order-independent generation needs
//! (claim *n* of beneficiary *b* is a pure function of `(seed, b, n)`).

/// SplitMix64 state.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

/// Mixes `value` into `seed` (one SplitMix64 finalizer round).
pub(crate) fn mix(seed: u64, value: u64) -> u64 {
    let mut z = seed ^ value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator keyed by `seed` and a list of integers.
    pub(crate) fn keyed(seed: u64, keys: &[u64]) -> Self {
        Self(keys.iter().fold(mix(seed, 0x5EED), |acc, &k| mix(acc, k)))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        // Lemire's multiply-shift; the tiny bias is irrelevant for synthetic data.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An amount of money in cents between `min` and `max` dollars, as dollars with 2 decimals.
    pub(crate) fn money(&mut self, min: u64, max: u64) -> f64 {
        let cents = min * 100 + self.below((max - min) * 100 + 1);
        cents as f64 / 100.0
    }

    /// `len` characters from `alphabet`.
    pub(crate) fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_generators_are_deterministic_and_distinct() {
        let a: Vec<u64> = {
            let mut r = Rng::keyed(7, &[1, 2]);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::keyed(7, &[1, 2]);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let c = Rng::keyed(7, &[2, 1]).next_u64();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
    }

    #[test]
    fn below_and_unit_stay_in_range() {
        let mut r = Rng::keyed(1, &[]);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            let m = r.money(5, 10);
            assert!((5.0..=10.0).contains(&m));
        }
    }
}

//! The sample's random numbers: the same on every platform, so that a spec always gives the same bytes.

/// SplitMix64: small, fast, and the same on every platform.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub(super) fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// True with a probability of `per_mille` / 1000.
    pub(super) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille
    }

    /// Picks from a table of `(weight, value)`; weights add up to 1000.
    pub(super) fn pick<T: Copy>(&mut self, table: &[(u32, T)]) -> T {
        let mut roll = self.below(1000);
        for (w, v) in table {
            if roll < *w {
                return *v;
            }
            roll -= w;
        }
        table[table.len() - 1].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable() {
        // The first outputs of SplitMix64 seeded with 0 (reference values of the algorithm).
        let mut r = Rng(0);
        assert_eq!(r.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next(), 0x6E78_9E6A_A1B9_65F4);
    }
}

//! `PriceWalk`: the seeded, whole-tick price process behind the simulated feed.

use trader::num::{Price, Quantity};

use super::splitmix::SplitMix64;

/// Chance per step (in 1/1000) that the drift regime changes: every ~500 steps on average,
/// about 2.5 s at the default 5 ms step.
const REGIME_CHANGE_PER_MILLE: u64 = 2;
/// Strengths of a regime's drift, in 1/1000 of a tick per step of bias toward one side. A new
/// regime usually (3 in 4) turns the other way, so prices swing in waves of a few seconds, with
/// the occasional longer trend when it does not.
const REGIMES: [i64; 3] = [60, 120, 180];
/// Bias (1/1000) pulling back toward the start price once the price is 0.5% away from it.
const REVERSION_AT_HALF_PERCENT: i64 = 150;
const MAX_REVERSION: i64 = 300;
/// Per step: up with (400 + bias)/1000, down with (400 − bias)/1000, unchanged otherwise.
const BASE_MOVE_PER_MILLE: i64 = 400;

/// One step's trade and top of book, in whole ticks around the last price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalkStep {
    pub last: Price,
    pub last_quantity: Quantity,
    pub bid: Price,
    pub bid_quantity: Quantity,
    pub ask: Price,
    pub ask_quantity: Quantity,
    /// Cumulative volume since the walk began.
    pub volume: u64,
}

/// A mean-reverting random walk in whole ticks that swings in waves of a few seconds with the
/// occasional trend: lively enough that a 5-over-20 moving-average cross on 1-second bars comes
/// about every 10 seconds, yet it stays within a percent or two of where it started, like a
/// liquid NSE stock on a busy day (only faster).
#[derive(Debug, Clone)]
pub(crate) struct PriceWalk {
    tick: Price,
    anchor: i64,
    ticks: i64,
    bias: i64,
    volume: u64,
    rng: SplitMix64,
}

impl PriceWalk {
    /// A walk starting at `start` (rounded down onto the grid of `tick` > 0) with its own seed.
    pub(crate) fn new(start: Price, tick: Price, seed: u64) -> PriceWalk {
        let tick_micros = tick.micros().max(1);
        // At least two ticks, so the bid one tick below stays positive.
        let anchor = (start.micros() / tick_micros).max(2);
        PriceWalk { tick, anchor, ticks: anchor, bias: 0, volume: 0, rng: SplitMix64::new(seed) }
    }

    /// Advances one step.
    pub(crate) fn step(&mut self) -> WalkStep {
        if self.rng.below(1000) < REGIME_CHANGE_PER_MILLE {
            let strength = REGIMES[self.rng.below(REGIMES.len() as u64) as usize];
            let flip = self.rng.below(4) != 0;
            self.bias = if (self.bias > 0) == flip { -strength } else { strength };
        }
        // Pull toward the anchor in proportion to the distance, scaled to the price so every
        // instrument reverts alike: 0.5% away (anchor / 200 ticks) pulls by 150/1000.
        let distance = self.ticks - self.anchor;
        let reversion = (distance * REVERSION_AT_HALF_PERCENT * 200 / self.anchor).clamp(-MAX_REVERSION, MAX_REVERSION);
        let up = BASE_MOVE_PER_MILLE + self.bias - reversion;
        let down = BASE_MOVE_PER_MILLE - self.bias + reversion;
        let roll = self.rng.below(1000) as i64;
        if roll < up {
            self.ticks += 1;
        } else if roll < up + down {
            self.ticks -= 1;
        }
        self.ticks = self.ticks.max(2);

        // Mostly small prints with the odd block, like NSE cash equity.
        let mut last_quantity = 1 + self.rng.below(100);
        if self.rng.below(20) == 0 {
            last_quantity *= 10;
        }
        self.volume += last_quantity;
        let at = |ticks: i64| Price::from_micros(ticks * self.tick.micros());
        WalkStep {
            last: at(self.ticks),
            last_quantity: Quantity::new(last_quantity),
            bid: at(self.ticks - 1),
            bid_quantity: Quantity::new(1 + self.rng.below(2000)),
            ask: at(self.ticks + 1),
            ask_quantity: Quantity::new(1 + self.rng.below(2000)),
            volume: self.volume,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    #[test]
    fn stays_on_the_grid_near_its_start_with_book_one_tick_around_last() {
        let tick = p("0.05");
        let mut walk = PriceWalk::new(p("2450"), tick, 1);
        let mut previous_volume = 0;
        for _ in 0..100_000 {
            let step = walk.step();
            assert!(step.last.is_multiple_of(tick) && step.bid.is_multiple_of(tick) && step.ask.is_multiple_of(tick));
            assert_eq!(step.bid.offset_ticks(tick, 2), Some(step.ask));
            assert_eq!(step.last.offset_ticks(tick, 1), Some(step.ask));
            assert!(step.last >= p("2400") && step.last <= p("2500"), "{} wandered off", step.last);
            assert!((1..=1000).contains(&step.last_quantity.units()));
            assert_eq!(step.volume, previous_volume + step.last_quantity.units());
            previous_volume = step.volume;
        }
    }

    #[test]
    fn an_off_grid_start_is_rounded_down_onto_it() {
        let mut walk = PriceWalk::new(p("100.07"), p("0.05"), 3);
        let first = walk.step().last;
        assert!([p("99.95"), p("100.00"), p("100.05")].contains(&first), "{first}");
    }
}

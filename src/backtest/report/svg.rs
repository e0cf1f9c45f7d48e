//! Inline SVG line charts for the HTML report: no script, no external resource.

use std::fmt::Write;

/// At most this many buckets across the width; each contributes its lowest and highest value, so
/// a million bars draw as a few thousand points with every peak and trough still visible.
const MAX_BUCKETS: usize = 1_200;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The indices to draw: every index when there are few; otherwise, per bucket of consecutive
/// indices, the one holding the lowest value and the one holding the highest, in index order.
fn sample(values: &[f64]) -> Vec<usize> {
    if values.len() <= 2 * MAX_BUCKETS {
        return (0..values.len()).collect();
    }
    let bucket = values.len().div_ceil(MAX_BUCKETS);
    let mut picked = Vec::with_capacity(2 * MAX_BUCKETS + 1);
    for start in (0..values.len()).step_by(bucket) {
        let end = (start + bucket).min(values.len());
        let (mut low, mut high) = (start, start);
        for i in start..end {
            if values[i] < values[low] {
                low = i;
            }
            if values[i] > values[high] {
                high = i;
            }
        }
        picked.push(low.min(high));
        if low != high {
            picked.push(low.max(high));
        }
    }
    if picked.last() != Some(&(values.len() - 1)) {
        picked.push(values.len() - 1);
    }
    picked
}

/// A line chart of `values` (one per bar) `height` pixels tall, with the value axis labelled by
/// `label` and the time axis by `first` and `last`. `fill` shades the area between the line and
/// the top of the chart (for drawdowns). Returns an `<svg>` element.
pub fn line_chart(
    values: &[f64],
    height: f64,
    label: &dyn Fn(f64) -> String,
    first: &str,
    last: &str,
    fill: bool,
) -> String {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (mut low, mut high) =
        finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if finite.is_empty() {
        (low, high) = (0.0, 1.0);
    }
    if high - low <= f64::EPSILON * high.abs().max(1.0) {
        // A flat line sits in the middle of a band one unit (or 1 %) tall.
        let pad = (high.abs() * 0.01).max(0.5);
        (low, high) = (low - pad, high + pad);
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = height - TOP - BOTTOM;
    let x = |i: usize| LEFT + if values.len() > 1 { i as f64 / (values.len() - 1) as f64 * plot_w } else { 0.0 };
    let y = |v: f64| TOP + (high - v.clamp(low, high)) / (high - low) * plot_h;

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\">"
    );
    let _ = write!(
        svg,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"#fbfbfd\" stroke=\"#ccc\"/>"
    );
    for (value, anchor) in [(high, "hanging"), (low, "auto")] {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"{anchor}\" class=\"axis\">{}</text>",
            LEFT - 6.0,
            y(value),
            super::html::escape(&label(value))
        );
    }
    let base = height - BOTTOM + 16.0;
    let _ = write!(
        svg,
        "<text x=\"{LEFT}\" y=\"{base}\" class=\"axis\">{}</text><text x=\"{:.1}\" y=\"{base}\" \
         text-anchor=\"end\" class=\"axis\">{}</text>",
        super::html::escape(first),
        WIDTH - RIGHT,
        super::html::escape(last)
    );
    let points = sample(values);
    let mut path = String::with_capacity(points.len() * 16);
    for (n, &i) in points.iter().enumerate() {
        let value = if values[i].is_finite() { values[i] } else { low };
        let _ = write!(path, "{}{:.1},{:.1}", if n == 0 { "M" } else { " L" }, x(i), y(value));
    }
    if fill && !points.is_empty() {
        let _ = write!(
            svg,
            "<path d=\"{path} L{:.1},{TOP} L{:.1},{TOP} Z\" fill=\"#f3c4c4\" stroke=\"none\"/>",
            x(values.len() - 1),
            x(0)
        );
    }
    let colour = if fill { "#b22222" } else { "#1f5fa8" };
    let _ = write!(svg, "<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.2\"/></svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_values_are_drawn_one_for_one() {
        assert_eq!(sample(&[1.0, 3.0, 2.0]), [0, 1, 2]);
        assert!(sample(&[]).is_empty());
    }

    #[test]
    fn many_values_keep_every_buckets_extremes_in_order() {
        let mut values: Vec<f64> = (0..100_000).map(|i| (i % 7) as f64).collect();
        values[50_001] = -5.0;
        values[77_777] = 50.0;
        let picked = sample(&values);
        assert!(picked.len() <= 2 * MAX_BUCKETS + 1, "{}", picked.len());
        assert!(picked.windows(2).all(|w| w[0] < w[1]), "in index order");
        assert!(picked.contains(&50_001) && picked.contains(&77_777), "extremes survive");
        assert_eq!(picked.last(), Some(&99_999));
    }

    #[test]
    fn the_chart_is_plain_svg_with_labels() {
        let svg = line_chart(&[100.0, 110.0, 105.0], 200.0, &|v| format!("{v:.0}"), "start", "end & more", false);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(">110<") && svg.contains(">100<"), "{svg}");
        assert!(svg.contains("end &amp; more"));
        // The highest value sits on the top edge, the lowest on the bottom edge.
        assert!(svg.contains("M90.0,172.0 L519.0,12.0 L948.0,92.0"), "{svg}");
        let flat = line_chart(&[5.0, 5.0], 100.0, &|v| format!("{v}"), "a", "b", true);
        assert!(flat.contains("fill=\"#f3c4c4\""));
    }
}

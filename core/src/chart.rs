//! Bar charts of a report's series as SVG (land per year, output and tax
//! per year, firms by grade): a few rectangles and labels, drawn here
//! rather than through a plotting library, in the map's fonts
//! ([`crate::map::FONTS`]). The work report document renders them to PNG.

use std::fmt::Write as _;

/// Bars of one or more series over categories (years, grades).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// The categories along the bottom (`2003`, `A`…).
    pub categories: Vec<String>,
    /// Each series: its name (the legend) and one value per category.
    pub series: Vec<(String, Vec<f64>)>,
    /// The values' unit, shown above the axis (`亩`, `万元`, `家`).
    pub unit: String,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 36.0;
const COLOURS: [&str; 4] = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"];

/// A round step for the axis near a fifth of `top`: 1, 2 or 5 times a
/// power of ten.
fn step(top: f64) -> f64 {
    if top <= 0.0 || !top.is_finite() {
        return 1.0;
    }
    let rough = top / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A value as the axis writes it: whole, or with one place under 10.
fn label(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl BarChart {
    /// The chart as an SVG document, 640 × 320.
    #[must_use]
    pub fn svg(&self) -> String {
        let top = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let step = step(top);
        let ceiling = (top / step).ceil().max(1.0) * step;
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let y_of = |v: f64| TOP + plot_h - (v.max(0.0) / ceiling) * plot_h;
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{}" font-size="12"><rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#,
            crate::map::FONTS
        );
        // The axis: gridlines at each step, the unit above.
        let mut tick = 0.0;
        while tick <= ceiling + step / 2.0 {
            let at = y_of(tick);
            let _ = write!(
                out,
                r##"<line x1="{LEFT}" x2="{}" y1="{at:.1}" y2="{at:.1}" stroke="#e0e0e0"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                WIDTH - RIGHT,
                LEFT - 6.0,
                at + 4.0,
                label(tick)
            );
            tick += step;
        }
        let _ = write!(
            out,
            r#"<text x="{LEFT}" y="{}" text-anchor="start">{}</text>"#,
            TOP - 12.0,
            escape(&self.unit)
        );
        let count = self.categories.len().max(1) as f64;
        let band = plot_w / count;
        let per = self.series.len().max(1) as f64;
        let bar = (band * 0.8 / per).min(48.0);
        for (i, category) in self.categories.iter().enumerate() {
            let x0 = LEFT + band * i as f64 + (band - bar * per) / 2.0;
            for (j, (_, values)) in self.series.iter().enumerate() {
                let v = values.get(i).copied().unwrap_or(0.0);
                if !v.is_finite() {
                    continue;
                }
                let (top_y, bottom) = (y_of(v), y_of(0.0));
                let _ = write!(
                    out,
                    r#"<rect class="bar" x="{:.1}" y="{top_y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}</title></rect>"#,
                    x0 + bar * j as f64,
                    bar - 1.0,
                    (bottom - top_y).max(0.0),
                    COLOURS[j % COLOURS.len()],
                    escape(category),
                    label(v)
                );
            }
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                LEFT + band * (i as f64 + 0.5),
                HEIGHT - BOTTOM + 16.0,
                escape(category)
            );
        }
        // The legend, top right.
        let mut x = WIDTH - RIGHT;
        for (j, (name, _)) in self.series.iter().enumerate().rev() {
            let w = 14.0 * name.chars().count() as f64 + 18.0;
            x -= w;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{}">{}</text>"#,
                TOP - 22.0,
                COLOURS[j % COLOURS.len()],
                x + 14.0,
                TOP - 12.0,
                escape(name)
            );
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_axis_steps_by_round_numbers_and_bars_stand_on_it() {
        assert!((step(4509.0) - 1000.0).abs() < 1e-9);
        assert!((step(9.0) - 2.0).abs() < 1e-9);
        assert!((step(0.0) - 1.0).abs() < 1e-9);
        let chart = BarChart {
            categories: vec!["2004".into(), "2005".into()],
            series: vec![("征地".into(), vec![100.0, 300.0])],
            unit: "亩".into(),
        };
        let svg = chart.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<title>").count(), 2);
        assert!(svg.contains(">2005<") && svg.contains(">征地<") && svg.contains(">亩<"));
        // The taller bar is three times the shorter one.
        let heights: Vec<f64> = svg
            .split("<rect class=\"bar\" x=")
            .skip(1)
            .filter_map(|r| r.split("height=\"").nth(1))
            .filter_map(|h| h.split('"').next())
            .filter_map(|h| h.parse().ok())
            .take(2)
            .collect();
        assert_eq!(heights.len(), 2, "{svg}");
        assert!((heights[1] / heights[0] - 3.0).abs() < 0.01, "{heights:?}");
    }
}

//! Small charts drawn on the server as SVG: no script, no library.

use parkdb::map::FONTS;
use std::fmt::Write as _;

/// A firm's yearly output value and tax as paired bars, in 万元.
pub(super) fn yearly(series: &[(i32, Option<f64>, Option<f64>)]) -> String {
    const W: f64 = 420.0;
    const H: f64 = 200.0;
    const LEFT: f64 = 56.0;
    const BOTTOM: f64 = 24.0;
    const TOP: f64 = 24.0;
    let wan = |v: Option<f64>| v.map_or(0.0, |v| v / 10_000.0);
    let max = series
        .iter()
        .map(|(_, o, t)| wan(*o).max(wan(*t)))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let plot_h = H - TOP - BOTTOM;
    let slot = (W - LEFT - 8.0) / series.len().max(1) as f64;
    let bar = (slot / 2.0 - 4.0).clamp(2.0, 28.0);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-size="11" font-family="{FONTS}"><text x="{LEFT}" y="14">万元 · <tspan fill="#17324d">■</tspan> 产值 output · <tspan fill="#e08a2c">■</tspan> 税收 tax</text>"##
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{y0}" stroke="#888"/><line x1="{LEFT}" y1="{y0}" x2="{W}" y2="{y0}" stroke="#888"/><text x="{lx}" y="{ty}" text-anchor="end">{max:.0}</text><text x="{lx}" y="{y0}" text-anchor="end">0</text>"##,
        y0 = TOP + plot_h,
        lx = LEFT - 4.0,
        ty = TOP + 4.0,
    );
    for (i, (year, output, tax)) in series.iter().enumerate() {
        let x = LEFT + 4.0 + slot * i as f64;
        for (k, (value, fill)) in [(wan(*output), "#17324d"), (wan(*tax), "#e08a2c")]
            .into_iter()
            .enumerate()
        {
            let h = plot_h * value / max;
            let _ = write!(
                svg,
                r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{bar:.1}" height="{h:.1}" fill="{fill}"><title>{year}: {value:.2} 万元</title></rect>"#,
                x + (bar + 2.0) * k as f64,
                TOP + plot_h - h,
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{year}</text>"#,
            x + bar,
            H - 8.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = super::yearly(&[
            (2004, Some(2_000_000.0), Some(100_000.0)),
            (2005, Some(4_000_000.0), None),
        ]);
        assert_eq!(svg.matches("class=\"bar\"").count(), 4);
        assert!(
            svg.contains(">400</text>"),
            "the axis tops at 400 万元: {svg}"
        );
        assert!(svg.contains("2005: 400.00 万元"));
    }
}

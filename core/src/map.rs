//! Maps of the parcels, drawn by parkdb itself as SVG (text: no browser,
//! no tile server, no network): one polygon per parcel with a boundary,
//! coloured by status, land use, idleness or the holder's evaluation
//! grade, with codes as labels, a legend in Chinese, a scale bar and a
//! north arrow. Jupyter shows it; `parkdb map` writes it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use geo::{BoundingRect, InteriorPoint, MultiPolygon};

use crate::error::{Error, Result};
use crate::geometry::Crs;
use crate::land::{IdleState, Parcel, ParcelStatus};
use crate::scheme::Graded;
use crate::view::{ParcelFilter, View};

/// What colours the parcels of a map.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum MapColor<'a> {
    /// 储备, 已供应, 在建, 竣工.
    Status,
    /// 工业, 商住, ….
    LandUse,
    /// 闲置 and 闲置满两年 as of the map's date.
    Idle,
    /// The holder's grade in an evaluation (亩均效益评价).
    Grade(&'a dyn Graded),
}

/// A map drawn as SVG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    svg: String,
    drawn: usize,
}

impl Map {
    /// The SVG document.
    #[must_use]
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// How many parcels are drawn (those with a boundary, not retired).
    #[must_use]
    pub fn parcels_drawn(&self) -> usize {
        self.drawn
    }

    /// Writes the SVG to `path`; a path ending in `.png` gets a PNG (twice
    /// the SVG's size, for print and mail) with the `images` feature.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written; [`Error::Validation`]
    /// for `.png` without the `images` feature.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        let png = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png"));
        let bytes = if png {
            self.png()?
        } else {
            self.svg.clone().into_bytes()
        };
        std::fs::write(path, bytes)
            .map_err(|e| Error::io(format!("writing the map to {}", path.display()), e))
    }

    /// The map as PNG bytes, at twice the SVG's size.
    ///
    /// # Errors
    /// [`Error::Validation`] without the `images` feature (this build of
    /// parkdb draws no PNG), or for a map too large to draw.
    pub fn png(&self) -> Result<Vec<u8>> {
        #[cfg(feature = "images")]
        {
            crate::png::svg_to_png(&self.svg, 2.0).map(|(png, _, _)| png)
        }
        #[cfg(not(feature = "images"))]
        {
            Err(Error::validation(
                "format",
                "this build of parkdb draws no PNG (the `images` feature); save the map as .svg",
            ))
        }
    }
}

const WIDTH: f64 = 960.0;

/// The fonts a map names, those Chinese text has on each system people
/// open it on: `Microsoft YaHei` (Windows), `PingFang SC` (macOS), `Noto
/// Sans CJK SC` (Linux), then `SimHei` and any sans-serif. A title never
/// shows as boxes for want of a font.
pub const FONTS: &str = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, SimHei, sans-serif";
const MAP_WIDTH: f64 = 720.0;
const TOP: f64 = 48.0;
const MARGIN: f64 = 16.0;

const STATUS_COLORS: [(&str, &str); 4] = [
    ("reserve", "#d9d9d9"),
    ("allocated", "#fdd49e"),
    ("under_construction", "#fc8d59"),
    ("completed", "#1a9850"),
];
const PALETTE: [&str; 8] = [
    "#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#4575b4", "#984ea3", "#a6761d",
];
const NONE_COLOR: &str = "#eeeeee";

/// A category of the legend: its label and colour.
type Legend = Vec<(String, &'static str)>;

/// Each parcel's category under `color`, and the legend.
fn categories(parcels: &[&Parcel], color: MapColor<'_>, at: NaiveDate) -> (Vec<usize>, Legend) {
    match color {
        MapColor::Status => {
            let legend = STATUS_COLORS
                .iter()
                .map(|(code, c)| {
                    let term = ParcelStatus::parse(code).map_or(*code, ParcelStatus::chinese);
                    (term.to_owned(), *c)
                })
                .collect();
            let cat = parcels
                .iter()
                .map(|p| {
                    STATUS_COLORS
                        .iter()
                        .position(|(c, _)| *c == p.status().code())
                        .unwrap_or(0)
                })
                .collect();
            (cat, legend)
        }
        MapColor::LandUse => {
            let mut uses: Vec<crate::land::LandUse> = parcels.iter().map(|p| p.land_use).collect();
            uses.sort_by_key(|u| u.code());
            uses.dedup();
            let legend = uses
                .iter()
                .zip(PALETTE.iter().cycle())
                .map(|(u, c)| (u.chinese().to_owned(), *c))
                .collect();
            let cat = parcels
                .iter()
                .map(|p| uses.iter().position(|u| *u == p.land_use).unwrap_or(0))
                .collect();
            (cat, legend)
        }
        MapColor::Idle => {
            let legend = vec![
                ("未闲置".to_owned(), "#d9d9d9"),
                ("闲置".to_owned(), "#fc8d59"),
                ("闲置满两年（可收回）".to_owned(), "#b30000"),
            ];
            let cat = parcels
                .iter()
                .map(|p| match p.idle_as_of(at) {
                    IdleState::NotIdle => 0,
                    IdleState::Idle { .. } => 1,
                    IdleState::Reclaimable { .. } => 2,
                })
                .collect();
            (cat, legend)
        }
        MapColor::Grade(evaluation) => {
            let grades: BTreeMap<u64, &str> = (0..evaluation.len())
                .filter_map(|i| Some((evaluation.enterprise(i)?.0, evaluation.grade(i)?)))
                .collect();
            let mut names: Vec<&str> = grades.values().copied().collect();
            names.sort_unstable();
            names.dedup();
            let mut legend: Legend = names
                .iter()
                .zip(PALETTE.iter())
                .map(|(g, c)| (format!("{g} 类"), *c))
                .collect();
            legend.push(("无评价".to_owned(), NONE_COLOR));
            let none = legend.len() - 1;
            let cat = parcels
                .iter()
                .map(|p| {
                    p.holder
                        .and_then(|h| grades.get(&h.0))
                        .and_then(|g| names.iter().position(|n| n == g))
                        .filter(|i| *i < PALETTE.len())
                        .unwrap_or(none)
                })
                .collect();
            (cat, legend)
        }
    }
}

/// A scale bar's length in metres: 1, 2 or 5 × 10ⁿ, about a fifth of the map.
fn scale_length(metres_across: f64) -> f64 {
    let target = metres_across / 5.0;
    let power = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * power)
        .find(|l| *l <= target)
        .unwrap_or(power)
}

impl View<'_> {
    /// The map of the parcels under this horizon.
    ///
    /// # Errors
    /// Storage errors; [`Error::Validation`] for a boundary that cannot
    /// be reprojected to the map's plane.
    pub fn map(&self, color: MapColor<'_>) -> Result<Map> {
        self.consistently(|v| {
            let all = v.parcels_shared(&ParcelFilter::default())?;
            let parcels: Vec<&Parcel> = all.iter().map(|p| &**p).filter(|p| drawn(p)).collect();
            v.draw_map(&parcels, color, None)
        })
    }

    /// The map around one parcel: it and its neighbours (相邻地块),
    /// coloured by status, it outlined. Empty when it has no boundary.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the parcel did not exist under this horizon;
    /// as [`View::map`].
    pub fn parcel_map(&self, id: crate::land::ParcelId) -> Result<Map> {
        self.consistently(|v| {
            let parcel = v.parcel(id)?;
            let neighbours = v.neighbours(id)?;
            let parcels: Vec<&Parcel> = std::iter::once(&parcel)
                .chain(&neighbours)
                .filter(|p| drawn(p))
                .collect();
            v.draw_map(&parcels, MapColor::Status, Some(id))
        })
    }

    fn draw_map(
        &self,
        parcels: &[&Parcel],
        color: MapColor<'_>,
        focus: Option<crate::land::ParcelId>,
    ) -> Result<Map> {
        let policy = self.policy()?;
        // The plane drawn on: the default CRS when projected, else the
        // one most boundaries are in; longitude and latitude go to their
        // Gauss-Krüger zone, so metres are metres.
        let mut counts: BTreeMap<Crs, usize> = BTreeMap::new();
        for p in parcels {
            if let Some(b) = &p.boundary {
                *counts.entry(b.crs()).or_default() += 1;
            }
        }
        let common = policy
            .default_crs
            .or_else(|| counts.iter().max_by_key(|(_, n)| **n).map(|(c, _)| *c));
        let mut shapes: Vec<MultiPolygon<f64>> = Vec::with_capacity(parcels.len());
        if let Some(common) = common {
            let first = parcels.iter().find_map(|p| p.boundary.as_ref());
            let plane = match first {
                Some(b) if common.is_geographic() => {
                    let lon = b
                        .shape_in(common)?
                        .bounding_rect()
                        .map_or(117.0, |r| r.center().x);
                    common.plane_for(lon)?
                }
                _ => common,
            };
            for p in parcels {
                if let Some(b) = &p.boundary {
                    shapes.push(b.shape_in(plane)?);
                }
            }
        }
        let date = self.date();
        let (cats, legend) = categories(parcels, color, date);
        let items: Vec<Item<'_>> = parcels
            .iter()
            .map(|p| Item {
                id: p.id,
                code: &p.code,
                area: p.area,
            })
            .collect();
        Ok(draw(&items, &shapes, &cats, &legend, color, date, focus))
    }
}

/// What a map shows of a parcel besides its shape.
struct Item<'a> {
    id: crate::land::ParcelId,
    code: &'a str,
    area: crate::units::Mu,
}

/// Beyond this many parcels a map draws them merged by colour: one path
/// per category, at whole pixels, without a label or tooltip each (a
/// province's 100,000 parcels in 3 MB rather than 29).
pub const MERGE_ABOVE: usize = 20_000;

/// About how wide a label of `code` is at 11 px: 6.5 px a Latin
/// character, 11 a Chinese one.
fn label_width(code: &str) -> f64 {
    code.chars()
        .map(|c| if c.is_ascii() { 6.5 } else { 11.0 })
        .sum()
}

/// The rings of `shape` as SVG path data in pixels: points rounded to
/// `step` (0.1 px for a parcel of its own, 1 for merged ones), a point
/// that rounds to the one before dropped, relative moves when `relative`.
fn path_data(
    shape: &MultiPolygon<f64>,
    to_px: &dyn Fn(f64, f64) -> (f64, f64),
    step: f64,
    relative: bool,
    out: &mut String,
) {
    // Pixels of a drawing a few thousand wide: far within i64.
    #[allow(clippy::cast_possible_truncation)]
    let snap = |v: f64| (v / step).round() as i64;
    let shown = |v: i64| {
        if step >= 1.0 {
            v.to_string()
        } else {
            format!("{:.1}", v as f64 * step)
        }
    };
    for poly in &shape.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let mut last: Option<(i64, i64)> = None;
            let mut points = 0;
            for c in &ring.0 {
                let (x, y) = to_px(c.x, c.y);
                let at = (snap(x), snap(y));
                match last {
                    None => {
                        let _ = write!(out, "M{} {}", shown(at.0), shown(at.1));
                    }
                    Some(before) if before == at => continue,
                    Some(before) if relative => {
                        let _ = write!(
                            out,
                            "l{} {}",
                            shown(at.0 - before.0),
                            shown(at.1 - before.1)
                        );
                    }
                    Some(_) => {
                        let _ = write!(out, "L{} {}", shown(at.0), shown(at.1));
                    }
                }
                last = Some(at);
                points += 1;
            }
            if points > 0 {
                out.push('z');
            }
        }
    }
}

/// Whether a parcel is drawn: it has a boundary and was not retired.
fn drawn(p: &Parcel) -> bool {
    p.retired.is_none() && p.boundary.is_some()
}

fn draw(
    parcels: &[Item<'_>],
    shapes: &[MultiPolygon<f64>],
    cats: &[usize],
    legend: &Legend,
    color: MapColor<'_>,
    date: NaiveDate,
    focus: Option<crate::land::ParcelId>,
) -> Map {
    let bounds = shapes
        .iter()
        .filter_map(BoundingRect::bounding_rect)
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
    let (minx, miny, w, h) = bounds.map_or((0.0, 0.0, 1.0, 1.0), |r| {
        (
            r.min().x,
            r.min().y,
            r.width().max(1.0),
            r.height().max(1.0),
        )
    });
    let scale = (MAP_WIDTH - 2.0 * MARGIN) / w;
    let map_height = (h * scale + 2.0 * MARGIN).max(240.0);
    let height = TOP + map_height + 40.0;
    let px = |x: f64| MARGIN + (x - minx) * scale;
    let py = |y: f64| TOP + MARGIN + (miny + h - y) * scale;
    let what = match color {
        MapColor::Status => "地块状态".to_owned(),
        MapColor::LandUse => "土地用途".to_owned(),
        MapColor::Idle => "闲置土地".to_owned(),
        MapColor::Grade(e) => format!("{} 年亩均效益评价（{}）", e.year(), e.scheme()),
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="{FONTS}">"#
    );
    let _ = write!(
        svg,
        r##"<rect width="{WIDTH}" height="{height:.0}" fill="#ffffff"/><text x="{MARGIN}" y="30" font-size="20" font-weight="bold">地块图 · {} · 截至 {date}</text>"##,
        crate::text::escape_html(&what)
    );
    let to_px = |x: f64, y: f64| (px(x), py(y));
    if parcels.len() > MERGE_ABOVE {
        // Merged by colour: one path per category, whole pixels, relative
        // moves; the parcels' codes are in the ledger, not on the drawing.
        let _ = write!(svg, r#"<g class="parcels merged">"#);
        // Each category of the legend, then those of none (drawn grey).
        let groups = legend
            .iter()
            .map(|(label, fill)| (Some(label.as_str()), *fill))
            .chain(std::iter::once((None, NONE_COLOR)));
        for (i, (label, fill)) in groups.enumerate() {
            let of = |c: usize| {
                if label.is_some() {
                    c == i
                } else {
                    c >= legend.len()
                }
            };
            let mut d = String::new();
            let mut n = 0;
            for (shape, _) in shapes.iter().zip(cats).filter(|(_, c)| of(**c)) {
                path_data(shape, &to_px, 1.0, true, &mut d);
                n += 1;
            }
            if n > 0 {
                let _ = write!(
                    svg,
                    r##"<path class="category" data-parcels="{n}" d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#333333" stroke-width="0.2"><title>{} · {n}</title></path>"##,
                    crate::text::escape_html(label.unwrap_or("—"))
                );
            }
        }
        let _ = write!(
            svg,
            r##"</g><text x="{MARGIN}" y="{:.0}" font-size="12" fill="#555555">{} 宗地块按类别合并绘制;地块编号见台账或放大查看的地块图</text>"##,
            TOP + map_height + 14.0,
            parcels.len()
        );
        return finish(svg, parcels.len(), legend, &what, w, scale, height);
    }
    let _ = write!(svg, r#"<g class="parcels">"#);
    for ((p, shape), cat) in parcels.iter().zip(shapes).zip(cats) {
        let fill = legend.get(*cat).map_or(NONE_COLOR, |l| l.1);
        let mut d = String::new();
        path_data(shape, &to_px, 0.1, false, &mut d);
        let label = legend.get(*cat).map_or("", |l| l.0.as_str());
        let (stroke, width) = if focus == Some(p.id) {
            ("#c00000", 3.0)
        } else {
            ("#333333", 0.8)
        };
        let _ = write!(
            svg,
            r#"<path class="parcel" data-code="{code}" d="{d}" fill="{fill}" fill-rule="evenodd" stroke="{stroke}" stroke-width="{width}"><title>{code} · {area} · {label}</title></path>"#,
            code = crate::text::escape_html(p.code),
            area = p.area,
            label = crate::text::escape_html(label),
        );
    }
    let _ = write!(
        svg,
        "</g><g class=\"labels\" font-size=\"11\" text-anchor=\"middle\">"
    );
    for (p, shape) in parcels.iter().zip(shapes) {
        // A label only where it fits inside the parcel as drawn; the code
        // is in the parcel's tooltip either way.
        let fits = shape.bounding_rect().is_some_and(|r| {
            r.width() * scale >= label_width(p.code) + 2.0 && r.height() * scale >= 12.0
        });
        if !fits {
            continue;
        }
        if let Some(at) = shape.interior_point() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" fill="#111111">{}</text>"##,
                px(at.x()),
                py(at.y()) + 4.0,
                crate::text::escape_html(p.code)
            );
        }
    }
    svg.push_str("</g>");
    finish(svg, parcels.len(), legend, &what, w, scale, height)
}

/// The legend, north arrow and scale bar, and the closing tag.
fn finish(
    mut svg: String,
    drawn: usize,
    legend: &Legend,
    what: &str,
    w: f64,
    scale: f64,
    height: f64,
) -> Map {
    // Legend.
    let lx = MAP_WIDTH + 10.0;
    let _ = write!(
        svg,
        r#"<g class="legend" font-size="13"><text x="{lx}" y="{:.0}" font-weight="bold">图例 · {}</text>"#,
        TOP + 14.0,
        crate::text::escape_html(what)
    );
    for (i, (label, fill)) in legend.iter().enumerate() {
        let y = TOP + 28.0 + 22.0 * i as f64;
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="{y:.0}" width="18" height="14" fill="{fill}" stroke="#333333" stroke-width="0.6"/><text x="{:.0}" y="{:.0}">{}</text>"##,
            lx + 26.0,
            y + 12.0,
            crate::text::escape_html(label)
        );
    }
    svg.push_str("</g>");
    // North arrow, top right of the map.
    let (nx, ny) = (MAP_WIDTH - 30.0, TOP + 20.0);
    let _ = write!(
        svg,
        r##"<g class="north"><polygon points="{nx},{ny} {:.0},{:.0} {nx},{:.0} {:.0},{:.0}" fill="#111111"/><text x="{nx}" y="{:.0}" font-size="14" text-anchor="middle">北</text></g>"##,
        nx - 8.0,
        ny + 26.0,
        ny + 20.0,
        nx + 8.0,
        ny + 26.0,
        ny - 4.0
    );
    // Scale bar, bottom left.
    let metres = scale_length(w);
    let bar = metres * scale;
    let by = height - 20.0;
    let shown = if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    };
    let _ = write!(
        svg,
        r##"<g class="scale"><rect x="{MARGIN}" y="{by:.0}" width="{bar:.1}" height="6" fill="#111111"/><text x="{:.1}" y="{:.0}" font-size="12">{shown}</text></g>"##,
        MARGIN + bar + 6.0,
        by + 7.0
    );
    svg.push_str("</svg>");
    Map { svg, drawn }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` square parcels of 30 m a side in rows of 300, and their shapes.
    fn grid(n: usize) -> (Vec<String>, Vec<MultiPolygon<f64>>) {
        let codes: Vec<String> = (0..n).map(|i| format!("GP-{i:06}")).collect();
        let shapes = (0..n)
            .map(|i| {
                let (x, y) = ((i % 300) as f64 * 30.0, (i / 300) as f64 * 30.0);
                let ring = geo::LineString::from(vec![
                    (x, y),
                    (x + 30.0, y),
                    (x + 30.0, y + 30.0),
                    (x, y + 30.0),
                    (x, y),
                ]);
                MultiPolygon(vec![geo::Polygon::new(ring, vec![])])
            })
            .collect();
        (codes, shapes)
    }

    fn items(codes: &[String]) -> Vec<Item<'_>> {
        codes
            .iter()
            .enumerate()
            .map(|(i, c)| Item {
                id: crate::land::ParcelId(i as u64 + 1),
                code: c,
                area: crate::units::Mu::from_millionths(1_350_000),
            })
            .collect()
    }

    /// A province-sized map is drawn merged by colour within 3 MB, every
    /// parcel in it; a park's map labels a parcel only where the label fits.
    #[test]
    fn a_map_of_100k_parcels_is_merged_within_3_mb_and_labels_fit() {
        let (codes, shapes) = grid(100_000);
        let legend: Legend = vec![("储备".into(), "#d9d9d9"), ("已供应".into(), "#f4d03f")];
        let cats: Vec<usize> = (0..codes.len()).map(|i| i % 3).collect();
        let date = crate::days::FIRST_DATE;
        let map = draw(
            &items(&codes),
            &shapes,
            &cats,
            &legend,
            MapColor::Status,
            date,
            None,
        );
        assert!(map.svg().len() <= 3 << 20, "{} bytes", map.svg().len());
        assert_eq!(map.parcels_drawn(), 100_000);
        let counted: usize = map
            .svg()
            .split("data-parcels=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse::<usize>().ok())
            .sum();
        assert_eq!(counted, 100_000, "every parcel is in a category's path");
        assert!(!map.svg().contains("class=\"parcel\""));

        // A park: 600 parcels are drawn each with its tooltip; at this
        // scale a 30 m square is too small for its code.
        let (codes, shapes) = grid(600);
        let cats = vec![0; 600];
        let map = draw(
            &items(&codes),
            &shapes,
            &cats,
            &legend,
            MapColor::Status,
            date,
            None,
        );
        assert_eq!(map.svg().matches("class=\"parcel\"").count(), 600);
        assert!(map.svg().contains("<title>GP-000599"));
        assert!(!map.svg().contains(">GP-000599</text>"));
        // Four parcels: each wide enough for its label.
        let (codes, shapes) = grid(4);
        let map = draw(
            &items(&codes),
            &shapes,
            &[0; 4],
            &legend,
            MapColor::Status,
            date,
            None,
        );
        assert!(map.svg().contains(">GP-000003</text>"));
    }

    #[test]
    fn a_scale_bar_is_a_round_length() {
        for (across, bar) in [(1_000.0, 200.0), (3_000.0, 500.0), (90.0, 10.0)] {
            assert!((scale_length(across) - bar).abs() < 1e-9, "{across}");
        }
    }
}

//! Figures as PNG and SVG: the only module that knows plotters. Callers describe what to draw
//! (panels of named series over numeric x) and never how; every file is written atomically.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{write_atomic, AtomicFile};
use crate::error::{Error, Result};

/// DejaVu Sans (Bitstream Vera licence, assets/fonts/LICENSE-DejaVu.txt): embedded so the plots
/// need no system fonts or fontconfig.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

const PANEL_WIDTH: u32 = 440;
const PANEL_HEIGHT: u32 = 300;
const TITLE_HEIGHT: u32 = 44;
const MAX_COLUMNS: usize = 3;

/// Colour-blind-safe qualitative palette (Okabe–Ito), in series order.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];
const ALERT: RGBColor = RGBColor(200, 30, 30);

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Measured values: a line through marked points.
    Measured,
    /// A fitted line (e.g. Theil–Sen): dashed, no markers.
    Fit,
    /// A limit (e.g. a collapse threshold): a thin dotted red line.
    Limit,
    /// Bars from 0 up to each point, centred on its x.
    Bar,
    /// A line without markers (e.g. a ROC curve).
    Line,
    /// Points only, small and translucent (a scatter of many documents).
    Points,
    /// Histogram bins: each point is (bin centre, height); bins are as wide as the spacing of
    /// the centres, translucent so overlapping histograms stay readable.
    Histogram,
    /// Horizontal bars from 0 to each point's x, at the category `y` indexes (see
    /// `Panel::categories`).
    HBar,
    /// An interval per category: points in threes, (low, row), (estimate, row), (high, row),
    /// drawn as a line from low to high with a dot at the estimate.
    Interval,
}

impl Style {
    /// Whether the style draws one row per category (the y axis names them).
    fn categorical(self) -> bool {
        matches!(self, Style::HBar | Style::Interval)
    }
}

/// One line of a panel.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry; empty for none.
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
    /// Palette slot: series sharing it (values and their fit) share a colour.
    pub colour: usize,
}

impl Series {
    /// The points that can be drawn (a NaN marks a generation without a value).
    fn finite_points(&self) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    }
}

/// One chart of a figure.
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Names of the y positions 0, 1, 2... for horizontal bars (top first); empty for a
    /// numeric y axis.
    pub categories: Vec<String>,
}

/// A titled grid of panels.
#[derive(Debug, Clone)]
pub struct Figure {
    pub title: String,
    pub panels: Vec<Panel>,
}

/// The figure as an SVG document (for embedding in HTML).
fn svg(figure: &Figure) -> Result<String> {
    register_font();
    let (width, height) = size(figure);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let fail = |e: String| Error::Data(format!("drawing '{}' failed: {e}", figure.title));
        draw(&root, figure).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    Ok(svg)
}

/// A figure written to files, with its SVG text for embedding in a page.
pub struct Saved {
    /// `stem.png` and `stem.svg`.
    pub files: Vec<PathBuf>,
    pub svg: String,
}

/// The files [`save`] writes for `stem`: `stem.png` and `stem.svg`.
pub fn files(stem: &Path) -> [PathBuf; 2] {
    [stem.with_extension("png"), stem.with_extension("svg")]
}

/// Writes `stem.png` and `stem.svg`.
pub fn save(figure: &Figure, stem: &Path) -> Result<Saved> {
    register_font();
    let (width, height) = size(figure);
    let [png_path, svg_path] = files(stem);

    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        draw(&root, figure).map_err(|e| plot_error(&png_path, e))?;
        root.present().map_err(|e| plot_error(&png_path, e))?;
    }
    write_png(&png_path, &rgb, width, height)?;

    let svg = svg(figure)?;
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(Saved {
        files: vec![png_path, svg_path],
        svg,
    })
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid font shipped with the source; failure is a build defect.
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font did not load"));
    });
}

fn columns(figure: &Figure) -> usize {
    figure.panels.len().clamp(1, MAX_COLUMNS)
}

fn size(figure: &Figure) -> (u32, u32) {
    let cols = columns(figure);
    let rows = figure.panels.len().div_ceil(cols).max(1);
    // Wide enough for the title (20 px DejaVu Sans: about 11 px a character).
    let title = figure.title.chars().count() as u32 * 11 + 24;
    // A figure of one bar chart by category is as wide as two panels and tall enough for
    // every category (the drift tests, one row each).
    if let [panel] = figure.panels.as_slice() {
        if !panel.categories.is_empty() {
            let height = (panel.categories.len() as u32 * 28 + 90).max(PANEL_HEIGHT);
            return ((2 * PANEL_WIDTH).max(title), TITLE_HEIGHT + height);
        }
    }
    (
        (PANEL_WIDTH * cols as u32).max(title),
        TITLE_HEIGHT + PANEL_HEIGHT * rows as u32,
    )
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::output(path, std::io::Error::other(format!("drawing failed: {e}")))
}

fn write_png(path: &Path, rgb: &[u8], width: u32, height: u32) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    {
        let mut encoder = png::Encoder::new(&mut file, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::output(path, std::io::Error::other(e)))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| Error::output(path, std::io::Error::other(e)))?;
    }
    file.commit()
}

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Text as a figure shows it: control characters written as `\u{..}` escapes (a document's
/// field may hold a terminal sequence; the SVG is inlined in report.html). plotters escapes
/// markup itself.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c.is_control() {
            true => out.extend(c.escape_unicode()),
            false => out.push(c),
        }
    }
    out
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (top, body) = root.split_vertically(TITLE_HEIGHT);
    top.draw(&Text::new(
        printable(&figure.title),
        (12, 12),
        (FAMILY, 20).into_font().color(&BLACK),
    ))?;
    let cols = columns(figure);
    let rows = figure.panels.len().div_ceil(cols).max(1);
    for (panel, area) in figure.panels.iter().zip(body.split_evenly((rows, cols))) {
        draw_panel(&area, panel)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel) -> DrawResult<DB> {
    let (x_range, y_range) = ranges(panel);
    let categories = &panel.categories;
    // Room for the longest category name (DejaVu Sans 11 px is about 7 px a character).
    let y_area = categories
        .iter()
        .map(|c| c.chars().count() as u32 * 7 + 14)
        .max()
        .unwrap_or(62)
        .clamp(62, 340);
    let mut chart = ChartBuilder::on(area)
        .caption(printable(&panel.title), (FAMILY, 15))
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x_range, y_range)?;
    // A bar panel's x only places the bars.
    let bars = panel.series.iter().any(|s| s.style == Style::Bar);
    let mut mesh = chart.configure_mesh();
    // Whole-number x (generations): one tick per value rather than halves.
    let xs: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    if bars {
        // No ticks either: the x axis carries no values.
        mesh.disable_x_mesh().x_labels(0);
    } else if let Some(ticks) = integer_ticks(&xs) {
        mesh.x_labels(ticks);
    }
    let category_label = |v: f64| -> String {
        let row = v.round();
        if (v - row).abs() > 1e-6 || row < 0.0 {
            return String::new();
        }
        // Category 0 is drawn at the top.
        categories
            .len()
            .checked_sub(1 + row as usize)
            .map(|i| printable(&categories[i]))
            .unwrap_or_default()
    };
    if !categories.is_empty() {
        // More labels than rows allowed, so the axis steps by exactly 1 (one per category).
        mesh.y_labels(categories.len() + 2).disable_y_mesh();
    }
    mesh.x_desc(printable(&panel.x_label))
        .y_desc(printable(&panel.y_label))
        .label_style((FAMILY, 11))
        .axis_desc_style((FAMILY, 12))
        .light_line_style(WHITE)
        .y_label_formatter(&|v| {
            if categories.is_empty() {
                compact(*v)
            } else {
                category_label(*v)
            }
        })
        .x_label_formatter(&|v| if bars { String::new() } else { compact(*v) })
        .draw()?;
    let mut legend = false;
    for s in &panel.series {
        let points = s.finite_points();
        let colour = PALETTE[s.colour % PALETTE.len()];
        let drawn = match s.style {
            Style::Measured => {
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
                chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            }
            Style::Line => chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?,
            Style::Points => chart.draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 2, colour.mix(0.45).filled())),
            )?,
            Style::Fit => {
                chart.draw_series(DashedLineSeries::new(points, 6, 4, colour.stroke_width(1)))?
            }
            Style::Limit => {
                chart.draw_series(DashedLineSeries::new(points, 2, 3, ALERT.stroke_width(1)))?
            }
            Style::Bar => chart.draw_series(points.iter().map(|&(x, y)| {
                Rectangle::new([(x - 0.3, 0.0), (x + 0.3, y)], colour.mix(0.85).filled())
            }))?,
            Style::Histogram => {
                let half = bin_width(&s.points) / 2.0;
                chart.draw_series(points.iter().map(|&(x, y)| {
                    Rectangle::new([(x - half, 0.0), (x + half, y)], colour.mix(0.4).filled())
                }))?
            }
            Style::HBar => {
                let top = categories.len().max(1) as f64 - 1.0;
                chart.draw_series(points.iter().map(|&(x, row)| {
                    let y = top - row;
                    Rectangle::new([(0.0, y - 0.35), (x, y + 0.35)], colour.mix(0.85).filled())
                }))?
            }
            Style::Interval => {
                let top = categories.len().max(1) as f64 - 1.0;
                let rows: Vec<[(f64, f64); 3]> =
                    points.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
                chart.draw_series(rows.iter().map(|[low, _, high]| {
                    let y = top - low.1;
                    PathElement::new(vec![(low.0, y), (high.0, y)], colour.stroke_width(3))
                }))?;
                chart.draw_series(rows.iter().flat_map(|[low, _, high]| {
                    let y = top - low.1;
                    [low.0, high.0].map(|x| {
                        PathElement::new(vec![(x, y - 0.2), (x, y + 0.2)], colour.stroke_width(2))
                    })
                }))?;
                chart.draw_series(
                    rows.iter()
                        .map(|[_, mid, _]| Circle::new((mid.0, top - mid.1), 4, colour.filled())),
                )?
            }
        };
        if !s.name.is_empty() {
            legend = true;
            let c = if s.style == Style::Limit {
                ALERT
            } else {
                colour
            };
            drawn.label(printable(&s.name)).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
            });
        }
    }
    if legend {
        chart
            .configure_series_labels()
            .label_font((FAMILY, 10))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(legend_corner(panel))
            .draw()?;
    }
    Ok(())
}

/// The corner of the panel with the least drawn over it, for the legend (upper right on ties).
fn legend_corner(panel: &Panel) -> SeriesLabelPosition {
    let (xr, yr) = ranges(panel);
    let unit = |v: f64, r: &std::ops::Range<f64>| (v - r.start) / (r.end - r.start);
    // What each series covers, sampled: lines along their segments, bars over their height.
    let mut covered: Vec<(f64, f64)> = Vec::new();
    let top = panel.categories.len().max(1) as f64 - 1.0;
    for s in &panel.series {
        let pts = s.finite_points();
        match s.style {
            Style::Bar | Style::Histogram => {
                for &(x, y) in &pts {
                    covered.extend((0..=8).map(|k| (x, y * k as f64 / 8.0)));
                }
            }
            Style::HBar => {
                for &(x, row) in &pts {
                    covered.extend((0..=8).map(|k| (x * k as f64 / 8.0, top - row)));
                }
            }
            Style::Interval => covered.extend(pts.iter().map(|&(x, row)| (x, top - row))),
            Style::Points => covered.extend(&pts),
            Style::Measured | Style::Line | Style::Fit | Style::Limit => {
                covered.extend(&pts);
                for w in pts.windows(2) {
                    covered.extend((1..16).map(|k| {
                        let t = k as f64 / 16.0;
                        (
                            w[0].0 + t * (w[1].0 - w[0].0),
                            w[0].1 + t * (w[1].1 - w[0].1),
                        )
                    }));
                }
            }
        }
    }
    let unit_points: Vec<(f64, f64)> = covered
        .iter()
        .map(|&(x, y)| (unit(x, &xr), unit(y, &yr)))
        .collect();
    // Regions in unit coordinates (x0, x1, y0, y1), y up.
    let corners = [
        (SeriesLabelPosition::UpperRight, (0.55, 1.0, 0.6, 1.0)),
        (SeriesLabelPosition::UpperLeft, (0.0, 0.45, 0.6, 1.0)),
        (SeriesLabelPosition::LowerRight, (0.55, 1.0, 0.0, 0.4)),
        (SeriesLabelPosition::LowerLeft, (0.0, 0.45, 0.0, 0.4)),
        (SeriesLabelPosition::UpperMiddle, (0.3, 0.7, 0.6, 1.0)),
    ];
    corners
        .into_iter()
        .min_by_key(|(_, (x0, x1, y0, y1))| {
            unit_points
                .iter()
                .filter(|(x, y)| (x0..=x1).contains(&x) && (y0..=y1).contains(&y))
                .count()
        })
        .map_or(SeriesLabelPosition::UpperRight, |(p, _)| p)
}

/// The width of histogram bins centred on `points`' x: the smallest spacing of the centres.
fn bin_width(points: &[(f64, f64)]) -> f64 {
    let mut xs: Vec<f64> = points
        .iter()
        .map(|p| p.0)
        .filter(|x| x.is_finite())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min)
        .min(1.0)
}

/// Tick count for x values that are all whole numbers over a short span.
fn integer_ticks(xs: &[f64]) -> Option<usize> {
    let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let whole = finite.iter().all(|x| x.fract() == 0.0);
    (whole && hi >= lo && hi - lo <= 20.0).then(|| (hi - lo) as usize + 1)
}

/// Axis ranges covering every finite point, padded; a flat series gets a visible band.
fn ranges(panel: &Panel) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let finite = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in finite {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return (0.0..1.0, 0.0..1.0);
    }
    let pad = |lo: f64, hi: f64, share: f64| {
        let span = if hi > lo {
            hi - lo
        } else {
            lo.abs().max(1.0) * 0.2
        };
        (lo - share * span)..(hi + share * span)
    };
    let bar_xs: Vec<f64> = panel
        .series
        .iter()
        .filter(|s| s.style == Style::Bar)
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .filter(|x| x.is_finite())
        .collect();
    if !bar_xs.is_empty() {
        // Bars stand on zero; x is only where they stand, whatever width a limit line has.
        y0 = y0.min(0.0);
        y1 = y1.max(0.0);
        x0 = bar_xs.iter().copied().fold(f64::INFINITY, f64::min) - 0.8;
        x1 = bar_xs.iter().copied().fold(f64::NEG_INFINITY, f64::max) + 0.8;
    }
    let bins = panel
        .series
        .iter()
        .filter(|s| s.style == Style::Histogram)
        .map(|s| bin_width(&s.points))
        .fold(0.0, f64::max);
    if bins > 0.0 && bins.is_finite() {
        // Bins stand on zero and reach half a bin beyond their centres.
        y0 = y0.min(0.0);
        x0 -= bins / 2.0;
        x1 += bins / 2.0;
    }
    if panel.series.iter().any(|s| s.style.categorical()) {
        // y is one row per category; bars' x is their length from zero.
        let rows = panel.categories.len().max(1) as f64;
        let x = match panel.series.iter().any(|s| s.style == Style::HBar) {
            true => pad(x0.min(0.0), x1.max(0.0), 0.05),
            false => pad(x0, x1, 0.05),
        };
        return (x, -0.6..rows - 0.4);
    }
    (pad(x0, x1, 0.05), pad(y0, y1, 0.08))
}

/// Tick labels without trailing noise: 3 significant digits, scientific when tiny or huge.
fn compact(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 4) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure() -> Figure {
        Figure {
            title: "distinct-2 over generations".into(),
            panels: vec![
                Panel {
                    title: "distinct_2".into(),
                    x_label: "generation".into(),
                    y_label: "value".into(),
                    series: vec![
                        Series {
                            name: "measured".into(),
                            points: vec![(0.0, 0.6), (1.0, 0.5), (2.0, f64::NAN), (3.0, 0.3)],
                            style: Style::Measured,
                            colour: 0,
                        },
                        Series {
                            name: "Theil–Sen".into(),
                            points: vec![(0.0, 0.61), (3.0, 0.31)],
                            style: Style::Fit,
                            colour: 0,
                        },
                        Series {
                            name: "threshold".into(),
                            points: vec![(0.0, 0.3), (3.0, 0.3)],
                            style: Style::Limit,
                            colour: 0,
                        },
                    ],
                    categories: Vec::new(),
                },
                Panel {
                    title: "flat".into(),
                    x_label: "generation".into(),
                    y_label: "value".into(),
                    series: vec![Series {
                        name: String::new(),
                        points: vec![(0.0, 2.0), (1.0, 2.0)],
                        style: Style::Measured,
                        colour: 1,
                    }],
                    categories: Vec::new(),
                },
                Panel {
                    title: "top features".into(),
                    x_label: "KS D".into(),
                    y_label: String::new(),
                    series: vec![Series {
                        name: String::new(),
                        points: vec![(0.5, 0.0), (0.2, 1.0)],
                        style: Style::HBar,
                        colour: 5,
                    }],
                    categories: vec!["alpha_feature".into(), "beta_feature".into()],
                },
                Panel {
                    title: "scores".into(),
                    x_label: "probability".into(),
                    y_label: "documents".into(),
                    series: vec![
                        Series {
                            name: "real".into(),
                            points: vec![(0.25, 3.0), (0.75, 1.0)],
                            style: Style::Histogram,
                            colour: 0,
                        },
                        Series {
                            name: "ROC-ish".into(),
                            points: vec![(0.0, 0.0), (0.5, 2.0), (1.0, 3.0)],
                            style: Style::Line,
                            colour: 1,
                        },
                        Series {
                            name: String::new(),
                            points: vec![(0.1, 0.1), (0.9, 2.5)],
                            style: Style::Points,
                            colour: 2,
                        },
                    ],
                    categories: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn writes_a_decodable_png_and_an_svg_with_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let paths = save(&figure(), &dir.path().join("collapse")).unwrap().files;
        assert_eq!(paths.len(), 2);
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&paths[0]).unwrap(),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), size(&figure()));
        // Something other than the white background was drawn, in the series colour too.
        let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(3).collect();
        assert!(pixels.iter().any(|p| p == &[0, 114, 178]));
        let svg = std::fs::read_to_string(&paths[1]).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("distinct-2 over generations") && svg.contains("Theil–Sen"));
        // Category names label the horizontal bars' rows, each once.
        assert_eq!(svg.matches("alpha_feature").count(), 1);
        assert_eq!(svg.matches("beta_feature").count(), 1);
        // No temporary files left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn tick_labels_are_compact() {
        assert_eq!(compact(0.5), "0.5");
        assert_eq!(compact(0.123456), "0.123");
        assert_eq!(compact(12.0), "12");
        assert_eq!(compact(0.0001), "1.0e-4");
        assert_eq!(compact(0.0), "0");
    }
}

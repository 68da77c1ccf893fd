//! SVG drawn as PNG (resvg, pure Rust), for documents and mail: the maps
//! and the work report's charts. Text is set in the fonts the system has
//! (its Chinese fonts among them); a glyph no font has is left out.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};

/// The system's fonts, read once per process.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_system_fonts();
            Arc::new(db)
        })
        .clone()
}

/// The most pixels a drawing may take (a side of 8,192 at most).
const MAX_SIDE: u32 = 8192;

/// `svg` drawn at `scale` times its size, as PNG bytes, with its width and
/// height in pixels.
///
/// # Errors
/// [`Error::Validation`] for an SVG that cannot be read or drawn, or one
/// that would be larger than 8,192 pixels a side.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<(Vec<u8>, u32, u32)> {
    let options = usvg::Options {
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::validation("svg", format!("cannot be read: {e}")))?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| {
        Error::validation("svg", format!("cannot be drawn at {scale} times its size"))
    })?;
    let (w, h) = (size.width(), size.height());
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(Error::validation(
            "svg",
            format!("{w} × {h} pixels is beyond {MAX_SIDE} a side"),
        ));
    }
    let mut pixmap = tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| Error::validation("svg", "has no area to draw"))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let png = pixmap
        .encode_png()
        .map_err(|e| Error::Internal(format!("encoding a PNG: {e}")))?;
    Ok((png, w, h))
}

//! A table as the dashboard pages it: filtered, sorted and cut into pages
//! on the server, so a province's million parcels stay fast. The rows a
//! query keeps are computed once per query and kept beside the table
//! (see `super::state`); a page is then a slice of them.

use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, UInt32Array};
use arrow_schema::{DataType, SortOptions};

use parkdb::ledger::cell_text;

/// A column offered as a filter with a short list of its values.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Facet {
    /// The column's name.
    pub column: String,
    /// Its distinct values (a column with few of them).
    pub values: Vec<String>,
}

/// A table read under one horizon, with what pages need of it.
#[derive(Debug)]
pub struct Grid {
    /// The table's rows.
    pub batch: RecordBatch,
    facets: OnceLock<Vec<Facet>>,
}

/// Which rows a reader asked for, and in what order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Selection {
    /// Rows with this text in any text column (letters in any case).
    pub q: Option<String>,
    /// Rows whose cell in the column reads exactly the value.
    pub filters: Vec<(String, String)>,
    /// The column sorted by, and whether descending.
    pub sort: Option<(String, bool)>,
}

/// Facets list at most this many values of a column.
const FACET_VALUES: usize = 24;

impl Grid {
    /// A grid of the rows of `batch`.
    pub fn new(batch: RecordBatch) -> Grid {
        Grid {
            batch,
            facets: OnceLock::new(),
        }
    }

    /// The index of the column `name`.
    ///
    /// # Errors
    /// A message naming the table's columns.
    pub fn column(&self, name: &str) -> Result<usize, String> {
        self.batch.schema_ref().index_of(name).map_err(|_| {
            format!(
                "{} is not a column of this table ({})",
                parkdb::text::shown(name),
                self.columns().join(", ")
            )
        })
    }

    /// The table's column names, in order.
    pub fn columns(&self) -> Vec<String> {
        self.batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The text columns with few values, and the flags: what a page offers
    /// to filter by, computed once per table.
    pub fn facets(&self) -> &[Facet] {
        self.facets.get_or_init(|| {
            let mut out = Vec::new();
            for (i, field) in self.batch.schema_ref().fields().iter().enumerate() {
                let col = self.batch.column(i);
                let values = match field.data_type() {
                    DataType::Boolean => Some(vec!["false".to_owned(), "true".to_owned()]),
                    DataType::Utf8 if !field.name().ends_with("name") && field.name() != "code" => {
                        few_values(col.as_string::<i32>())
                    }
                    _ => None,
                };
                if let Some(values) = values.filter(|v| v.len() > 1) {
                    out.push(Facet {
                        column: field.name().clone(),
                        values,
                    });
                }
            }
            out
        })
    }

    /// The rows `selection` keeps, in its order.
    ///
    /// # Errors
    /// A message for an unknown column or one that cannot be sorted.
    pub fn select(&self, selection: &Selection) -> Result<Vec<u32>, String> {
        let rows = self.batch.num_rows();
        let filters = selection
            .filters
            .iter()
            .map(|(c, v)| Ok((self.column(c)?, v.as_str())))
            .collect::<Result<Vec<_>, String>>()?;
        let texts: Vec<_> = self
            .batch
            .columns()
            .iter()
            .filter(|c| c.data_type() == &DataType::Utf8)
            .map(AsArray::as_string::<i32>)
            .collect();
        let q = selection
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty());
        let keep = |row: usize| {
            filters.iter().all(|(c, v)| {
                let col = self.batch.column(*c);
                match col.data_type() {
                    DataType::Utf8 => {
                        let s = col.as_string::<i32>();
                        !s.is_null(row) && s.value(row) == *v
                    }
                    _ => cell_text(col.as_ref(), row).as_deref() == Some(*v),
                }
            }) && q.is_none_or(|q| {
                texts
                    .iter()
                    .any(|s| !s.is_null(row) && contains_ignoring_case(s.value(row), q))
            })
        };
        let order: Vec<u32> = match &selection.sort {
            None => (0..rows).filter(|r| keep(*r)).map(index).collect(),
            Some((name, descending)) => {
                let c = self.column(name)?;
                let sorted: UInt32Array = arrow_ord::sort::sort_to_indices(
                    self.batch.column(c),
                    Some(SortOptions {
                        descending: *descending,
                        nulls_first: false,
                    }),
                    None,
                )
                .map_err(|_| format!("the column {name} cannot be sorted"))?;
                sorted
                    .values()
                    .iter()
                    .copied()
                    .filter(|r| keep(*r as usize))
                    .collect()
            }
        };
        Ok(order)
    }

    /// The rows `rows` of the table as text, for a page.
    pub fn texts(&self, rows: &[u32]) -> Vec<Vec<Option<String>>> {
        let schema = self.batch.schema();
        let money: Vec<bool> = schema.fields().iter().map(|f| is_money(f)).collect();
        rows.iter()
            .map(|r| {
                self.batch
                    .columns()
                    .iter()
                    .zip(&money)
                    .map(|(c, &money)| {
                        if money {
                            wan(c.as_ref(), *r as usize)
                        } else {
                            shown(c.as_ref(), *r as usize)
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The rows `rows` as a table of their own (for CSV, xlsx, JSON, Arrow).
    ///
    /// # Errors
    /// Arrow's, should the take fail.
    pub fn take(&self, rows: &[u32]) -> parkdb::Result<RecordBatch> {
        if rows.len() == self.batch.num_rows()
            && rows.iter().enumerate().all(|(i, r)| i == *r as usize)
        {
            return Ok(self.batch.clone());
        }
        let indices = UInt32Array::from(rows.to_vec());
        arrow_select::take::take_record_batch(&self.batch, &indices)
            .map_err(|e| parkdb::Error::Storage(format!("cannot cut the table: {e}")))
    }
}

/// A money column: `…_yuan`, exact to the fen.
fn is_money(field: &arrow_schema::Field) -> bool {
    field.name().ends_with("_yuan") && *field.data_type() == DataType::Decimal128(18, 2)
}

/// A money cell as work reports write it: 万元 to at most four places
/// (`891.5万元`); downloads keep the exact 元.
fn wan(col: &dyn Array, row: usize) -> Option<String> {
    let fen = col
        .as_primitive::<arrow_array::types::Decimal128Type>()
        .value(row);
    (!col.is_null(row))
        .then(|| i64::try_from(fen).ok())
        .flatten()
        .map(|fen| parkdb::Yuan::from_fen(fen).report_wan())
}

/// A cell as a page shows it: binary columns (boundaries as WKB) are
/// summarised, not dumped.
fn shown(col: &dyn Array, row: usize) -> Option<String> {
    match col.data_type() {
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            (!col.is_null(row)).then(|| "WKB".to_owned())
        }
        // Scores and ratios to four places: a page is read, not computed on.
        DataType::Float64 => (!col.is_null(row)).then(|| {
            let v = col
                .as_primitive::<arrow_array::types::Float64Type>()
                .value(row);
            let text = format!("{v:.4}");
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        }),
        _ => cell_text(col, row),
    }
}

fn index(row: usize) -> u32 {
    u32::try_from(row).unwrap_or(u32::MAX)
}

/// At most [`FACET_VALUES`] distinct values of a text column, sorted;
/// `None` if it has more.
fn few_values(col: &arrow_array::StringArray) -> Option<Vec<String>> {
    let mut seen: Vec<&str> = Vec::new();
    for v in col.iter().flatten() {
        if !seen.contains(&v) {
            if seen.len() == FACET_VALUES {
                return None;
            }
            seen.push(v);
        }
    }
    seen.sort_unstable();
    Some(seen.into_iter().map(str::to_owned).collect())
}

/// Whether `hay` holds `needle`, ASCII letters in any case.
fn contains_ignoring_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::{Field, Schema};
    use std::sync::Arc;

    fn grid() -> Grid {
        let schema = Schema::new(vec![
            Field::new("code", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
        ]);
        Grid::new(
            RecordBatch::try_new(
                Arc::new(schema),
                vec![
                    Arc::new(StringArray::from(vec![
                        Some("YH-1"),
                        Some("yh-2"),
                        Some("ZJ-3"),
                        None,
                    ])),
                    Arc::new(StringArray::from(vec![
                        Some("a"),
                        Some("b"),
                        Some("a"),
                        Some("b"),
                    ])),
                    Arc::new(Int64Array::from(vec![Some(3), None, Some(1), Some(2)])),
                ],
            )
            .unwrap(),
        )
    }

    /// Money shows in 万元 as work reports write it; other decimals (areas)
    /// and the downloads keep their exact values.
    #[test]
    fn money_shows_in_wan_yuan_and_downloads_stay_exact() {
        let money =
            arrow_array::Decimal128Array::from(vec![Some(891_500_000), Some(158_407_378), None])
                .with_precision_and_scale(18, 2)
                .unwrap();
        let area = arrow_array::Decimal128Array::from(vec![Some(52_727_200), Some(1), None])
            .with_precision_and_scale(18, 6)
            .unwrap();
        let schema = Schema::new(vec![
            Field::new("price_yuan", DataType::Decimal128(18, 2), true),
            Field::new("area_mu", DataType::Decimal128(18, 6), true),
        ]);
        let g = Grid::new(
            RecordBatch::try_new(Arc::new(schema), vec![Arc::new(money), Arc::new(area)]).unwrap(),
        );
        let texts = g.texts(&[0, 1, 2]);
        assert_eq!(texts[0][0].as_deref(), Some("891.5万元"));
        assert_eq!(texts[1][0].as_deref(), Some("158.4074万元"));
        assert_eq!(texts[2][0], None);
        assert_eq!(texts[0][1].as_deref(), Some("52.727200"));
        let exact = g.take(&[1]).unwrap();
        assert_eq!(
            exact
                .column(0)
                .as_primitive::<arrow_array::types::Decimal128Type>()
                .value_as_string(0),
            "1584073.78"
        );
    }

    #[test]
    fn a_selection_filters_then_sorts_with_nulls_last() {
        let g = grid();
        let all = g
            .select(&Selection {
                sort: Some(("n".into(), false)),
                ..Selection::default()
            })
            .unwrap();
        assert_eq!(all, vec![2, 3, 0, 1]);
        let yh = g
            .select(&Selection {
                q: Some("Yh-".into()),
                sort: Some(("n".into(), true)),
                ..Selection::default()
            })
            .unwrap();
        assert_eq!(yh, vec![0, 1]);
        let a = g
            .select(&Selection {
                filters: vec![("status".into(), "a".into()), ("n".into(), "1".into())],
                ..Selection::default()
            })
            .unwrap();
        assert_eq!(a, vec![2]);
        let err = g
            .select(&Selection {
                filters: vec![("nope".into(), "a".into())],
                ..Selection::default()
            })
            .unwrap_err();
        assert!(
            err.contains("not a column") && err.contains("status"),
            "{err}"
        );
    }

    #[test]
    fn facets_are_the_text_columns_with_few_values() {
        let g = grid();
        let facets = g.facets();
        assert_eq!(facets.len(), 1, "{facets:?}");
        assert_eq!(facets[0].column, "status");
        assert_eq!(facets[0].values, vec!["a", "b"]);
    }
}

//! Plain-text tables: a header row and aligned columns, two spaces apart.

use serde_json::Value;

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// Numbers: their digits line up.
    Right,
}

/// A table being built.
#[derive(Debug)]
pub struct Table {
    headers: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns named `headers`; a header written `>NAME` is right-aligned.
    pub fn new(headers: &[&'static str]) -> Table {
        let headers = headers
            .iter()
            .map(|h| match h.strip_prefix('>') {
                Some(name) => (name, Align::Right),
                None => (*h, Align::Left),
            })
            .collect();
        Table { headers, rows: Vec::new() }
    }

    /// Adds a row; missing cells are blank, extra ones ignored.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row after the header, each ending in a newline. No line
    /// has trailing spaces.
    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let cell = |row: &Vec<String>, i: usize| row.get(i).map(|s| sanitize(s)).unwrap_or_default();
        let mut widths: Vec<usize> = self.headers.iter().map(|(h, _)| h.chars().count()).collect();
        for row in &self.rows {
            for (i, width) in widths.iter_mut().enumerate() {
                *width = (*width).max(cell(row, i).chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: Vec<String>| {
            let mut text = String::new();
            for (i, value) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(value.chars().count());
                if i > 0 {
                    text.push_str("  ");
                }
                match self.headers[i].1 {
                    Align::Right => {
                        text.extend(std::iter::repeat_n(' ', pad));
                        text.push_str(value);
                    }
                    Align::Left => {
                        text.push_str(value);
                        if i + 1 < columns {
                            text.extend(std::iter::repeat_n(' ', pad));
                        }
                    }
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(self.headers.iter().map(|(h, _)| (*h).to_owned()).collect());
        for row in &self.rows {
            line((0..columns).map(|i| cell(row, i)).collect());
        }
        out
    }
}

/// Control characters would break the alignment (or the terminal): shown as spaces.
fn sanitize(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A JSON value as a cell: strings bare, null as `-`, others as compact JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The cell at `pointer` (a JSON pointer such as `/status/state`) of `value`; `-` when absent.
pub fn at(value: &Value, pointer: &str) -> String {
    value.pointer(pointer).map_or_else(|| "-".to_owned(), cell)
}

/// Key–value lines (`name  value`), names aligned: for single objects such as the portfolio.
pub fn pairs(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    rows.iter().map(|(k, v)| format!("{k:<width$}  {}\n", sanitize(v))).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn columns_align_and_lines_have_no_trailing_spaces() {
        let mut table = Table::new(&["ID", "SIDE", ">QTY", "STATUS"]);
        table.row(vec!["o-1".into(), "buy".into(), "5".into(), "filled".into()]);
        table.row(vec!["o-10000".into(), "sell".into(), "1200".into(), "-".into()]);
        assert_eq!(
            table.render(),
            "ID       SIDE   QTY  STATUS\n\
             o-1      buy      5  filled\n\
             o-10000  sell  1200  -\n"
        );
    }

    #[test]
    fn short_rows_are_padded_and_control_characters_neutralised() {
        let mut table = Table::new(&["A", "B"]);
        table.row(vec!["x\ty".into()]);
        assert_eq!(table.render(), "A    B\nx y\n");
        assert_eq!(Table::new(&["A", ">B"]).render(), "A  B\n");
    }

    #[test]
    fn wide_characters_count_once() {
        let mut table = Table::new(&["NAME", "N"]);
        table.row(vec!["₹₹".into(), "1".into()]);
        assert_eq!(table.render(), "NAME  N\n₹₹    1\n");
    }

    #[test]
    fn json_cells() {
        let v = json!({"a": {"b": 1.5}, "s": "text", "n": null, "l": [1, 2]});
        assert_eq!(
            (at(&v, "/a/b"), at(&v, "/s"), at(&v, "/n"), at(&v, "/l"), at(&v, "/missing")),
            ("1.5".into(), "text".into(), "-".into(), "[1,2]".into(), "-".into())
        );
        assert_eq!(pairs(&[("cash", "10".into()), ("equity", "12".into())]), "cash    10\nequity  12\n");
    }
}

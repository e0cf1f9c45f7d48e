//! Splitting CSV lines and finding columns by name. Market data files hold no embedded commas, so
//! a field is the text between commas with surrounding spaces and one pair of quotes removed.

/// A header row, its names folded to lowercase for matching.
pub(crate) struct HeaderIndex {
    names: Vec<String>,
    lowered: Vec<String>,
}

impl HeaderIndex {
    pub fn new(line: &str) -> HeaderIndex {
        let mut fields = Vec::new();
        split_fields(line, &mut fields);
        let names: Vec<String> = fields.iter().map(|f| f.trim_start_matches('\u{feff}').to_owned()).collect();
        let lowered = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        HeaderIndex { names, lowered }
    }

    /// The column's name as written (empty for an unnamed column).
    pub fn name(&self, column: usize) -> &str {
        self.names.get(column).map_or("?", String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// The first column whose lowercase name is one of `candidates`.
pub(crate) fn find_column(header: &HeaderIndex, candidates: &[&str]) -> Option<usize> {
    header.lowered.iter().position(|name| candidates.contains(&name.as_str()))
}

/// Splits `line` into `out`, reusing its allocation.
pub(crate) fn split_fields<'a>(line: &'a str, out: &mut Vec<&'a str>) {
    out.clear();
    out.extend(line.trim_end_matches('\r').split(',').map(|field| {
        let field = field.trim();
        field.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(field)
    }));
}

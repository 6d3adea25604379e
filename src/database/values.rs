//! Tables of bound values inside one statement: what lets a group commit write many rows with
//! one statement (`usage`'s counters, the chat's messages).

/// `SELECT ? AS a, ? AS b UNION ALL SELECT ?, ?` for `rows` rows of `columns`: a table of values
/// to join an `UPDATE` with or to `INSERT … SELECT` from (every row its own values, one
/// statement). `rows` must be at least 1.
pub fn derived_table(rows: usize, columns: &[&str]) -> String {
    let named: Vec<String> = columns.iter().map(|c| format!("? AS {c}")).collect();
    let mut selects = vec![format!("SELECT {}", named.join(", "))];
    let row = format!("SELECT {}", vec!["?"; columns.len()].join(", "));
    selects.extend(std::iter::repeat_n(row, rows.saturating_sub(1)));
    selects.join(" UNION ALL ")
}

/// `(?, ?), (?, ?)` for `rows` rows of `columns` values.
pub fn placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_table_names_its_columns_once() {
        assert_eq!(
            derived_table(3, &["a", "b"]),
            "SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? UNION ALL SELECT ?, ?"
        );
        assert_eq!(derived_table(1, &["a"]), "SELECT ? AS a");
        assert_eq!(placeholders(2, 3), "(?, ?, ?), (?, ?, ?)");
    }
}

//! Stop sequences for backends that do not know them (the local model): text is passed on as it
//! comes, except a tail that may be the start of a stop sequence, which waits for the next
//! piece; once a stop sequence appears, the text before it is the end of the answer.

/// Scans streamed text for the first of a few stop sequences.
#[derive(Debug, Default)]
pub struct StopScanner {
    stops: Vec<String>,
    held: String,
    stopped: bool,
}

impl StopScanner {
    pub fn new(stops: &[String]) -> Self {
        StopScanner {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            ..Default::default()
        }
    }

    /// Takes the next piece of text; returns what may be shown now.
    pub fn push(&mut self, text: &str) -> String {
        if self.stopped {
            return String::new();
        }
        if self.stops.is_empty() {
            return text.to_owned();
        }
        self.held.push_str(text);
        let first_stop = self
            .stops
            .iter()
            .filter_map(|stop| self.held.find(stop.as_str()))
            .min();
        if let Some(at) = first_stop {
            self.stopped = true;
            let shown = self.held[..at].to_owned();
            self.held.clear();
            return shown;
        }
        // Keep back the longest tail that is the start of some stop sequence.
        let keep = self
            .stops
            .iter()
            .map(|stop| longest_prefix_at_end(&self.held, stop))
            .max()
            .unwrap_or(0);
        let cut = self.held.len() - keep;
        let shown = self.held[..cut].to_owned();
        self.held.drain(..cut);
        shown
    }

    /// Whether a stop sequence was met (the answer ends here).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// What was held back when the text ends without a stop sequence.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.held)
    }
}

/// The length in bytes of the longest proper prefix of `stop` that `text` ends with.
fn longest_prefix_at_end(text: &str, stop: &str) -> usize {
    (1..stop.len())
        .rev()
        .filter(|&n| stop.is_char_boundary(n))
        .find(|&n| text.ends_with(&stop[..n]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], pieces: &[&str]) -> (String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut scanner = StopScanner::new(&stops);
        let mut out: String = pieces.iter().map(|p| scanner.push(p)).collect();
        if !scanner.stopped() {
            out.push_str(&scanner.finish());
        }
        (out, scanner.stopped())
    }

    #[test]
    fn text_ends_before_a_stop_sequence_even_when_it_is_split_across_pieces() {
        assert_eq!(
            run(&["\n\n"], &["one\n", "\ntwo"]),
            ("one".to_owned(), true)
        );
        assert_eq!(run(&["END"], &["a E", "N", "D b"]), ("a ".to_owned(), true));
        assert_eq!(
            run(&["END"], &["a E", "N", "x"]),
            ("a ENx".to_owned(), false)
        );
        assert_eq!(run(&[], &["plain"]), ("plain".to_owned(), false));
        assert_eq!(
            run(&["стоп"], &["да с", "то", "п нет"]),
            ("да ".to_owned(), true)
        );
    }
}

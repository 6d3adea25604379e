//! Token pieces are bytes, and a character may be split across two tokens: text is released
//! only up to the last complete UTF-8 character.

/// Joins token bytes into text, holding back an incomplete trailing character.
#[derive(Default)]
pub struct Utf8Joiner {
    pending: Vec<u8>,
}

impl Utf8Joiner {
    /// Adds one token's bytes; returns the text that is now complete (maybe empty).
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            // Bytes that can never become a character are replaced (U+FFFD) rather than kept.
            Err(error) if error.error_len().is_some() => self.pending.len(),
            Err(error) => error.valid_up_to(),
        };
        let rest = self.pending.split_off(complete);
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending = rest;
        text
    }

    /// Whatever is left at the end (an incomplete character becomes U+FFFD).
    pub fn finish(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_over_two_tokens_comes_out_whole() {
        let bytes = "Привет, Toshkent".as_bytes();
        let mut joiner = Utf8Joiner::default();
        let mut text = String::new();
        for byte in bytes {
            text.push_str(&joiner.push(std::slice::from_ref(byte)));
        }
        text.push_str(&joiner.finish());
        assert_eq!(text, "Привет, Toshkent");
    }

    #[test]
    fn the_first_half_of_a_character_is_held_back() {
        let mut joiner = Utf8Joiner::default();
        assert_eq!(joiner.push(b"ab\xd0"), "ab");
        assert_eq!(joiner.push(b"\x9f"), "П");
    }

    #[test]
    fn invalid_bytes_do_not_stall_the_stream() {
        let mut joiner = Utf8Joiner::default();
        assert_eq!(joiner.push(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(joiner.push(b"\xe2\x82"), "");
        assert_eq!(joiner.finish(), "\u{fffd}");
    }
}

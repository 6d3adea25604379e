//! Cleaning up text pulled out of a PDF before it is chunked and embedded.
//!
//! PDF text comes in visual lines: words broken at the margin with a hyphen, runs of spaces
//! used for layout, ligatures (`ﬁ`), compatibility forms (full-width digits, NBSP) and stray
//! control characters. [`normalize`] turns that into plain paragraphs separated by one blank
//! line, so that the chunker can cut at paragraph and sentence ends and that the same word
//! always embeds the same way.
use unicode_normalization::UnicodeNormalization;

/// The paragraph separator in normalised text.
pub const PARAGRAPH_BREAK: &str = "\n\n";

/// NFKC, control characters dropped, whitespace collapsed, lines of one paragraph joined and
/// words hyphenated at a line end put back together. A blank line starts a new paragraph.
pub fn normalize(raw: &str) -> String {
    // NFKC, with a Windows line end as one line end.
    let nfkc: String = raw.nfkc().collect::<String>().replace("\r\n", "\n");
    let mut out = String::with_capacity(nfkc.len());
    // Whether a paragraph break is pending: written only before the next text, so the result
    // never starts or ends with one.
    let mut new_paragraph = false;
    for line in nfkc.split(is_line_break) {
        let line = clean_line(line);
        if line.is_empty() {
            new_paragraph = true;
            continue;
        }
        if out.is_empty() {
            // Nothing to join with yet.
        } else if new_paragraph {
            out.push_str(PARAGRAPH_BREAK);
        } else {
            join_line_end(&mut out, &line);
        }
        out.push_str(&line);
        new_paragraph = false;
    }
    out
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// One visual line: control characters, U+FFFD (text that could not be decoded) and soft
/// hyphens inside the line (invisible unless the word is broken there) dropped, whitespace
/// runs as one space, trimmed. A soft hyphen at the end of the line stays: [`join_line_end`]
/// needs it.
fn clean_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    for c in line.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if c.is_control() || is_invisible_format(c) || c == char::REPLACEMENT_CHARACTER {
            // Dropped: the characters around it stay apart if they were apart.
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    remove_inner_soft_hyphens(out)
}

const SOFT_HYPHEN: char = '\u{AD}';

fn remove_inner_soft_hyphens(line: String) -> String {
    let Some(body) = line.strip_suffix(SOFT_HYPHEN) else {
        return line.replace(SOFT_HYPHEN, "");
    };
    let mut out = body.replace(SOFT_HYPHEN, "");
    out.push(SOFT_HYPHEN);
    out
}

/// Zero-width and bidi formatting characters that carry no text (but not the soft hyphen,
/// which marks a possible word break, nor ZWJ/ZWNJ, which change how some scripts are spelt).
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// Joins the next line of the same paragraph onto `out`: a word broken with a hyphen at the
/// line end is put back together ("informa-" + "tion"); otherwise the lines get a space.
///
/// A hyphen before a lowercase letter is taken as a break inside one word. Before anything
/// else (an uppercase letter, a digit) it is a real hyphen and stays, without a space:
/// "Toshkent-" + "Samarqand" gives "Toshkent-Samarqand", "2019-" + "2020" gives "2019-2020".
/// A soft hyphen is always a break inside one word. Compounds like "well-known" broken at
/// their hyphen come out as "wellknown": telling them apart needs a dictionary.
fn join_line_end(out: &mut String, next: &str) {
    let next_starts_lowercase = next.chars().next().is_some_and(char::is_lowercase);
    if out.ends_with(SOFT_HYPHEN) {
        out.pop();
        return;
    }
    let mut chars = out.chars().rev();
    let hyphen = chars.next().is_some_and(is_hyphen);
    let before = chars.next();
    match (hyphen, before) {
        (true, Some(c)) if c.is_alphabetic() && next_starts_lowercase => {
            out.pop();
        }
        // A hyphen right after a letter or digit joins: "Toshkent-Samarqand", "2019-2020".
        (true, Some(c)) if c.is_alphanumeric() => {}
        // Anything else ("a list -", "word.") ends a word.
        _ => out.push(' '),
    }
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}')
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn collapses_spaces_and_joins_the_lines_of_a_paragraph() {
        let raw = "  The quick\t\tbrown   fox\n jumps over\nthe dog.  ";
        assert_eq!(normalize(raw), "The quick brown fox jumps over the dog.");
    }

    #[test]
    fn blank_lines_become_one_paragraph_break() {
        let raw = "\n\nFirst paragraph\nstill first.\n\n \n\t\nSecond one.\n\n\n";
        assert_eq!(
            normalize(raw),
            "First paragraph still first.\n\nSecond one."
        );
    }

    #[test]
    fn windows_and_old_mac_line_ends_count_as_line_ends() {
        assert_eq!(normalize("one\r\ntwo\r\rthree"), "one two\n\nthree");
    }

    #[test]
    fn repairs_words_hyphenated_at_a_line_end() {
        let raw = "This is informa-\ntion about the docu-\nment.";
        assert_eq!(normalize(raw), "This is information about the document.");
    }

    #[test]
    fn repairs_cyrillic_and_uzbek_hyphenation() {
        assert_eq!(normalize("инфор-\nмация"), "информация");
        assert_eq!(normalize("maʼlu-\nmotlar"), "maʼlumotlar");
    }

    #[test]
    fn keeps_real_hyphens() {
        assert_eq!(
            normalize("the Toshkent-Samarqand road"),
            "the Toshkent-Samarqand road"
        );
        assert_eq!(
            normalize("the Toshkent-\nSamarqand road"),
            "the Toshkent-Samarqand road"
        );
        assert_eq!(normalize("in 2019-\n2020"), "in 2019-2020");
        assert_eq!(normalize("a list -\nitem"), "a list - item");
        assert_eq!(
            normalize("ends with a dash -\n\nNext"),
            "ends with a dash -\n\nNext"
        );
    }

    #[test]
    fn soft_hyphens_vanish_and_join_at_a_line_end() {
        assert_eq!(normalize("infor\u{AD}mation"), "information");
        assert_eq!(normalize("Infor\u{AD}\nMation"), "InforMation");
        assert_eq!(normalize("a soft\u{AD} \nline"), "a softline");
    }

    #[test]
    fn applies_nfkc() {
        // Ligature, full-width digits, NBSP, superscript two, decomposed й.
        let raw = "\u{FB01}le \u{FF11}\u{FF12}\u{A0}m\u{B2} \u{0438}\u{0306}";
        assert_eq!(normalize(raw), "file 12 m2 \u{0439}");
    }

    #[test]
    fn keeps_uzbek_latin_and_cyrillic_letters() {
        let raw = "Oʻzbekiston gʻalla o‘rim Ўзбекистон ғалла";
        assert_eq!(normalize(raw), raw);
    }

    #[test]
    fn drops_control_and_invisible_characters() {
        let raw = "a\u{0}b\u{7}c\u{1B}d e\u{200B}f\u{FEFF}g\u{FFFD}h";
        assert_eq!(normalize(raw), "abcd efgh");
    }

    #[test]
    fn empty_and_blank_input_give_empty_text() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \n\t\r\n \u{A0}"), "");
    }
}

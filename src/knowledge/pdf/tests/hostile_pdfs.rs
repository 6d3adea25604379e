//! Hostile PDFs, made in memory in milliseconds (shared by the reader's unit tests and
//! `tests/api/pdf_safety.rs`):
//! - a font whose `ToUnicode` stream is Flate inside Flate and would inflate to over 1 GiB;
//! - pages that all draw one large content stream;
//! - a composite font whose `W` repeats `0 65535 1`.
//!
//! The bomb's inner layer is written as raw deflate codes (one zero, then matches of 258
//! bytes at distance 1), so making it costs a pass over 7 MB, not over the gigabyte.
#![allow(dead_code)]

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

/// What the bomb's `ToUnicode` stream inflates to: one zero, then 4,161,791 runs of 258.
pub const BOMB_INFLATED_BYTES: u64 = 1 + 258 * 4_161_791;

pub const SENTENCE: &str = "The quick brown fox jumps over the lazy dog again and again. ";

/// One page of text whose font's `ToUnicode` map inflates to [`BOMB_INFLATED_BYTES`].
pub fn tounicode_bomb() -> Vec<u8> {
    let mut map = Stream::new(Dictionary::new(), zlib_of_zeros(BOMB_INFLATED_BYTES));
    map.compress().expect("compressible");
    let flate = || Object::Name(b"FlateDecode".to_vec());
    map.dict
        .set("Filter", Object::Array(vec![flate(), flate()]));
    let mut pdf = Builder::new();
    let map = pdf.add(map);
    let font = pdf.add(dict(&[
        ("Type", name("Font")),
        ("Subtype", name("Type1")),
        ("BaseFont", name("Helvetica")),
        ("ToUnicode", Object::Reference(map)),
    ]));
    let text = format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", SENTENCE.repeat(3));
    let content = pdf.add(Stream::new(Dictionary::new(), text.into_bytes()));
    pdf.finish(font, content, 1)
}

/// `pages` pages that all draw one content stream of at least `content_bytes` (compressed in
/// the file): lines of text, each on a line of its own.
pub fn shared_content_pages(pages: usize, content_bytes: usize) -> Vec<u8> {
    let line = format!("({SENTENCE}) '\n");
    let mut text = b"BT /F1 10 Tf 12 TL 72 760 Td\n".to_vec();
    while text.len() < content_bytes {
        text.extend_from_slice(line.as_bytes());
    }
    text.extend_from_slice(b"ET\n");
    shared_stream_pages(pages, text)
}

/// `pages` pages that all draw one stream of `content_bytes` path operations (no text).
pub fn shared_drawing_pages(pages: usize, content_bytes: usize) -> Vec<u8> {
    let mut drawing = Vec::with_capacity(content_bytes + 32);
    while drawing.len() < content_bytes {
        drawing.extend_from_slice(b"10 10 m 20 20 l S\n");
    }
    shared_stream_pages(pages, drawing)
}

fn shared_stream_pages(pages: usize, content: Vec<u8>) -> Vec<u8> {
    let mut pdf = Builder::new();
    let font = pdf.add(dict(&[
        ("Type", name("Font")),
        ("Subtype", name("Type1")),
        ("BaseFont", name("Helvetica")),
        ("Encoding", name("WinAnsiEncoding")),
    ]));
    let mut stream = Stream::new(Dictionary::new(), content);
    stream.compress().expect("compressible");
    let content = pdf.add(stream);
    pdf.finish(font, content, pages)
}

/// One page of text in a composite font whose `W` says `0 65535 1` `repeats` times.
pub fn repeated_widths(repeats: usize) -> Vec<u8> {
    let mut pdf = Builder::new();
    let w: Vec<Object> = (0..repeats)
        .flat_map(|_| {
            [
                Object::Integer(0),
                Object::Integer(65_535),
                Object::Integer(1),
            ]
        })
        .collect();
    let descendant = pdf.add(dict(&[
        ("Type", name("Font")),
        ("Subtype", name("CIDFontType2")),
        ("BaseFont", name("AAAAAA+Some")),
        ("W", Object::Array(w)),
    ]));
    let font = pdf.add(dict(&[
        ("Type", name("Font")),
        ("Subtype", name("Type0")),
        ("BaseFont", name("AAAAAA+Some")),
        ("Encoding", name("Identity-H")),
        (
            "DescendantFonts",
            Object::Array(vec![Object::Reference(descendant)]),
        ),
    ]));
    let glyphs: String = (0..400).map(|i| format!("{:04X}", 36 + i % 40)).collect();
    let text = format!("BT /F1 12 Tf 72 720 Td <{glyphs}> Tj ET");
    let content = pdf.add(Stream::new(Dictionary::new(), text.into_bytes()));
    pdf.finish(font, content, 1)
}

/// A zlib stream of `len` zeros (`len` = 1 + 258·k), written code by code: fixed Huffman
/// codes, a literal zero, then matches of length 258 at distance 1.
fn zlib_of_zeros(len: u64) -> Vec<u8> {
    assert_eq!((len - 1) % 258, 0, "one zero and whole runs of 258");
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        count: 0,
    };
    bits.put(1, 1); // the last block
    bits.put(1, 2); // fixed Huffman codes
    bits.code(0b0011_0000, 8); // literal 0
    // Length 258 is symbol 285 (11000101), distance 1 is code 0 (00000): 13 bits each.
    let run = reverse(0b1100_0101, 8);
    for _ in 0..(len - 1) / 258 {
        bits.put(run, 13);
    }
    bits.code(0, 7); // end of block
    let mut out = bits.finish();
    // Adler-32 of zeros: A stays 1, B grows by one per byte.
    let b = (len % 65_521) as u32;
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

struct Bits {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits {
    /// `n` bits of `value`, least significant first (deflate's order for everything but
    /// Huffman codes).
    fn put(&mut self, value: u64, n: u32) {
        self.acc |= value << self.count;
        self.count += n;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// A Huffman code: most significant bit first.
    fn code(&mut self, code: u64, n: u32) {
        self.put(reverse(code, n), n);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn reverse(code: u64, n: u32) -> u64 {
    (0..n).fold(0, |acc, i| (acc << 1) | ((code >> i) & 1))
}

fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

fn dict(entries: &[(&str, Object)]) -> Dictionary {
    let mut dict = Dictionary::new();
    for (key, value) in entries {
        dict.set(*key, value.clone());
    }
    dict
}

struct Builder {
    doc: Document,
}

impl Builder {
    fn new() -> Self {
        Builder {
            doc: Document::with_version("1.5"),
        }
    }

    fn add(&mut self, object: impl Into<Object>) -> ObjectId {
        self.doc.add_object(object)
    }

    /// `pages` pages drawing `content` with font `/F1`, and the catalog; the file's bytes.
    fn finish(mut self, font: ObjectId, content: ObjectId, pages: usize) -> Vec<u8> {
        let tree = self.doc.new_object_id();
        let mut font_resources = Dictionary::new();
        font_resources.set("F1", Object::Reference(font));
        let resources = dict(&[("Font", Object::Dictionary(font_resources))]);
        let media_box = [0, 0, 612, 792].map(Object::Integer).to_vec();
        let kids: Vec<Object> = (0..pages)
            .map(|_| {
                let page = dict(&[
                    ("Type", name("Page")),
                    ("Parent", Object::Reference(tree)),
                    ("MediaBox", Object::Array(media_box.clone())),
                    ("Resources", Object::Dictionary(resources.clone())),
                    ("Contents", Object::Reference(content)),
                ]);
                Object::Reference(self.add(page))
            })
            .collect();
        let count = Object::Integer(pages as i64);
        let tree_dict = dict(&[
            ("Type", name("Pages")),
            ("Kids", Object::Array(kids)),
            ("Count", count),
        ]);
        self.doc.objects.insert(tree, Object::Dictionary(tree_dict));
        let catalog = dict(&[
            ("Type", name("Catalog")),
            ("Pages", Object::Reference(tree)),
        ]);
        let catalog = self.add(catalog);
        self.doc.trailer.set("Root", Object::Reference(catalog));
        let mut bytes = Vec::new();
        self.doc.save_to(&mut bytes).expect("saved in memory");
        bytes
    }
}

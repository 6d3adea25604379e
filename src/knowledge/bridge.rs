//! Moving a question's vector from its language to the document's.
//!
//! A multilingual embedder puts a sentence and its translation near each other, but not on the
//! same point: every vector also carries a part that only says which language it is in, and
//! that part pulls an Uzbek question towards Uzbek (or Cyrillic) text rather than towards the
//! English passage that answers it. The part is close to the mean vector of many sentences of
//! that language (Libovický, Rosa and Fraser, "On the Language Neutrality of Pre-trained
//! Multilingual Representations", 2020: removing each language's mean lifts cross-language
//! retrieval). `bridge.tsv` holds the same everyday questions about manuals and devices in each
//! of the product's languages (written for this, none taken from the evaluation set); their
//! mean query vectors give each language's part, and a question is searched a second time as
//! `question − mean(its language) + mean(the document's language)`.
use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::knowledge::language::Language;
use crate::llm::LlmError;
use crate::llm::embed::{Embedder, normalise};

/// The same questions, a line each, in English, Russian and Uzbek (tab-separated, a header).
const SENTENCES: &str = include_str!("bridge.tsv");

const LANGUAGES: [Language; 3] = [Language::English, Language::Russian, Language::Uzbek];

/// The mean query vector of each of the product's languages, under one embedder.
#[derive(Clone, Debug)]
pub struct LanguageMeans {
    /// Indexed by `Language as usize`.
    means: [Vec<f32>; 3],
}

impl LanguageMeans {
    /// Embeds the bridge sentences as questions (about 120 short texts, once per embedder).
    pub async fn of(embedder: &dyn Embedder) -> Result<LanguageMeans, LlmError> {
        let rows = sentences();
        let mut texts = Vec::with_capacity(rows.len() * LANGUAGES.len());
        for language in LANGUAGES {
            texts.extend(rows.iter().map(|row| row[language as usize].to_owned()));
        }
        let vectors = embedder.embed_queries(texts).await?;
        let mut means: [Vec<f32>; 3] = Default::default();
        for (language, vectors) in LANGUAGES.iter().zip(vectors.chunks(rows.len())) {
            means[*language as usize] = mean(vectors);
        }
        Ok(LanguageMeans { means })
    }

    /// `vector` as if asked in `to` rather than `from`, the difference of the two means taken
    /// `strength` times (a unit vector; unchanged when the two are the same language or the
    /// dimensions differ).
    pub fn shift(&self, vector: &[f32], from: Language, to: Language, strength: f32) -> Vec<f32> {
        let (away, towards) = (&self.means[from as usize], &self.means[to as usize]);
        if from == to || away.len() != vector.len() || towards.len() != vector.len() {
            return vector.to_vec();
        }
        normalise(
            vector
                .iter()
                .zip(away.iter().zip(towards))
                .map(|(v, (a, t))| v + strength * (t - a))
                .collect(),
        )
    }
}

/// [`LanguageMeans`] computed on first use and kept (for one embedder).
#[derive(Clone, Default)]
pub struct Bridge(Arc<OnceCell<LanguageMeans>>);

impl Bridge {
    pub async fn means(&self, embedder: &dyn Embedder) -> Result<&LanguageMeans, LlmError> {
        self.0.get_or_try_init(|| LanguageMeans::of(embedder)).await
    }
}

fn sentences() -> Vec<[&'static str; 3]> {
    SENTENCES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split('\t').map(str::trim);
            Some([cells.next()?, cells.next()?, cells.next()?])
        })
        .filter(|row| row.iter().all(|cell| !cell.is_empty()))
        .collect()
}

fn mean(vectors: &[Vec<f32>]) -> Vec<f32> {
    let width = vectors.first().map_or(0, Vec::len);
    let mut sum = vec![0.0f32; width];
    for vector in vectors.iter().filter(|v| v.len() == width) {
        sum.iter_mut().zip(vector).for_each(|(s, v)| *s += v);
    }
    let n = vectors.len().max(1) as f32;
    sum.iter_mut().for_each(|s| *s /= n);
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::language::guess;

    #[test]
    fn every_line_has_the_three_languages_and_each_cell_reads_as_its_own() {
        let rows = sentences();
        assert!(rows.len() >= 40, "{} rows", rows.len());
        for row in rows {
            for language in LANGUAGES {
                let cell = row[language as usize];
                if language != Language::English {
                    assert_eq!(guess(cell), Some(language), "{cell}");
                }
            }
        }
    }

    #[test]
    fn a_shift_removes_one_mean_and_adds_the_other() {
        let means = LanguageMeans {
            means: [vec![0.0, 1.0], vec![0.0, 0.0], vec![1.0, 0.0]],
        };
        // From Uzbek (1, 0) to English (0, 1): (1, 0) - (1, 0) + (0, 1) = (0, 1).
        let shifted = means.shift(&[1.0, 0.0], Language::Uzbek, Language::English, 1.0);
        assert!((shifted[0]).abs() < 1e-6 && (shifted[1] - 1.0).abs() < 1e-6);
        assert_eq!(
            means.shift(&[0.6, 0.8], Language::English, Language::English, 1.0),
            vec![0.6, 0.8]
        );
    }
}

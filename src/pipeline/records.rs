//! Inputs into records: each input's parse from the extraction cache, or parsed now (and
//! cached); then interpreted. In parallel, one input per task; a panic costs its input.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::extract::Input;
use crate::model::SourceFile;
use crate::pipeline::cache;
use crate::transform::tables::Context;
use crate::transform::FileResult;

/// Turns inputs into records: each one's parse from the cache, or parsed now (and cached);
/// then interpreted. In parallel; results keyed by input index.
pub(crate) struct Records<'a> {
    pub pool: &'a rayon::ThreadPool,
    pub ctx: &'a Context<'a>,
    /// None for `validate`, which writes nothing.
    pub cache: Option<&'a cache::Cache>,
    /// Parse every input again (`--full`): the cache is written, not read.
    pub reread: bool,
    pub inputs: &'a [Input],
    pub files: &'a [Arc<SourceFile>],
    pub keys: &'a [String],
    /// Which inputs were opened (to hash or to parse them).
    pub opened: &'a [AtomicBool],
}

impl<'a> Records<'a> {
    pub fn new(
        pool: &'a rayon::ThreadPool,
        ctx: &'a Context<'a>,
        cache: Option<&'a cache::Cache>,
        plan: &'a crate::pipeline::plan::Plan,
    ) -> Records<'a> {
        Records {
            pool,
            ctx,
            cache,
            reread: plan.reread,
            inputs: &plan.inputs,
            files: &plan.files,
            keys: &plan.keys,
            opened: &plan.opened,
        }
    }

    pub fn of(&self, which: &[usize]) -> BTreeMap<usize, FileResult> {
        let progress = (std::io::stderr().is_terminal() && which.len() > 1).then(|| {
            let bar = indicatif::ProgressBar::new(which.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} extracting [{bar:30}] {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        let results: Vec<(usize, FileResult)> = self.pool.install(|| {
            which
                .par_iter()
                .map(|&i| {
                    let result = self.one(i);
                    if let Some(bar) = &progress {
                        bar.inc(1);
                        bar.set_message(self.inputs[i].relative.clone());
                    }
                    (i, result)
                })
                .collect()
        });
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        results.into_iter().collect()
    }

    fn one(&self, i: usize) -> FileResult {
        let (input, file, key) = (&self.inputs[i], &self.files[i], &self.keys[i]);
        let span = tracing::info_span!("extract", file = %input.relative);
        let _entered = span.enter();
        let cache = self.cache.filter(|_| !key.is_empty());
        let cached = cache.filter(|_| !self.reread).and_then(|c| c.get(key));
        let document = cached.unwrap_or_else(|| {
            let document = crate::extract::parse(input, file, self.ctx.limits);
            if document.cacheable() {
                self.opened[i].store(true, Ordering::Relaxed);
                if let Some(Err(e)) = cache.map(|c| c.put(key, &document)) {
                    tracing::warn!("cannot write the extraction cache: {e}");
                }
            }
            document
        });
        // Interpretation that panics (a bug of juesuan's) costs its file, never the batch.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::transform::interpret(self.ctx, input, file.clone(), &document)
        }))
        .unwrap_or_else(|panic| {
            let message = crate::extract::panic_message(panic.as_ref());
            crate::transform::panicked(self.ctx, input, file.clone(), &message)
        });
        let x = &result.extraction;
        for finding in &x.findings {
            tracing::warn!("{}", finding.message);
        }
        for reject in &x.rejects {
            tracing::warn!("rejected: {reject}");
        }
        tracing::debug!(
            rows = x.expenditure.len(),
            rejects = x.rejects.len(),
            "extracted"
        );
        result
    }
}

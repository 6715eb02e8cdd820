//! Inputs into records: each input's parse from the extraction cache, or parsed now (and
//! cached); then interpreted. In parallel, one input per task; a panic costs its input.
//! Records are counted while held ([`Live`]), so that a run can show it streams.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::extract::Input;
use crate::model::SourceFile;
use crate::pipeline::cache;
use crate::pipeline::spill::Spill;
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
    /// The records held by the run at this moment, and at most.
    pub live: &'a Live,
    /// The records of inputs read but not kept, for the build to read back.
    spill: Option<Spill>,
    /// Whether each input's findings and rejects were logged: once a run, however often
    /// it is interpreted.
    logged: Vec<AtomicBool>,
    /// Inputs interpreted a second time (their spill could not be written or read back).
    again: AtomicUsize,
}

/// Records held in memory (see [`crate::transform::Extraction::records`]): now, and the
/// most at any moment of the run. What pins the streaming: a run holds the records of the
/// unit-years in flight, never a partition's or the corpus's.
#[derive(Debug, Default)]
pub struct Live {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Live {
    fn add(&self, n: usize) {
        let now = self.now.fetch_add(n, Ordering::Relaxed) + n;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    fn sub(&self, n: usize) {
        self.now.fetch_sub(n, Ordering::Relaxed);
    }

    pub fn now(&self) -> usize {
        self.now.load(Ordering::Relaxed)
    }

    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}

/// One input's records, counted in [`Live`] while they are held.
pub struct Held<'a> {
    pub result: FileResult,
    pub records: usize,
    live: &'a Live,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.live.sub(self.records);
    }
}

impl<'a> Records<'a> {
    pub fn new(
        pool: &'a rayon::ThreadPool,
        ctx: &'a Context<'a>,
        cache: Option<&'a cache::Cache>,
        plan: &'a crate::pipeline::plan::Plan,
        live: &'a Live,
    ) -> Records<'a> {
        Records {
            cache,
            reread: plan.reread,
            spill: cache.map(|c| Spill::new(c.dir())),
            ..Records::uncached(
                pool,
                ctx,
                &plan.inputs,
                &plan.files,
                &plan.keys,
                &plan.opened,
                live,
            )
        }
    }

    /// Records of inputs read anew, without a cache (and so without a spill): `validate`'s.
    pub fn uncached(
        pool: &'a rayon::ThreadPool,
        ctx: &'a Context<'a>,
        inputs: &'a [Input],
        files: &'a [Arc<SourceFile>],
        keys: &'a [String],
        opened: &'a [AtomicBool],
        live: &'a Live,
    ) -> Records<'a> {
        Records {
            pool,
            ctx,
            cache: None,
            reread: true,
            inputs,
            files,
            keys,
            opened,
            live,
            spill: None,
            logged: inputs.iter().map(|_| AtomicBool::new(false)).collect(),
            again: AtomicUsize::new(0),
        }
    }

    /// `f` of each input of `which`, in parallel, in the order of `which`; each input's
    /// records are dropped after `f` unless it keeps them.
    pub fn map<T: Send>(
        &self,
        which: &[usize],
        f: impl Fn(usize, Held<'a>) -> T + Sync + Send,
    ) -> Vec<(usize, T)> {
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
        let results: Vec<(usize, T)> = self.pool.install(|| {
            which
                .par_iter()
                // One input per task: inputs differ in size by 10× and more, and a range a
                // thread has begun is never split again, so with longer ranges a run ends
                // with one thread working through its last range while the others wait
                // (≈ 75 ms of 1.2 s at 1,800 workbooks).
                .with_max_len(1)
                .map(|&i| {
                    let result = f(i, self.one(i, !self.reread));
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
        results
    }

    /// The records of input `i`: interpreted from its cached parse when `from_cache` (and
    /// the cache has it), else parsed now (and cached).
    pub fn one(&self, i: usize, from_cache: bool) -> Held<'a> {
        self.held(self.interpret(i, from_cache))
    }

    fn held(&self, result: FileResult) -> Held<'a> {
        let records = result.extraction.records();
        self.live.add(records);
        Held {
            result,
            records,
            live: self.live,
        }
    }

    /// Lets go of input `i`'s records, writing them out for [`Records::again`] (when the
    /// run has a spill).
    pub fn spill(&self, i: usize, held: Held<'a>) {
        if let Some(spill) = &self.spill {
            spill.put(i, &held.result.extraction);
        }
    }

    /// The records of input `i` once more: as spilled, else interpreted again from its
    /// cached parse.
    pub fn again(&self, i: usize) -> Held<'a> {
        match self.spill.as_ref().and_then(|s| s.get(i)) {
            Some(extraction) => self.held(FileResult {
                input: self.inputs[i].clone(),
                file: self.files[i].clone(),
                extraction,
            }),
            None => {
                if self.logged[i].load(Ordering::Relaxed) {
                    self.again.fetch_add(1, Ordering::Relaxed);
                }
                self.one(i, true)
            }
        }
    }

    /// How many inputs were interpreted a second time this run.
    pub fn interpreted_again(&self) -> usize {
        self.again.load(Ordering::Relaxed)
    }

    /// How many inputs' records are spilled.
    pub fn spilled(&self) -> usize {
        self.spill.as_ref().map_or(0, Spill::len)
    }

    fn interpret(&self, i: usize, from_cache: bool) -> FileResult {
        let (input, file, key) = (&self.inputs[i], &self.files[i], &self.keys[i]);
        let span = tracing::info_span!("extract", file = %input.relative);
        let _entered = span.enter();
        let cache = self.cache.filter(|_| !key.is_empty());
        let cached = cache.filter(|_| from_cache).and_then(|c| c.get(key));
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
        if !self.logged[i].swap(true, Ordering::Relaxed) {
            for finding in &x.findings {
                tracing::warn!("{}", finding.message);
            }
            for reject in &x.rejects {
                tracing::warn!("rejected: {reject}");
            }
        }
        tracing::debug!(
            rows = x.expenditure.len(),
            rejects = x.rejects.len(),
            "extracted"
        );
        result
    }
}

//! A warehouse on object storage (`s3://bucket/prefix`, `gs://…`, `az://…`) through the
//! `object_store` crate. Object stores have no rename, no link and no lock, so the commit is
//! a pointer:
//!
//! ```text
//! <prefix>/_juesuan/current.json                         {"version": "<run id>"}: the published one
//! <prefix>/versions/<run id>/expenditure/year=2023/110102.parquet   … every dataset, as on disk
//! <prefix>/versions/<run id>/_manifest.json, _SUCCESS
//! <prefix>/versions/<run id>/_juesuan/state.json          what the next run needs to know
//! <prefix>/versions/<run id>/_juesuan/base                the version it was built on
//! ```
//!
//! A version is written in full under its own prefix (files of untouched partitions are
//! server-side copies), then published by one conditional put of the pointer: `If-Match` the
//! pointer's ETag as this run found it (`If-None-Match: *` for the first), so of two runs
//! that started from the same version only the first to publish wins; the other is refused
//! and removes its files. Readers resolve the pointer, then read
//! `<prefix>/versions/<version>/<dataset>/` like a local warehouse.
//!
//! Configured by the standard environment variables of each store (`AWS_ENDPOINT_URL`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`, …).

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::load::sink::Sink;

/// The pointer object: which version readers should read.
#[derive(Debug, Serialize, Deserialize)]
pub struct Pointer {
    pub version: String,
    /// When it was published (RFC 3339).
    #[serde(default)]
    pub published: String,
}

pub const POINTER: &str = "_juesuan/current.json";
pub const STATE: &str = "_juesuan/state.json";

/// The schemes juesuan writes to through `object_store`.
pub const SCHEMES: [&str; 5] = ["s3", "s3a", "gs", "az", "abfss"];

/// True when `output` names an object store (`s3://…`) rather than a directory.
pub fn is_store_url(output: &str) -> bool {
    output
        .split_once("://")
        .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme))
}

pub struct ObjectSink {
    store: Arc<dyn ObjectStore>,
    url: String,
    prefix: StorePath,
    runtime: tokio::runtime::Runtime,
    /// The pointer as found when opened, with its ETag (the condition of the publish).
    current: Option<(String, UpdateVersion)>,
    cache: PathBuf,
}

impl ObjectSink {
    /// Connects to the store named by `url` (credentials and endpoint from the environment)
    /// and reads the pointer. Nothing is written.
    pub fn open(url: &str) -> Result<ObjectSink> {
        let fail = |reason: String| Error::Store {
            url: url.to_string(),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|e| fail(e.to_string()))?;
        let store: Arc<dyn ObjectStore> = match parsed.scheme() {
            "s3" | "s3a" => Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url)
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            ),
            "gs" => Arc::new(
                object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_url(url)
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            ),
            "az" | "abfss" => Arc::new(
                object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_url(url)
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            ),
            other => {
                return Err(fail(format!(
                    "{other}:// is not an object store juesuan writes to"
                )))
            }
        };
        let prefix = StorePath::from(parsed.path().trim_matches('/'));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("starting the I/O runtime: {e}")))?;
        let mut sink = ObjectSink {
            store,
            url: url.trim_end_matches('/').to_string(),
            prefix,
            runtime,
            current: None,
            cache: cache_dir(url),
        };
        sink.current = sink.read_pointer()?;
        Ok(sink)
    }

    fn fail(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Store {
            url: self.url.clone(),
            reason: format!("{what}: {e}"),
        }
    }

    fn path(&self, relative: &str) -> StorePath {
        let joined = if self.prefix.as_ref().is_empty() {
            relative.to_string()
        } else {
            format!("{}/{relative}", self.prefix)
        };
        StorePath::from(joined.as_str())
    }

    fn version_path(&self, version: &str, relative: &str) -> StorePath {
        if relative.is_empty() {
            self.path(&format!("versions/{version}"))
        } else {
            self.path(&format!("versions/{version}/{relative}"))
        }
    }

    fn get(&self, path: &StorePath) -> Result<Option<(Vec<u8>, UpdateVersion)>> {
        self.runtime.block_on(async {
            match self.store.get(path).await {
                Ok(got) => {
                    let version = UpdateVersion {
                        e_tag: got.meta.e_tag.clone(),
                        version: got.meta.version.clone(),
                    };
                    let bytes = got.bytes().await.map_err(|e| self.fail(path.as_ref(), e))?;
                    Ok(Some((bytes.to_vec(), version)))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.fail(path.as_ref(), e)),
            }
        })
    }

    fn read_pointer(&self) -> Result<Option<(String, UpdateVersion)>> {
        let Some((bytes, version)) = self.get(&self.path(POINTER))? else {
            return Ok(None);
        };
        let pointer: Pointer = serde_json::from_slice(&bytes)
            .map_err(|e| self.fail(POINTER, format!("not a juesuan pointer: {e}")))?;
        Ok(Some((pointer.version, version)))
    }

    fn list(&self, prefix: &StorePath) -> Result<Vec<object_store::ObjectMeta>> {
        self.runtime.block_on(async {
            self.store
                .list(Some(prefix))
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| self.fail(prefix.as_ref(), e))
        })
    }
}

/// The extraction cache of a warehouse on object storage stays on the machine that runs:
/// `$JUESUAN_CACHE_DIR`, else `$XDG_CACHE_HOME/juesuan/<store>`, else `~/.cache/juesuan/<store>`.
fn cache_dir(url: &str) -> PathBuf {
    let name: String = url
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Some(dir) = std::env::var_os("JUESUAN_CACHE_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("juesuan").join(name)
}

impl Sink for ObjectSink {
    fn describe(&self) -> String {
        self.url.clone()
    }

    fn current(&self) -> Option<String> {
        self.current.as_ref().map(|(v, _)| v.clone())
    }

    fn versions(&self) -> Result<Vec<String>> {
        let root = self.path("versions");
        let listed = self.runtime.block_on(async {
            self.store
                .list_with_delimiter(Some(&root))
                .await
                .map_err(|e| self.fail(root.as_ref(), e))
        })?;
        let mut out: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        out.sort();
        Ok(out)
    }

    fn files(&self, version: &str) -> Result<Vec<String>> {
        let root = self.version_path(version, "");
        let start = root.as_ref().len() + 1;
        let mut out: Vec<String> = self
            .list(&root)?
            .into_iter()
            .filter_map(|m| m.location.as_ref().get(start..).map(str::to_string))
            .collect();
        out.sort();
        Ok(out)
    }

    fn write(&self, version: &str, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.version_path(version, relative);
        let payload = PutPayload::from(bytes.to_vec());
        self.runtime
            .block_on(self.store.put(&path, payload))
            .map(|_| ())
            .map_err(|e| self.fail(path.as_ref(), e))
    }

    fn read(&self, version: &str, relative: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get(&self.version_path(version, relative))?
            .map(|(bytes, _)| bytes))
    }

    fn delete(&self, version: &str, relative: &str) -> Result<()> {
        let path = self.version_path(version, relative);
        match self.runtime.block_on(self.store.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.fail(path.as_ref(), e)),
        }
    }

    /// A server-side copy (object stores have no links).
    fn share(&self, from: &str, to: &str, relative: &str) -> Result<()> {
        let (src, dst) = (
            self.version_path(from, relative),
            self.version_path(to, relative),
        );
        self.runtime
            .block_on(self.store.copy(&src, &dst))
            .map_err(|e| self.fail(src.as_ref(), e))
    }

    fn create_dir(&self, _version: &str, _relative: &str) -> Result<()> {
        Ok(())
    }

    /// Every put has returned: what was written is durable.
    fn seal(&self, _version: &str) -> Result<()> {
        Ok(())
    }

    /// The state goes into the version, then the pointer is put on the condition that it is
    /// still what this run found.
    fn publish(&self, version: &str, state: &[u8]) -> Result<()> {
        self.write(version, STATE, state)?;
        let pointer = Pointer {
            version: version.to_string(),
            published: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        };
        let bytes = serde_json::to_vec_pretty(&pointer).map_err(|e| Error::Json {
            what: POINTER.into(),
            reason: e.to_string(),
        })?;
        let mode = match &self.current {
            Some((_, seen)) => PutMode::Update(seen.clone()),
            None => PutMode::Create,
        };
        let path = self.path(POINTER);
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match self
            .runtime
            .block_on(self.store.put_opts(&path, PutPayload::from(bytes), options))
        {
            Ok(_) => Ok(()),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => {
                let now = self
                    .read_pointer()
                    .ok()
                    .flatten()
                    .map(|(v, _)| v)
                    .unwrap_or_else(|| "another version".into());
                Err(Error::Locked(format!(
                    "another juesuan run published {now} to {} while this run was working (it started from {}); this run's version {version} was not published and is removed",
                    self.url,
                    self.current().unwrap_or_else(|| "an empty warehouse".into())
                )))
            }
            Err(e) => Err(self.fail(path.as_ref(), e)),
        }
    }

    fn remove(&self, version: &str) {
        tracing::debug!(version, "removing an old or unfinished version");
        let root = self.version_path(version, "");
        let Ok(objects) = self.list(&root) else {
            return;
        };
        for object in objects {
            if let Err(e) = self.runtime.block_on(self.store.delete(&object.location)) {
                tracing::warn!(object = %object.location, error = %e, "could not remove an old object");
            }
        }
    }

    fn read_state(&self) -> Option<Vec<u8>> {
        let current = self.current()?;
        self.read(&current, STATE).ok().flatten()
    }

    fn exclusive(&self) -> bool {
        false
    }

    fn cache_dir(&self) -> PathBuf {
        self.cache.clone()
    }
}

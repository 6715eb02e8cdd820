//! The Parquet writer: settings chosen explicitly, one file per partition.

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

/// Footer metadata every file carries.
pub struct FileMeta<'a> {
    pub dataset: &'a str,
    pub run_id: &'a str,
    pub catalog_version: &'a str,
}

/// Writer settings, set explicitly: zstd, dictionary pages for the many repeated strings,
/// page statistics for predicate push-down, 128 Ki-row groups, our version in the footer.
pub fn writer_properties(meta: &FileMeta) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(128 * 1024))
        .set_created_by(format!("juesuan version {}", crate::VERSION))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("juesuan.version".to_string(), crate::VERSION.to_string()),
            KeyValue::new("juesuan.dataset".to_string(), meta.dataset.to_string()),
            KeyValue::new("juesuan.run_id".to_string(), meta.run_id.to_string()),
            KeyValue::new(
                "juesuan.catalog_version".to_string(),
                meta.catalog_version.to_string(),
            ),
        ]))
        .build()
}

/// Encodes one batch as a Parquet file.
pub fn encode(batch: &RecordBatch, meta: &FileMeta) -> Result<Vec<u8>, String> {
    let mut writer =
        ArrowWriter::try_new(Vec::new(), batch.schema(), Some(writer_properties(meta)))
            .map_err(|e| e.to_string())?;
    writer.write(batch).map_err(|e| e.to_string())?;
    writer.into_inner().map_err(|e| e.to_string())
}

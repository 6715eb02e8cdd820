//! The datasets registry: every dataset of the warehouse, its schema, its grain and how it
//! is partitioned. Everything that lists, writes, counts or documents datasets iterates
//! [`Dataset::ALL`]; the partition path is formatted and parsed here and nowhere else.

use crate::load::schema::{self, DatasetSpec};

pub use crate::model::{PartitionKey, UNKNOWN_PARTITION};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dataset {
    Expenditure,
    Execution,
    Units,
    EconomicExpenditure,
    PerformanceProjects,
    Findings,
    Rejects,
}

impl Dataset {
    /// Every dataset, in the order they are written and documented.
    pub const ALL: [Dataset; 7] = [
        Dataset::Expenditure,
        Dataset::Execution,
        Dataset::Units,
        Dataset::EconomicExpenditure,
        Dataset::PerformanceProjects,
        Dataset::Findings,
        Dataset::Rejects,
    ];

    /// The folder name analysts read.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Expenditure => "expenditure",
            Dataset::Execution => "execution",
            Dataset::Units => "units",
            Dataset::EconomicExpenditure => "economic_expenditure",
            Dataset::PerformanceProjects => "performance_projects",
            Dataset::Findings => "findings",
            Dataset::Rejects => "rejects",
        }
    }

    pub fn from_name(name: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Columns, types and meanings (built once: every group's batches use them).
    pub fn spec(self) -> &'static DatasetSpec {
        &Self::built()[self.index()].0
    }

    /// The Arrow schema of [`Dataset::spec`], built once.
    pub fn arrow_schema(self) -> arrow_schema::SchemaRef {
        Self::built()[self.index()].1.clone()
    }

    /// Every dataset's spec and Arrow schema, in the order of [`Dataset::ALL`].
    fn built() -> &'static [(DatasetSpec, arrow_schema::SchemaRef)] {
        static BUILT: std::sync::LazyLock<Vec<(DatasetSpec, arrow_schema::SchemaRef)>> =
            std::sync::LazyLock::new(|| {
                Dataset::ALL
                    .into_iter()
                    .map(|d| {
                        let spec = match d {
                            Dataset::Expenditure => schema::expenditure(),
                            Dataset::Execution => schema::execution(),
                            Dataset::Units => schema::units(),
                            Dataset::EconomicExpenditure => schema::economic_expenditure(),
                            Dataset::PerformanceProjects => schema::performance_projects(),
                            Dataset::Findings => schema::findings(),
                            Dataset::Rejects => schema::rejects(),
                        };
                        let schema = spec.arrow_schema();
                        (spec, schema)
                    })
                    .collect()
            });
        &BUILT
    }

    /// The position in [`Dataset::ALL`].
    fn index(self) -> usize {
        Dataset::ALL.iter().position(|d| *d == self).unwrap_or(0)
    }

    /// The columns that identify a row (besides the year of its partition): no two rows of
    /// the dataset share them (`transform::grain` enforces it before writing).
    pub fn grain(self) -> &'static [&'static str] {
        match self {
            Dataset::Expenditure | Dataset::EconomicExpenditure => {
                &["unit_id", "source", "fund", "code"]
            }
            Dataset::Execution => &["unit_id", "fund", "code"],
            Dataset::Units => &["unit_id"],
            Dataset::PerformanceProjects => &["unit_id", "project"],
            // Every failed check and every reject is a row of its own.
            Dataset::Findings | Dataset::Rejects => &[],
        }
    }

    /// `expenditure/year=2023/110102.parquet`: where a partition's file lives in a version.
    pub fn partition_path(self, (year, district): &PartitionKey) -> String {
        format!("{}/year={year}/{district}.parquet", self.name())
    }

    /// The dataset and partition of a path [`Dataset::partition_path`] made.
    pub fn parse_partition_path(relative: &str) -> Option<(Dataset, PartitionKey)> {
        let mut parts = relative.split('/');
        let dataset = Dataset::from_name(parts.next()?)?;
        let year = parts.next()?.strip_prefix("year=")?.parse::<i32>().ok()?;
        let district = parts.next()?.strip_suffix(".parquet")?;
        if parts.next().is_some() || district.is_empty() || district.contains('.') {
            return None;
        }
        Some((dataset, (year, district.to_string())))
    }
}

/// `2023/110102`: a partition as the state and the manifest name it.
pub fn partition_label((year, district): &PartitionKey) -> String {
    format!("{year}/{district}")
}

/// The partition a [`partition_label`] names.
pub fn parse_partition_label(label: &str) -> Option<PartitionKey> {
    let (year, district) = label.split_once('/')?;
    Some((year.parse().ok()?, district.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_paths_and_labels_round_trip() {
        for d in Dataset::ALL {
            let key = (2023, "110102".to_string());
            let path = d.partition_path(&key);
            assert_eq!(Dataset::parse_partition_path(&path), Some((d, key.clone())));
            assert_eq!(parse_partition_label(&partition_label(&key)), Some(key));
            assert_eq!(Dataset::from_name(d.name()), Some(d));
            assert_eq!(d.spec().name, d.name());
            for column in d.grain() {
                assert!(
                    d.spec().columns.iter().any(|c| c.name == *column),
                    "{} has no grain column {column}",
                    d.name()
                );
            }
        }
        for bad in [
            "expenditure/year=2023/110102.parquet.tmp",
            "expenditure/2023/110102.parquet",
            "nosuch/year=2023/110102.parquet",
            "expenditure/year=x/110102.parquet",
            "expenditure/year=2023/a/b.parquet",
            "_manifest.json",
        ] {
            assert_eq!(Dataset::parse_partition_path(bad), None, "{bad}");
        }
    }
}

//! Serde for the `Arc`s that records share: the file, the unit, the sheet's name. Inside a
//! [`scope`], each shared value is written in full once and by number after, and read back
//! as one `Arc` again, so that an input's records written out (the run's spill) cost their
//! own fields, not a copy of the unit and the file per row, and come back sharing as they
//! were. Outside a scope every value is written in full.
//!
//! Used as `#[serde(with = "crate::model::shared")]` (and `shared::option` for an
//! `Option<Arc<_>>`).

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::sync::Arc;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::FastMap;

#[derive(Default)]
struct Tables {
    /// (type, address of the value) → its number among the values of its type written.
    written: FastMap<(TypeId, usize), u32>,
    counts: FastMap<TypeId, u32>,
    /// The values of each type read so far, by number (each an `Arc<T>`).
    read: FastMap<TypeId, Vec<Box<dyn Any>>>,
}

thread_local! {
    static SCOPE: RefCell<Option<Tables>> = const { RefCell::new(None) };
}

/// Restores the enclosing scope (or none) when `scope` returns or unwinds.
struct Restore(Option<Tables>);

impl Drop for Restore {
    fn drop(&mut self) {
        let outer = self.0.take();
        SCOPE.with(|s| *s.borrow_mut() = outer);
    }
}

/// Runs `f` (one serialisation or one deserialisation) with sharing on: the shared `Arc`s it
/// writes are written once, those it reads are read as one `Arc` each.
pub fn scope<R>(f: impl FnOnce() -> R) -> R {
    let _restore = Restore(SCOPE.with(|s| s.replace(Some(Tables::default()))));
    f()
}

/// The number of `value` if this scope wrote it before; else `None`, and it is numbered
/// now. Always `None` outside a scope.
fn seen<T: ?Sized + 'static>(value: &Arc<T>) -> Option<u32> {
    let key = (TypeId::of::<T>(), Arc::as_ptr(value) as *const () as usize);
    SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        let t = s.as_mut()?;
        if let Some(&n) = t.written.get(&key) {
            return Some(n);
        }
        let count = t.counts.entry(key.0).or_default();
        t.written.insert(key, *count);
        *count += 1;
        None
    })
}

pub fn serialize<T, S>(value: &Arc<T>, s: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized + 'static,
    S: Serializer,
{
    match seen(value) {
        Some(n) => s.serialize_newtype_variant("Shared", 0, "Seen", &n),
        None => s.serialize_newtype_variant("Shared", 1, "New", &**value),
    }
}

#[derive(Deserialize)]
#[serde(rename = "Shared")]
enum Read<A> {
    Seen(u32),
    New(A),
}

pub fn deserialize<'de, T, D>(d: D) -> Result<Arc<T>, D::Error>
where
    T: ?Sized + 'static,
    Arc<T>: Deserialize<'de>,
    D: Deserializer<'de>,
{
    let ty = TypeId::of::<T>();
    match Read::<Arc<T>>::deserialize(d)? {
        Read::New(value) => {
            SCOPE.with(|s| {
                if let Some(t) = s.borrow_mut().as_mut() {
                    t.read.entry(ty).or_default().push(Box::new(value.clone()));
                }
            });
            Ok(value)
        }
        Read::Seen(n) => SCOPE
            .with(|s| {
                let s = s.borrow();
                let value = s.as_ref()?.read.get(&ty)?.get(n as usize)?;
                value.downcast_ref::<Arc<T>>().cloned()
            })
            .ok_or_else(|| D::Error::custom(format!("shared value {n} was not read before"))),
    }
}

/// The same for an `Option<Arc<_>>`.
pub mod option {
    use super::*;

    struct Write<'a, T: ?Sized>(&'a Arc<T>);

    impl<T: Serialize + ?Sized + 'static> Serialize for Write<'_, T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::serialize(self.0, s)
        }
    }

    struct Wrapped<T: ?Sized>(Arc<T>);

    impl<'de, T> Deserialize<'de> for Wrapped<T>
    where
        T: ?Sized + 'static,
        Arc<T>: Deserialize<'de>,
    {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::deserialize(d).map(Wrapped)
        }
    }

    pub fn serialize<T, S>(value: &Option<Arc<T>>, s: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize + ?Sized + 'static,
        S: Serializer,
    {
        match value {
            Some(v) => s.serialize_some(&Write(v)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Arc<T>>, D::Error>
    where
        T: ?Sized + 'static,
        Arc<T>: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Option::<Wrapped<T>>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Row {
        #[serde(with = "crate::model::shared")]
        sheet: Arc<str>,
        #[serde(with = "crate::model::shared::option")]
        unit: Option<Arc<String>>,
    }

    fn rows() -> Vec<Row> {
        let (a, b): (Arc<str>, Arc<str>) = ("表一".into(), "表二".into());
        let u = Arc::new("某街道办事处".to_string());
        [(&a, Some(&u)), (&b, Some(&u)), (&a, None), (&b, Some(&u))]
            .into_iter()
            .map(|(sheet, unit)| Row {
                sheet: sheet.clone(),
                unit: unit.cloned(),
            })
            .collect()
    }

    /// In a scope each value is written once, and the rows read back share one `Arc` per
    /// value again; outside one, every row carries its own copy and still reads back.
    #[test]
    fn shared_values_are_written_once_and_read_back_shared() {
        let rows = rows();
        let plain = postcard::to_stdvec(&rows).expect("serialised");
        let shared = scope(|| postcard::to_stdvec(&rows)).expect("serialised");
        let once = "表一".len() + "表二".len() + "某街道办事处".len();
        // Each value once; the rows after it name it by one byte.
        assert!(shared.len() < once + 24, "{} bytes", shared.len());
        assert!(plain.len() > once * 2, "{} bytes", plain.len());

        let back: Vec<Row> = scope(|| postcard::from_bytes(&shared)).expect("read");
        assert_eq!(
            back.iter().map(|r| &*r.sheet).collect::<Vec<_>>(),
            ["表一", "表二", "表一", "表二"]
        );
        assert!(Arc::ptr_eq(&back[0].sheet, &back[2].sheet));
        assert!(Arc::ptr_eq(&back[1].sheet, &back[3].sheet));
        let units: Vec<_> = back.iter().filter_map(|r| r.unit.clone()).collect();
        assert_eq!(units.len(), 3);
        assert!(units.iter().all(|u| Arc::ptr_eq(u, &units[0])));
        assert_eq!(*units[0], "某街道办事处");

        let back: Vec<Row> = postcard::from_bytes(&plain).expect("read");
        assert_eq!(&*back[3].sheet, "表二");
        // Bytes written in a scope name earlier values by number: read without a scope,
        // they are refused, never taken for another value.
        assert!(postcard::from_bytes::<Vec<Row>>(&shared).is_err());
    }
}

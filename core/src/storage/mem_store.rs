//! A store held in memory: the key spaces of [`super::SledStore`] in one
//! ordered map, with the same order and the same answers, for runs that
//! need the whole engine a great many times (the fuzzer's model of it)
//! and never its disk.

use std::collections::BTreeMap;
use std::sync::{PoisonError, RwLock};

use super::{Batch, Store, Tree, Visit};
use crate::error::Result;

/// Every pair under its full key (the key space's byte, then the key), as
/// the one sled tree holds them.
#[derive(Debug, Default)]
pub(crate) struct MemStore {
    pairs: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

fn full_key(tree: Tree, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(tree.prefix());
    k.extend_from_slice(key);
    k
}

impl MemStore {
    fn visit<'a>(
        pairs: impl Iterator<Item = (&'a Vec<u8>, &'a Vec<u8>)>,
        f: Visit<'_>,
    ) -> Result<()> {
        for (k, v) in pairs {
            if !f(&k[1..], v)? {
                break;
            }
        }
        Ok(())
    }
}

impl Store for MemStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let pairs = self.pairs.read().unwrap_or_else(PoisonError::into_inner);
        Ok(pairs.get(&full_key(tree, key)).cloned())
    }

    fn for_each_prefix(&self, tree: Tree, prefix: &[u8], f: Visit<'_>) -> Result<()> {
        let pairs = self.pairs.read().unwrap_or_else(PoisonError::into_inner);
        let start = full_key(tree, prefix);
        Self::visit(
            pairs
                .range(start.clone()..)
                .take_while(|(k, _)| k.starts_with(&start)),
            f,
        )
    }

    fn for_each_between(&self, tree: Tree, start: &[u8], end: &[u8], f: Visit<'_>) -> Result<()> {
        let (start, end) = (full_key(tree, start), full_key(tree, end));
        if start >= end {
            return Ok(());
        }
        let pairs = self.pairs.read().unwrap_or_else(PoisonError::into_inner);
        Self::visit(pairs.range(start..end), f)
    }

    fn last_at_or_below(
        &self,
        tree: Tree,
        prefix: &[u8],
        key: &[u8],
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let (start, end) = (full_key(tree, prefix), full_key(tree, key));
        if start > end {
            return Ok(None);
        }
        let pairs = self.pairs.read().unwrap_or_else(PoisonError::into_inner);
        Ok(pairs
            .range(start..=end)
            .next_back()
            .map(|(k, v)| (k[1..].to_vec(), v.clone())))
    }

    fn apply(&self, batch: &Batch) -> Result<()> {
        let mut pairs = self.pairs.write().unwrap_or_else(PoisonError::into_inner);
        for ((tree, key), value) in &batch.ops {
            match value {
                Some(v) => pairs.insert(full_key(*tree, key), v.clone()),
                None => pairs.remove(&full_key(*tree, key)),
            };
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }

    /// The bytes of its keys and values (it has no disk).
    fn size_on_disk(&self) -> Result<u64> {
        let pairs = self.pairs.read().unwrap_or_else(PoisonError::into_inner);
        Ok(pairs.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum())
    }

    fn is_open(&self) -> bool {
        true
    }

    /// Nothing to read again: what it holds is all there is.
    fn reopen(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::storage::SledStore;

    /// A few short keys, so that prefixes, ranges and removals meet.
    fn key() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(0u8..4, 0..4)
    }

    fn tree() -> impl Strategy<Value = Tree> {
        prop_oneof![Just(Tree::Meta), Just(Tree::Events), Just(Tree::Index)]
    }

    fn collect(store: &dyn Store, read: &(Tree, Vec<u8>, Vec<u8>)) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        let (tree, a, b) = read;
        store
            .for_each_prefix(*tree, a, &mut |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                Ok(true)
            })
            .unwrap();
        out.push((b"|".to_vec(), Vec::new()));
        store
            .for_each_between(*tree, a, b, &mut |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                Ok(out.len() % 3 != 0)
            })
            .unwrap();
        out.push((b"|".to_vec(), Vec::new()));
        out.extend(store.last_at_or_below(*tree, a, b).unwrap());
        out.extend(store.get(*tree, a).unwrap().map(|v| (a.clone(), v)));
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        /// Batches of puts and removals, then reads of every kind: the
        /// memory store answers as sled does, key for key.
        #[test]
        fn it_answers_as_sled_does(
            batches in proptest::collection::vec(
                proptest::collection::vec((tree(), key(), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..3))), 0..12),
                1..5,
            ),
            reads in proptest::collection::vec((tree(), key(), key()), 1..12),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let sled = SledStore::open(dir.path(), true).unwrap();
            let memory = MemStore::default();
            for ops in &batches {
                let mut batch = Batch::default();
                for (tree, key, value) in ops {
                    batch.ops.insert((*tree, key.clone()), value.clone());
                }
                sled.apply(&batch).unwrap();
                memory.apply(&batch).unwrap();
            }
            for read in &reads {
                prop_assert_eq!(collect(&sled, read), collect(&memory, read), "{:?}", read);
            }
        }
    }
}

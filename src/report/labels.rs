//! A compact list of strings: every label of a finding in one buffer, with the end offset of each.
//!
//! A finding can name tens of thousands of subjects; one `String` per label costs a 24-byte header and an
//! allocation each, this costs the text plus four bytes per label. It compares, iterates, prints and serializes
//! like the `Vec<String>` it stands for. Clones share the buffer: findings that name the same subjects (one per
//! mode of a path, say) hold one copy of their labels.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A list of strings stored back to back in one buffer, shared by its clones.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Labels {
    inner: Arc<Buffer>,
}

/// The labels' text and the end offset of each.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
struct Buffer {
    text: String,
    ends: Vec<u32>,
}

impl Labels {
    /// An empty list.
    pub fn new() -> Labels {
        Labels::default()
    }

    /// An empty list with room for `count` labels of `bytes` bytes in all.
    pub fn with_capacity(count: usize, bytes: usize) -> Labels {
        Labels {
            inner: Arc::new(Buffer {
                text: String::with_capacity(bytes),
                ends: Vec::with_capacity(count),
            }),
        }
    }

    /// Appends a label. A list holds at most 4 GiB of text: past that the label is not added and this returns
    /// `false`.
    pub fn push(&mut self, label: &str) -> bool {
        let Ok(end) = u32::try_from(self.inner.text.len() + label.len()) else {
            return false;
        };
        let buffer = Arc::make_mut(&mut self.inner);
        buffer.text.push_str(label);
        buffer.ends.push(end);
        true
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.inner.ends.len()
    }

    /// No labels.
    pub fn is_empty(&self) -> bool {
        self.inner.ends.is_empty()
    }

    /// The `i`-th label.
    pub fn get(&self, i: usize) -> Option<&str> {
        let ends = &self.inner.ends;
        let end = *ends.get(i)? as usize;
        let start = match i.checked_sub(1) {
            Some(j) => ends.get(j).map_or(0, |&e| e as usize),
            None => 0,
        };
        self.inner.text.get(start..end)
    }

    /// The labels, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            text: &self.inner.text,
            start: 0,
            ends: self.inner.ends.iter(),
        }
    }

    /// The labels joined by `sep`, as `[String]::join` does.
    pub fn join(&self, sep: &str) -> String {
        let mut out =
            String::with_capacity(self.inner.text.len() + sep.len() * self.len().saturating_sub(1));
        for (i, s) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(s);
        }
        out
    }
}

/// Iterator over the labels of a [`Labels`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    text: &'a str,
    start: usize,
    ends: std::slice::Iter<'a, u32>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let end = *self.ends.next()? as usize;
        let s = self.text.get(self.start..end).unwrap_or_default();
        self.start = end;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Labels {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Labels {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Labels {
        let mut out = Labels::new();
        for s in iter {
            out.push(s.as_ref());
        }
        out
    }
}

/// Ordered as a `Vec<String>` of the same labels: label by label, a list before any longer one it starts.
impl Ord for Labels {
    fn cmp(&self, other: &Labels) -> Ordering {
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Labels) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Labels {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A JSON array of strings, like `Vec<String>`.
impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(v: &[&str]) -> Labels {
        v.iter().collect()
    }

    #[test]
    fn iterates_and_indexes_what_was_pushed() {
        let l = labels(&["host:PAW-01", "", "user:CORP\\alice", "é"]);
        assert_eq!(l.len(), 4);
        assert!(!l.is_empty());
        assert_eq!(
            l.iter().collect::<Vec<_>>(),
            ["host:PAW-01", "", "user:CORP\\alice", "é"]
        );
        assert_eq!(l.get(0), Some("host:PAW-01"));
        assert_eq!(l.get(1), Some(""));
        assert_eq!(l.get(3), Some("é"));
        assert_eq!(l.get(4), None);
        assert_eq!(l.iter().len(), 4);
        assert!(Labels::new().is_empty());
        assert_eq!(Labels::new().iter().next(), None);
    }

    #[test]
    fn orders_like_a_vec_of_strings() {
        let cases: [&[&str]; 7] = [
            &[],
            &["a"],
            &["ab"],
            &["a", "b"],
            &["a", ""],
            &["ab", "a"],
            &["b"],
        ];
        for x in cases {
            for y in cases {
                let vx: Vec<String> = x.iter().map(|s| s.to_string()).collect();
                let vy: Vec<String> = y.iter().map(|s| s.to_string()).collect();
                assert_eq!(labels(x).cmp(&labels(y)), vx.cmp(&vy), "{x:?} vs {y:?}");
                assert_eq!(labels(x) == labels(y), vx == vy, "{x:?} vs {y:?}");
            }
        }
        // The buffers are alike, the lists are not.
        assert!(labels(&["a", "b"]) != labels(&["ab"]));
        assert!(labels(&["a", "b"]) < labels(&["ab"]));
    }

    #[test]
    fn serializes_as_a_json_array_of_strings() {
        let l = labels(&["user:CORP\\alice", "host:\"X\""]);
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"["user:CORP\\alice","host:\"X\""]"#
        );
        assert_eq!(serde_json::to_string(&Labels::new()).unwrap(), "[]");
        assert_eq!(format!("{l:?}"), r#"["user:CORP\\alice", "host:\"X\""]"#);
        assert_eq!(l.join(","), "user:CORP\\alice,host:\"X\"");
        assert_eq!(Labels::new().join(","), "");
    }

    proptest! {
        #[test]
        fn behaves_like_a_vec_of_strings(
            a in proptest::collection::vec("[ab\\\\é]{0,3}", 0..6),
            b in proptest::collection::vec("[ab\\\\é]{0,3}", 0..6),
        ) {
            let (la, lb) = (labels_of(&a), labels_of(&b));
            prop_assert_eq!(la.iter().collect::<Vec<_>>(), a.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(la.cmp(&lb), a.cmp(&b));
            prop_assert_eq!(la == lb, a == b);
            prop_assert_eq!(la.join(","), a.join(","));
            prop_assert_eq!(serde_json::to_string(&la).unwrap(), serde_json::to_string(&a).unwrap());
            prop_assert_eq!(format!("{la:?}"), format!("{a:?}"));
            for (i, s) in a.iter().enumerate() {
                prop_assert_eq!(la.get(i), Some(s.as_str()));
            }
        }
    }

    fn labels_of(v: &[String]) -> Labels {
        v.iter().collect()
    }
}

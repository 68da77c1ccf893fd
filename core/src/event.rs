//! Events with two times: the *valid date* (when it happened in the park)
//! and the *recorded time* (when the database learned it).
//!
//! Events are appended, never changed. A correction is a [`Body::Void`]
//! event that supersedes an earlier one; both stay in history.

use std::borrow::Borrow;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::ids::EventId;
/// When the database learned something: microseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Recorded(pub i64);

impl Recorded {
    /// The instant as a UTC date-time.
    #[must_use]
    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The instant of a UTC date-time.
    #[must_use]
    pub fn from_datetime(t: DateTime<Utc>) -> Recorded {
        Recorded(t.timestamp_micros())
    }
}

/// One stored event of an entity whose domain events are `B`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event<B> {
    /// Its number: global, increasing.
    pub id: EventId,
    /// When it happened (for a void: when the correction was made, in UTC).
    #[serde(with = "crate::days::day")]
    pub valid: NaiveDate,
    /// When it was stored (UTC, to the microsecond).
    pub recorded: Recorded,
    /// What it says.
    pub body: Body<B>,
}

/// A domain event, or a correction that voids an earlier one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Body<B> {
    /// An event of the ledger.
    Domain(B),
    /// A correction: the event `target` is void from now, for `reason`.
    Void {
        /// The event voided.
        target: EventId,
        /// Why.
        reason: String,
    },
}

/// Which events a read sees: those valid on or before `as_of` (all when
/// `None`) among those recorded at or before `known_at` (all when `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Horizon {
    /// The last valid date seen; `None`: every date.
    pub as_of: Option<NaiveDate>,
    /// The last recorded moment seen; `None`: every moment.
    pub known_at: Option<Recorded>,
}

impl Horizon {
    /// Everything known now.
    pub const NOW: Horizon = Horizon {
        as_of: None,
        known_at: None,
    };

    fn known<B>(&self, e: &Event<B>) -> bool {
        self.known_at.is_none_or(|t| e.recorded <= t)
    }

    fn valid<B>(&self, e: &Event<B>) -> bool {
        self.as_of.is_none_or(|d| e.valid <= d)
    }
}

/// The domain events in force under `horizon`, in recording order: known
/// by then, not voided by a void known by then, and valid by `as_of`.
pub(crate) fn active<'a, B: 'a, E: std::borrow::Borrow<Event<B>>>(
    events: &'a [E],
    horizon: &Horizon,
) -> impl Iterator<Item = (&'a Event<B>, &'a B)> + 'a {
    let voided: std::collections::HashSet<EventId> = events
        .iter()
        .map(Borrow::borrow)
        .filter(|e| horizon.known(e))
        .filter_map(|e| match &e.body {
            Body::Void { target, .. } => Some(*target),
            Body::Domain(_) => None,
        })
        .collect();
    let horizon = *horizon;
    events
        .iter()
        .map(Borrow::borrow)
        .filter_map(move |e: &Event<B>| match &e.body {
            Body::Domain(b) if horizon.known(e) && horizon.valid(e) && !voided.contains(&e.id) => {
                Some((e, b))
            }
            _ => None,
        })
}

//! The enterprise register's reads.

use super::*;

/// Which enterprises to list; every field left `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnterpriseFilter {
    /// Only firms of this status.
    pub status: Option<EnterpriseStatus>,
    /// A section (`C`) or division (`C39`) of GB/T 4754; finer codes match by prefix.
    pub industry: Option<String>,
}

/// The register at a year's end as an evaluation reads it.
pub(crate) enum RegisterYear {
    /// Read alone from the checkpoint ([`crate::cache::RegisterAlone`]):
    /// its firms and the year's figures, with `folded` (by id) the firms
    /// whose entries do not serve (`stale`, by id: touched by units of
    /// work since the checkpoint, or with events after the date) folded
    /// as of the date.
    Alone {
        read: crate::cache::RegisterAlone,
        stale: Vec<u64>,
        folded: Vec<Enterprise>,
    },
    /// The records, by id.
    Records(Vec<Arc<Enterprise>>),
}

impl View<'_> {
    /// The last enterprise id given (ids are given in turn: about how many
    /// firms there are).
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) fn last_enterprise_id(&self) -> Result<u64> {
        Ok(record::Ids::next::<Enterprise>(self.store())?.saturating_sub(1))
    }

    /// The register as of this view's date (a year's end, whose figures
    /// of `year` are read): from the checkpoint alone while the records
    /// are not loaded and one serves, else the records.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub(crate) fn register_for_year(&self, year: i32) -> Result<RegisterYear> {
        if let (None, Some(date)) = (self.horizon.known_at, self.horizon.as_of) {
            let _read = self.engine.read_guard();
            if let Some(read) = self.engine.cache.register_alone(self.store(), Some(year)) {
                let mut stale: BTreeSet<u64> = read.touched.iter().copied().collect();
                let listed = crate::enterprise::digest::firms(&read.firms, &mut |f| {
                    if f.latest > date {
                        stale.insert(f.id);
                    }
                    Ok(())
                });
                // A damaged section (its checksum held) reads the records.
                if listed.is_ok() {
                    let stale: Vec<u64> = stale.into_iter().collect();
                    let mut folded = Vec::new();
                    self.fold_stale::<Enterprise>(&stale, &mut |e| {
                        folded.push(e);
                        Ok(())
                    })?;
                    folded.sort_by_key(|e| e.id);
                    return Ok(RegisterYear::Alone {
                        read,
                        stale,
                        folded,
                    });
                }
            }
        }
        Ok(RegisterYear::Records(self.all_shared::<Enterprise>()?))
    }

    /// An enterprise as it stood under this horizon.
    ///
    /// # Errors
    /// [`Error::NotFound`] if it did not exist then.
    pub fn enterprise(&self, id: EnterpriseId) -> Result<Enterprise> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.one::<Enterprise>(id.0)?
                .ok_or_else(|| Error::not_found(crate::Entity::Enterprise, id))
        })
    }

    /// An enterprise by its unified social credit code.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown code.
    pub fn enterprise_by_code(&self, code: &str) -> Result<Enterprise> {
        self.consistently(|v| {
            let id = {
                let _read = v.engine.read_guard();
                v.unique_id::<Enterprise>(keys::index::ENTERPRISE_CODE, code)?
            };
            let id = id.ok_or_else(|| Error::not_found(crate::Entity::Enterprise, code))?;
            v.enterprise(EnterpriseId(id))
        })
    }

    /// An enterprise by any key a person has for it: its id (digits), its
    /// unified social credit code, another id it is recorded with
    /// (纳税人识别号, 组织机构代码, 工商注册号), or its exact registered name
    /// (names compared as parkdb cleans them: spaces at the ends trimmed).
    ///
    /// # Errors
    /// [`Error::NotFound`] saying which kinds of key were tried;
    /// [`Error::Conflict`] for a name two firms are registered under,
    /// listing them.
    pub fn enterprise_by_key(&self, key: &str) -> Result<Enterprise> {
        let key = key.trim();
        if let Ok(id) = key.parse::<u64>() {
            if let Ok(e) = self.enterprise(EnterpriseId(id)) {
                return Ok(e);
            }
        }
        match self.enterprise_by_code(key) {
            Err(Error::NotFound { .. }) => {}
            found => return found,
        }
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            let all = v.all_shared::<Enterprise>()?;
            crate::enterprise::by_other_id_or_name(key, all.iter().map(|e| &**e))
        })
    }

    /// Every enterprise under this horizon.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn enterprises(&self) -> Result<Vec<Enterprise>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.all::<Enterprise>()
        })
    }

    /// [`View::enterprises`] shared with the in-memory view, not copied,
    /// in id order.
    #[cfg_attr(not(feature = "ledgers"), allow(dead_code))]
    pub(crate) fn shared_enterprises(&self) -> Result<Vec<Arc<Enterprise>>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            let mut firms = v.all_shared::<Enterprise>()?;
            firms.sort_unstable_by_key(|e| e.id);
            Ok(firms)
        })
    }

    /// Every event of an enterprise, voids included.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown enterprise.
    pub fn enterprise_history(
        &self,
        id: EnterpriseId,
    ) -> Result<Vec<HistoryEntry<EnterpriseEvent>>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.history_of::<Enterprise>(id.0)
        })
    }

    /// Enterprises under this horizon matching `filter`; industry and (for
    /// reads of now) status go through indexes.
    ///
    /// # Errors
    /// [`Error::Validation`] for an unknown industry code; storage errors.
    pub fn enterprises_where(&self, filter: &EnterpriseFilter) -> Result<Vec<Enterprise>> {
        self.consistently(|v| {
            let industry = filter
                .industry
                .as_deref()
                .map(crate::industry::normalize_industry)
                .transpose()?;
            let _read = v.engine.read_guard();
            let mut candidates = Candidates::default();
            if let Some(code) = &industry {
                // A code is its section then digits: a prefix finds the division and finer codes.
                candidates.narrow(v.engine.cache.with::<Enterprise, _>(v.store(), |m| {
                    m.ids_with_prefix(keys::index::ENTERPRISE_INDUSTRY, code.as_bytes())
                })?);
            }
            if let (Some(s), true) = (filter.status, v.horizon == Horizon::NOW) {
                candidates
                    .narrow(v.lookup::<Enterprise>(keys::index::ENTERPRISE_STATUS, &[s.byte()])?);
            }
            let firms = candidates.load::<Enterprise>(v)?;
            Ok(firms
                .into_iter()
                .filter(|e| filter.status.is_none_or(|s| e.status == s))
                .filter(|e| {
                    industry
                        .as_deref()
                        .is_none_or(|i| e.industry.as_deref().is_some_and(|x| x.starts_with(i)))
                })
                .map(Arc::unwrap_or_clone)
                .collect())
        })
    }
}

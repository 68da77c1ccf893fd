//! What an import looks up by name as it goes: firms by credit code or
//! name, programmes, applications, those the database holds and those the
//! import adds.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::enterprise::{Enterprise, EnterpriseId};
use crate::error::Result;
use crate::fund::{Application, ApplicationId, Programme, ProgrammeId};
use crate::units::Yuan;
use crate::writer::Writer;

use super::row::{firm_ref, Row, RowError};

pub(super) struct Lookups {
    pub(super) by_code: HashMap<String, EnterpriseId>,
    /// Enterprises by name, each with whether it has a credit code.
    pub(super) by_name: HashMap<String, Vec<(EnterpriseId, bool)>>,
    /// Enterprises by their other ids (纳税人识别号, 组织机构代码, 工商注册号).
    pub(super) by_other_id: HashMap<String, EnterpriseId>,
    pub(super) programmes: HashMap<String, ProgrammeId>,
    pub(super) applications: HashMap<String, ApplicationId>,
    /// The applications the database holds, by programme, applicant and
    /// title: (id, received, requested).
    pub(super) received:
        HashMap<(ProgrammeId, EnterpriseId, String), (ApplicationId, NaiveDate, Yuan)>,
}

impl Lookups {
    pub(super) fn load(w: &Writer) -> Result<Lookups> {
        let mut l = Lookups {
            by_code: HashMap::new(),
            by_name: HashMap::new(),
            by_other_id: HashMap::new(),
            programmes: HashMap::new(),
            applications: HashMap::new(),
            received: HashMap::new(),
        };
        for e in w.records::<Enterprise>()? {
            l.add_firm(&e.name, e.credit_code.as_deref(), e.id);
            for (_, id) in &e.other_ids {
                l.by_other_id.insert(id.clone(), e.id);
            }
        }
        for p in w.records::<Programme>()? {
            l.programmes.insert(p.name, p.id);
        }
        for a in w.records::<Application>()? {
            l.received.insert(
                (a.programme, a.applicant, a.title),
                (a.id, a.received, a.requested),
            );
        }
        Ok(l)
    }

    pub(super) fn add_firm(&mut self, name: &str, code: Option<&str>, id: EnterpriseId) {
        if let Some(c) = code {
            self.by_code.insert(c.to_owned(), id);
        }
        self.by_name
            .entry(name.to_owned())
            .or_default()
            .push((id, code.is_some()));
    }

    pub(super) fn firm(&self, row: &Row<'_>) -> Result<EnterpriseId, RowError> {
        match firm_ref(row) {
            None => Err(row.whole("names no enterprise: give 企业名称 or 统一社会信用代码")),
            Some((Some(code), _)) => self.coded(row, "credit_code", &code),
            Some((None, Some(name))) => self.named(row, "enterprise", &name),
            Some((None, None)) => unreachable!("firm_ref returns a code or a name"),
        }
    }

    /// The enterprise with credit code `code`, else an error at `field`.
    pub(super) fn coded(
        &self,
        row: &Row<'_>,
        field: &str,
        code: &str,
    ) -> Result<EnterpriseId, RowError> {
        self.by_code
            .get(code)
            .copied()
            .ok_or_else(|| row.err(field, format!("no enterprise has credit code {code}")))
    }

    /// The one enterprise named `name` (with whether it has a credit
    /// code): `None` if none is, an error at `field` if several are.
    pub(super) fn one_named(
        &self,
        row: &Row<'_>,
        field: &str,
        name: &str,
    ) -> Result<Option<(EnterpriseId, bool)>, RowError> {
        match self.by_name.get(name).map(Vec::as_slice) {
            Some([one]) => Ok(Some(*one)),
            Some([_, ..]) => Err(row.err(
                field,
                format!("{name:?} names several enterprises; give the credit code"),
            )),
            _ => Ok(None),
        }
    }

    /// The one enterprise named `name`, else an error at `field`.
    pub(super) fn named(
        &self,
        row: &Row<'_>,
        field: &str,
        name: &str,
    ) -> Result<EnterpriseId, RowError> {
        self.one_named(row, field, name)?
            .map(|(id, _)| id)
            .ok_or_else(|| row.err(field, format!("no enterprise is named {name:?}")))
    }

    /// The enterprise a cell names: a credit code (18 characters) or a name.
    pub(super) fn firm_named(
        &self,
        row: &Row<'_>,
        field: &str,
        text: &str,
    ) -> Result<EnterpriseId, RowError> {
        let code = text.trim().to_uppercase();
        if let Some(id) = self.by_other_id.get(&code) {
            return Ok(*id);
        }
        if code.len() == 18 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return self.coded(row, field, &code);
        }
        self.named(row, field, text)
    }

    /// The registered enterprise a register row means: by its credit code
    /// if it gives one, else by its name; `None` for a new one. A code the
    /// register lacks, on a row whose name is a firm registered without a
    /// code, is a contradiction: no event gives a firm its code.
    pub(super) fn existing_firm(
        &self,
        row: &Row<'_>,
        code: Option<&str>,
        name: &str,
    ) -> Result<Option<EnterpriseId>, RowError> {
        let Some(code) = code else {
            return Ok(self.one_named(row, "name", name)?.map(|(id, _)| id));
        };
        if let Some(id) = self.by_code.get(code) {
            return Ok(Some(*id));
        }
        match self.one_named(row, "name", name) {
            Ok(Some((_, false))) => Err(row.err(
                "credit_code",
                format!(
                    "the register holds {name} without a credit code; the ledger says {code}: \
                     a firm's credit code is entered with the firm, not added by an import"
                ),
            )),
            _ => Ok(None),
        }
    }

    pub(super) fn application(&self, row: &Row<'_>) -> Result<ApplicationId, RowError> {
        let r = row.text("ref").unwrap_or_default();
        if let Some(id) = self.applications.get(&r) {
            return Ok(*id);
        }
        r.strip_prefix('A')
            .and_then(|n| n.parse().ok())
            .map(ApplicationId)
            .ok_or_else(|| row.err("ref", format!("no application {r:?} in this import (an earlier one is named A and its id, e.g. A12)")))
    }
}

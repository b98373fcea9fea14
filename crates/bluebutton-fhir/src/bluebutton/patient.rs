//! Patient helpers: Medicare Beneficiary Identifiers (current and historic), name and birth date.

use crate::Patient;
use crate::bluebutton::systems::{IDENTIFIER_CURRENCY, MBI, variable_url};

/// One Medicare Beneficiary Identifier of a Patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mbi<'a> {
    /// The MBI.
    pub value: &'a str,
    /// Whether Blue Button marks it `current` (`identifier-currency`); `None` when unmarked.
    pub current: Option<bool>,
}

impl Patient {
    /// Every MBI (`http://hl7.org/fhir/sid/us-mbi` identifier), in order.
    pub fn mbis(&self) -> Vec<Mbi<'_>> {
        self.identifier
            .iter()
            .filter(|i| i.system.as_deref() == Some(MBI))
            .filter_map(|i| {
                let currency = i.type_.as_ref().and_then(|t| {
                    t.coding.iter().find_map(|c| {
                        c.extension
                            .iter()
                            .find(|e| e.url.as_deref() == Some(IDENTIFIER_CURRENCY))
                            .and_then(|e| e.value_coding())
                            .and_then(|c| c.code.as_deref())
                    })
                });
                Some(Mbi {
                    value: i.value.as_deref()?,
                    current: currency.map(|code| code == "current"),
                })
            })
            .collect()
    }

    /// The current MBI: the one marked `current`, else the only unmarked one.
    pub fn current_mbi(&self) -> Option<&str> {
        let mbis = self.mbis();
        if let Some(current) = mbis.iter().find(|m| m.current == Some(true)) {
            return Some(current.value);
        }
        match mbis.as_slice() {
            [only] if only.current.is_none() => Some(only.value),
            _ => None,
        }
    }

    /// The BFD beneficiary id (`bene_id` identifier).
    pub fn bene_id(&self) -> Option<&str> {
        let system = variable_url("bene_id");
        self.identifier
            .iter()
            .find(|i| i.system.as_deref() == Some(system.as_str()))
            .and_then(|i| i.value.as_deref())
    }

    /// The display name: `text`, else given names then family name of the `official` or `usual`
    /// name (else the first).
    pub fn display_name(&self) -> Option<String> {
        let name = self
            .name
            .iter()
            .find(|n| matches!(n.use_.as_deref(), Some("official" | "usual")))
            .or_else(|| self.name.first())?;
        if let Some(text) = &name.text {
            return Some(text.clone());
        }
        let parts: Vec<&str> = name
            .given
            .iter()
            .map(String::as_str)
            .chain(name.family.as_deref())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The birth date, when given to the day.
    pub fn date_of_birth(&self) -> Option<time::Date> {
        self.birth_date.as_ref()?.to_date()
    }
}

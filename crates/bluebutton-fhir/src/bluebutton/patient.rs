//! Patient helpers through [`PatientView`], on the R4 and the STU3 models: Medicare Beneficiary
//! Identifiers (current and historic), BFD beneficiary id, name and birth date.
//!
//! The elements have the same names in both releases, so the implementation is one macro body,
//! instantiated once per release module.

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

/// The Blue Button view of a Patient, for the R4 ([`crate::Patient`]) and the STU3
/// ([`crate::stu3::Patient`]) model alike. (API v1 Patients carry no plain MBI, only its hash.)
pub trait PatientView {
    /// The resource id.
    fn patient_id(&self) -> Option<&str>;

    /// Every MBI (`http://hl7.org/fhir/sid/us-mbi` identifier), in order.
    fn mbis(&self) -> Vec<Mbi<'_>>;

    /// The current MBI: the one marked `current`, else the only unmarked one.
    fn current_mbi(&self) -> Option<&str> {
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
    fn bene_id(&self) -> Option<&str>;

    /// The display name: `text`, else given names then family name of the `official` or `usual`
    /// name (else the first).
    fn display_name(&self) -> Option<String>;

    /// The birth date, when given to the day.
    fn date_of_birth(&self) -> Option<time::Date>;
}

/// `impl PatientView` for the release module in scope as `fhir`.
macro_rules! patient_view {
    () => {
        use super::{IDENTIFIER_CURRENCY, MBI, Mbi, PatientView, variable_url};

        impl PatientView for fhir::Patient {
            fn patient_id(&self) -> Option<&str> {
                self.id.as_deref()
            }

            fn mbis(&self) -> Vec<Mbi<'_>> {
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

            fn bene_id(&self) -> Option<&str> {
                let system = variable_url("bene_id");
                self.identifier
                    .iter()
                    .find(|i| i.system.as_deref() == Some(system.as_str()))
                    .and_then(|i| i.value.as_deref())
            }

            fn display_name(&self) -> Option<String> {
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

            fn date_of_birth(&self) -> Option<time::Date> {
                self.birth_date.as_ref()?.to_date()
            }
        }
    };
}

mod r4 {
    use crate as fhir;
    patient_view!();
}

mod stu3 {
    use crate::stu3 as fhir;
    patient_view!();
}

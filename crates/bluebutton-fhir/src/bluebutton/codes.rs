//! Small accessors on codings, codeable concepts, identifiers and extensions (lookup by CCW variable
//! name), on the R4 and the STU3 datatypes alike (one macro body, instantiated for each release).

use crate::Resource;
use crate::bluebutton::systems::{VARIABLES, variable_name};

/// Looking up extensions in an `extension` list (R4 [`crate::Extension`] or [`crate::stu3::Extension`]).
pub trait ExtensionLookup {
    /// The extension type.
    type Extension;

    /// The first extension with exactly this URL.
    fn extension_by_url(&self, url: &str) -> Option<&Self::Extension>;

    /// The first Blue Button extension for the CCW variable `name`
    /// (URL `https://bluebutton.cms.gov/resources/variables/{name}`).
    fn variable(&self, name: &str) -> Option<&Self::Extension>;
}

/// The accessors, for the datatypes of the release module in scope as `fhir`.
macro_rules! code_accessors {
    () => {
        use super::{ExtensionLookup, VARIABLES, variable_name};
        use fhir::{CodeableConcept, Coding, Extension, ExtensionValue, Identifier};

        impl Coding {
            /// Whether this coding has `system` and `code`.
            pub fn is(&self, system: &str, code: &str) -> bool {
                self.system.as_deref() == Some(system) && self.code.as_deref() == Some(code)
            }
        }

        impl CodeableConcept {
            /// The first coding in `system`.
            pub fn coding_in(&self, system: &str) -> Option<&Coding> {
                self.coding
                    .iter()
                    .find(|c| c.system.as_deref() == Some(system))
            }

            /// The code of the first coding in `system`.
            pub fn code_in(&self, system: &str) -> Option<&str> {
                self.coding_in(system)?.code.as_deref()
            }

            /// Whether some coding has `system` and `code`.
            pub fn has(&self, system: &str, code: &str) -> bool {
                self.coding.iter().any(|c| c.is(system, code))
            }
        }

        impl Extension {
            /// The CCW variable name when the URL is in the Blue Button variables namespace, e.g. `nch_clm_type_cd`.
            pub fn variable_name(&self) -> Option<&str> {
                variable_name(self.url.as_deref()?)
            }

            /// The `valueCoding`, if that is the value's type.
            pub fn value_coding(&self) -> Option<&Coding> {
                match &self.value {
                    Some(ExtensionValue::Coding(coding)) => Some(coding),
                    _ => None,
                }
            }

            /// The value as text when it is a code, string, coding code, identifier value or date.
            pub fn value_text(&self) -> Option<&str> {
                match self.value.as_ref()? {
                    ExtensionValue::Code(s)
                    | ExtensionValue::String(s)
                    | ExtensionValue::Uri(s) => Some(s),
                    ExtensionValue::Coding(c) => c.code.as_deref(),
                    ExtensionValue::Identifier(i) => i.value.as_deref(),
                    ExtensionValue::Date(d) => Some(d.as_str()),
                    ExtensionValue::DateTime(d) => Some(d.as_str()),
                    _ => None,
                }
            }
        }

        impl ExtensionLookup for [Extension] {
            type Extension = Extension;

            fn extension_by_url(&self, url: &str) -> Option<&Extension> {
                self.iter().find(|e| e.url.as_deref() == Some(url))
            }

            fn variable(&self, name: &str) -> Option<&Extension> {
                self.iter().find(|e| {
                    e.url.as_deref().and_then(|u| u.strip_prefix(VARIABLES)) == Some(name)
                })
            }
        }

        impl Identifier {
            /// Whether the identifier's type has the code `code` (any system), e.g. `npi` or `MC`.
            pub fn has_type_code(&self, code: &str) -> bool {
                self.type_.as_ref().is_some_and(|t| {
                    t.coding.iter().any(|c| {
                        c.code
                            .as_deref()
                            .is_some_and(|x| x.eq_ignore_ascii_case(code))
                    })
                })
            }
        }
    };
}

mod r4 {
    use crate as fhir;
    code_accessors!();
}

mod stu3 {
    use crate::stu3 as fhir;
    code_accessors!();
}

/// The R4 resource of `contained` that a local reference such as `#provider-org` points to.
pub fn resolve_contained<'a>(contained: &'a [Resource], reference: &str) -> Option<&'a Resource> {
    let id = reference.strip_prefix('#')?;
    contained.iter().find(|r| r.id() == Some(id))
}

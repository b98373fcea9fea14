//! Explicit spec checks: parsing is lenient, and `validate()` reports what the FHIR R4 spec would reject.
//!
//! Checked: required elements (minimum cardinality), primitive formats (dates, ids, codes, integers,
//! decimals...) and members that the model does not know. Maximum cardinality is enforced by the
//! types themselves (a single element is an `Option`).

use std::fmt;

use crate::Extras;
use crate::primitives::{CheckFormat, PrimitiveKind};

/// What is wrong at one place of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssueKind {
    /// A required element (minimum cardinality 1) is absent.
    Required,
    /// A repeating element has fewer items than its minimum cardinality.
    TooFew {
        /// The minimum cardinality.
        min: usize,
        /// How many there are.
        found: usize,
    },
    /// A primitive value does not have the format of its FHIR type.
    Format {
        /// The FHIR primitive type.
        kind: PrimitiveKind,
        /// What the format should be.
        problem: &'static str,
    },
    /// A member that is not an element of this type (kept verbatim, but not FHIR R4).
    UnknownElement,
}

/// One spec violation found by [`Validate::validate`], with the FHIRPath-like location of the element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// Where, e.g. `ExplanationOfBenefit.item[0].adjudication[1].category`.
    pub path: String,
    /// What is wrong.
    pub kind: IssueKind,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            IssueKind::Required => write!(f, "{}: required element is missing", self.path),
            IssueKind::TooFew { min, found } => {
                write!(
                    f,
                    "{}: at least {min} items required, found {found}",
                    self.path
                )
            }
            IssueKind::Format { kind, problem } => {
                write!(f, "{}: invalid {kind:?}: {problem}", self.path)
            }
            IssueKind::UnknownElement => write!(f, "{}: unknown element", self.path),
        }
    }
}

/// Collects issues while walking a resource.
#[derive(Debug)]
pub struct Validator {
    path: String,
    issues: Vec<Issue>,
}

impl Validator {
    /// A validator whose paths start with `root` (e.g. the resource type).
    pub fn new(root: &str) -> Self {
        Validator {
            path: root.to_owned(),
            issues: Vec::new(),
        }
    }

    /// The issues found so far.
    pub fn into_issues(self) -> Vec<Issue> {
        self.issues
    }

    fn push(&mut self, name: &str, kind: IssueKind) {
        self.issues.push(Issue {
            path: format!("{}.{name}", self.path),
            kind,
        });
    }

    fn enter(&mut self, name: &str, index: Option<usize>) -> usize {
        let len = self.path.len();
        self.path.push('.');
        self.path.push_str(name);
        if let Some(index) = index {
            self.path.push_str(&format!("[{index}]"));
        }
        len
    }

    fn leave(&mut self, len: usize) {
        self.path.truncate(len);
    }

    pub(crate) fn required(&mut self, name: &str, present: bool) {
        if !present {
            self.push(name, IssueKind::Required);
        }
    }

    // Generated code calls this only for elements with a minimum cardinality above 1 (none in R4 core).
    #[allow(dead_code)]
    pub(crate) fn min_items(&mut self, name: &str, found: usize, min: usize) {
        if found < min {
            self.push(name, IssueKind::TooFew { min, found });
        }
    }

    pub(crate) fn prim<T: CheckFormat>(
        &mut self,
        name: &str,
        value: &Option<T>,
        kind: PrimitiveKind,
    ) {
        if let Some(value) = value {
            self.one_prim(name, None, value, kind);
        }
    }

    pub(crate) fn prims<T: CheckFormat>(&mut self, name: &str, values: &[T], kind: PrimitiveKind) {
        for (index, value) in values.iter().enumerate() {
            self.one_prim(name, Some(index), value, kind);
        }
    }

    pub(crate) fn one_prim<T: CheckFormat>(
        &mut self,
        name: &str,
        index: Option<usize>,
        value: &T,
        kind: PrimitiveKind,
    ) {
        if let Some(problem) = value.format_problem(kind) {
            let len = self.enter(name, index);
            self.issues.push(Issue {
                path: self.path.clone(),
                kind: IssueKind::Format { kind, problem },
            });
            self.leave(len);
        }
    }

    pub(crate) fn obj<T: Validate + ?Sized>(&mut self, name: &str, value: Option<&T>) {
        if let Some(value) = value {
            let len = self.enter(name, None);
            value.validate_into(self);
            self.leave(len);
        }
    }

    pub(crate) fn objs<T: Validate>(&mut self, name: &str, values: &[T]) {
        for (index, value) in values.iter().enumerate() {
            let len = self.enter(name, Some(index));
            value.validate_into(self);
            self.leave(len);
        }
    }

    pub(crate) fn extras(&mut self, extras: &Extras) {
        for (key, _) in extras.iter() {
            self.push(key, IssueKind::UnknownElement);
        }
    }
}

/// Spec validation of a parsed model value.
pub trait Validate {
    /// Adds this value's issues to `validator` (paths relative to its current position).
    fn validate_into(&self, validator: &mut Validator);

    /// All spec violations of this value; empty when it conforms (as far as the checks go).
    fn validate(&self) -> Vec<Issue> {
        let mut validator = Validator::new(self.validation_root());
        self.validate_into(&mut validator);
        validator.into_issues()
    }

    /// The first segment of the issue paths (the resource or type name).
    fn validation_root(&self) -> &str;
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_into(&self, validator: &mut Validator) {
        (**self).validate_into(validator);
    }

    fn validation_root(&self) -> &str {
        (**self).validation_root()
    }
}

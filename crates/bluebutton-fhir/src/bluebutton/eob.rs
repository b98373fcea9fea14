//! ExplanationOfBenefit helpers through [`ClaimView`], on the R4 and the STU3 models: claim type,
//! use, dates, totals, diagnoses, line items, NPIs.
//!
//! Which codes carry which amount, as BFD sends them:
//! * R4 (API v2/v3):
//!   * submitted: `total[]` with the Blue Button code `.../variables/clm_tot_chrg_amt` (BFD labels it
//!     HL7 `submitted`, or C4BB `priorpayerpaid` on carrier/DME claims) or HL7 `submitted`; for Part D
//!     the C4BB `drugcost` total (`tot_rx_cst_amt`). On lines: HL7 `submitted` (or C4BB `drugcost`).
//!   * allowed: HL7 `eligible` (`line_alowd_chrg_amt`), only on carrier and DME lines; the EOB total
//!     is the sum of the lines.
//!   * paid (Medicare payment): `payment.amount` (`clm_pmt_amt`); else the lines' HL7 `benefit`
//!     amounts (`line_nch_pmt_amt`, Part D `cvrd_d_plan_pd_amt`), else C4BB `paidtoprovider`.
//! * STU3 (API v1): adjudication categories are only Blue Button variable codes.
//!   * submitted: `totalCost` (`clm_tot_chrg_amt`, institutional claims); else the sum of the lines'
//!     `line_sbmtd_chrg_amt`, `rev_cntr_tot_chrg_amt` or Part D `tot_rx_cst_amt`.
//!   * allowed: the sum of the lines' `line_alowd_chrg_amt` (carrier and DME).
//!   * paid: `payment.amount`; else the sum of the lines' `line_nch_pmt_amt`,
//!     `rev_cntr_pmt_amt_amt` (else `rev_cntr_prvdr_pmt_amt`) or Part D `cvrd_d_plan_pd_amt`.
//!
//! The logic shared by both releases (same element names, different Rust types) is one macro body,
//! instantiated once per release module; only what differs (the product element, totals, `use`) is
//! written per release.

use crate::bluebutton::systems::{
    ADJUDICATION, C4BB_ADJUDICATION, HCPCS, HL7_ADJUDICATION, NDC, NPI, variable_url,
};
use crate::{ClaimType, Decimal};

/// Claim-level amounts: what was billed, allowed and paid.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct EobTotals {
    /// Total submitted charges (or Part D gross drug cost).
    pub submitted: Option<Decimal>,
    /// Total allowed amount (sum of line allowed amounts; carrier and DME only).
    pub allowed: Option<Decimal>,
    /// What Medicare (or the Part D plan) paid.
    pub paid: Option<Decimal>,
}

/// One diagnosis of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiagnosisCode<'a> {
    /// `diagnosis.sequence`.
    pub sequence: Option<i64>,
    /// The code system (ICD-10-CM, ICD-9-CM...).
    pub system: Option<&'a str>,
    /// The code, e.g. `A02`.
    pub code: &'a str,
    /// The display text.
    pub display: Option<&'a str>,
    /// The first diagnosis type code, e.g. `principal`.
    pub kind: Option<&'a str>,
}

/// The coded product or service of a claim line (its first coding with a code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProductCode<'a> {
    /// The code system, e.g. the Blue Button HCPCS system or NDC.
    pub system: Option<&'a str>,
    /// The code.
    pub code: &'a str,
}

/// One claim line with its procedure/drug codes and amounts.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LineItem<'a> {
    /// `item.sequence`.
    pub sequence: Option<i64>,
    /// HCPCS/CPT code of the product or service.
    pub hcpcs: Option<&'a str>,
    /// National Drug Code (a product coding or its `ndc` extension).
    pub ndc: Option<&'a str>,
    /// The first coded product or service (R4 `productOrService`, STU3 `service`).
    pub product: Option<ProductCode<'a>>,
    /// The product's display text, else the concept's `text`.
    pub description: Option<&'a str>,
    /// Procedure modifiers (`item.modifier` codes).
    pub modifiers: Vec<&'a str>,
    /// `item.quantity.value`.
    pub quantity: Option<&'a Decimal>,
    /// First date of service.
    pub service_start: Option<time::Date>,
    /// Last date of service.
    pub service_end: Option<time::Date>,
    /// Submitted charge.
    pub submitted: Option<&'a Decimal>,
    /// Allowed amount.
    pub allowed: Option<&'a Decimal>,
    /// Paid amount.
    pub paid: Option<&'a Decimal>,
    /// The beneficiary's deductible on this line.
    pub deductible: Option<&'a Decimal>,
    /// The beneficiary's coinsurance on this line.
    pub coinsurance: Option<&'a Decimal>,
    /// What the beneficiary paid (Part D patient pay, else the beneficiary payment).
    pub patient_paid: Option<&'a Decimal>,
}

/// What an ExplanationOfBenefit is for (R4 `ExplanationOfBenefit.use`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimUse {
    /// `claim`: an adjudicated claim (every STU3 EOB, which has no `use`).
    Claim,
    /// `preauthorization`: a prior authorization, served alongside claims on v3.
    Preauthorization,
    /// `predetermination`: a pre-determination of benefits.
    Predetermination,
}

impl ClaimUse {
    /// The FHIR code, e.g. `preauthorization`.
    pub fn code(self) -> &'static str {
        match self {
            ClaimUse::Claim => "claim",
            ClaimUse::Preauthorization => "preauthorization",
            ClaimUse::Predetermination => "predetermination",
        }
    }

    /// The use of a FHIR code; an absent or unknown code reads as [`ClaimUse::Claim`].
    pub fn from_code(code: Option<&str>) -> ClaimUse {
        match code {
            Some("preauthorization") => ClaimUse::Preauthorization,
            Some("predetermination") => ClaimUse::Predetermination,
            _ => ClaimUse::Claim,
        }
    }
}

/// The Blue Button view of an ExplanationOfBenefit, for the R4 ([`crate::ExplanationOfBenefit`])
/// and the STU3 ([`crate::stu3::ExplanationOfBenefit`]) model alike: code written against it reads
/// claims of every API version.
///
/// ```
/// use bluebutton_fhir::bluebutton::ClaimView;
///
/// fn paid<E: ClaimView>(claims: &[E]) -> Vec<Option<String>> {
///     claims.iter().map(|c| c.totals().paid.map(|d| d.to_string())).collect()
/// }
/// let r4: bluebutton_fhir::ExplanationOfBenefit =
///     bluebutton_fhir::from_json_str(r#"{"resourceType":"ExplanationOfBenefit","payment":{"amount":{"value":7.50}}}"#)?;
/// let stu3: bluebutton_fhir::stu3::ExplanationOfBenefit =
///     bluebutton_fhir::from_json_str(r#"{"resourceType":"ExplanationOfBenefit","payment":{"amount":{"value":7.50}}}"#)?;
/// assert_eq!(paid(&[r4]), paid(&[stu3]));
/// # Ok::<(), bluebutton_fhir::FhirError>(())
/// ```
pub trait ClaimView {
    /// The resource id, e.g. `carrier-9991831999`.
    fn eob_id(&self) -> Option<&str>;

    /// The Blue Button claim type, from the `eob-type` coding of `type` (never from `meta.profile`,
    /// which BFD sets inconsistently).
    fn claim_type(&self) -> Option<ClaimType>;

    /// What the EOB is for: a claim or a prior authorization (STU3 EOBs are always claims).
    fn claim_use(&self) -> ClaimUse;

    /// Whether this is a prior authorization rather than an adjudicated claim.
    fn is_prior_authorization(&self) -> bool {
        self.claim_use() == ClaimUse::Preauthorization
    }

    /// The claim id (`clm_id`, or `pde_id` for Part D).
    fn claim_id(&self) -> Option<&str>;

    /// Start and end of the billable period (each `None` when absent or not given to the day).
    fn billable_period_dates(&self) -> (Option<time::Date>, Option<time::Date>);

    /// The first and last dates of service over all lines, else the billable period.
    fn service_dates(&self) -> (Option<time::Date>, Option<time::Date>) {
        let lines = self.line_items();
        let start = lines.iter().filter_map(|l| l.service_start).min();
        let end = lines.iter().filter_map(|l| l.service_end).max();
        if start.is_none() && end.is_none() {
            self.billable_period_dates()
        } else {
            (start, end)
        }
    }

    /// Submitted, allowed and paid totals (see the module documentation for the codes used).
    fn totals(&self) -> EobTotals;

    /// The diagnosis codes (first coding of each `diagnosisCodeableConcept`), in order.
    fn diagnosis_codes(&self) -> Vec<DiagnosisCode<'_>>;

    /// The claim lines with their codes and amounts.
    fn line_items(&self) -> Vec<LineItem<'_>>;

    /// Every provider NPI named by the claim (billing provider, care team, contained resources), deduplicated.
    fn provider_npis(&self) -> Vec<&str>;

    /// The billing provider's name: the contained Organization `provider` points to, else the
    /// reference's `display`.
    fn provider_name(&self) -> Option<&str>;

    /// The prescriber's NPI (Part D): the care-team member with the role `prescribing`, else
    /// on a Part D claim the first care-team member with an NPI.
    fn prescriber_npi(&self) -> Option<&str>;
}

/// Adjudication categories `(system, code)` for each amount of a line, in order of preference.
struct Categories {
    submitted: &'static [(&'static str, &'static str)],
    allowed: &'static [(&'static str, &'static str)],
    paid: &'static [(&'static str, &'static str)],
    deductible: &'static [(&'static str, &'static str)],
    coinsurance: &'static [(&'static str, &'static str)],
    patient_paid: &'static [(&'static str, &'static str)],
}

const R4_CATEGORIES: Categories = Categories {
    submitted: &[
        (HL7_ADJUDICATION, "submitted"),
        (C4BB_ADJUDICATION, "drugcost"),
    ],
    allowed: &[(HL7_ADJUDICATION, "eligible")],
    paid: &[
        (HL7_ADJUDICATION, "benefit"),
        (C4BB_ADJUDICATION, "paidtoprovider"),
    ],
    deductible: &[(HL7_ADJUDICATION, "deductible")],
    coinsurance: &[(C4BB_ADJUDICATION, "coinsurance")],
    patient_paid: &[
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/ptnt_pay_amt",
        ),
        (C4BB_ADJUDICATION, "paidbypatient"),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/line_bene_pmt_amt",
        ),
    ],
};

const STU3_CATEGORIES: Categories = Categories {
    submitted: &[
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/line_sbmtd_chrg_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/rev_cntr_tot_chrg_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/tot_rx_cst_amt",
        ),
    ],
    allowed: &[(
        ADJUDICATION,
        "https://bluebutton.cms.gov/resources/variables/line_alowd_chrg_amt",
    )],
    paid: &[
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/line_nch_pmt_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/rev_cntr_pmt_amt_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/rev_cntr_prvdr_pmt_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/cvrd_d_plan_pd_amt",
        ),
    ],
    deductible: &[
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/line_bene_ptb_ddctbl_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/rev_cntr_cash_ddctbl_amt",
        ),
    ],
    coinsurance: &[
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/line_coinsrnc_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/rev_cntr_coinsrnc_wge_adjstd_c",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/ptnt_pay_amt",
        ),
    ],
    patient_paid: &[
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/ptnt_pay_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/line_bene_pmt_amt",
        ),
        (
            ADJUDICATION,
            "https://bluebutton.cms.gov/resources/variables/rev_cntr_ptnt_rspnsblty_pmt",
        ),
    ],
};

/// Sums amounts exactly (in cents); `None` when there is none or one is not a plain number.
fn sum<'a>(amounts: impl Iterator<Item = Option<&'a Decimal>>) -> Option<Decimal> {
    let mut total: i128 = 0;
    let mut any = false;
    for amount in amounts.flatten() {
        total = total.checked_add(amount.to_cents()?)?;
        any = true;
    }
    any.then(|| Decimal::from_scaled(total, 2))
}

fn period_dates(
    start: Option<&crate::DateTime>,
    end: Option<&crate::DateTime>,
) -> (Option<time::Date>, Option<time::Date>) {
    (
        start.and_then(|d| d.to_date()),
        end.and_then(|d| d.to_date()),
    )
}

fn push_npi<'a>(npis: &mut Vec<&'a str>, npi: Option<&'a str>) {
    if let Some(value) = npi
        && !npis.contains(&value)
    {
        npis.push(value);
    }
}

/// The helpers whose elements have the same names in every release, for the release module in
/// scope as `fhir` (`item` is the element holding a line's product: R4 `productOrService`, STU3
/// `service`).
macro_rules! shared_claim_helpers {
    (product: $product:ident, categories: $categories:expr) => {
        use fhir::{
            CodeableConcept, ExplanationOfBenefit, ExplanationOfBenefitDiagnosisDiagnosis,
            ExplanationOfBenefitItem, ExplanationOfBenefitItemAdjudication,
            ExplanationOfBenefitItemServiced, Identifier, Reference, Resource,
        };

        use super::{
            Categories, ClaimType, Decimal, DiagnosisCode, EobTotals, HCPCS, LineItem, NDC, NPI,
            ProductCode, period_dates, push_npi, sum, variable_url,
        };
        use crate::bluebutton::systems::EOB_TYPE;

        const CATEGORIES: Categories = $categories;

        fn amount_of<'a>(
            adjudications: &'a [ExplanationOfBenefitItemAdjudication],
            categories: &[(&str, &str)],
        ) -> Option<&'a Decimal> {
            categories.iter().find_map(|(system, code)| {
                adjudications
                    .iter()
                    .find(|a| a.category.as_ref().is_some_and(|c| c.has(system, code)))
                    .and_then(|a| a.amount.as_ref()?.value.as_ref())
            })
        }

        fn line_amounts(
            eob: &ExplanationOfBenefit,
            categories: &[(&str, &str)],
        ) -> Option<Decimal> {
            sum(eob
                .item
                .iter()
                .map(|i| amount_of(&i.adjudication, categories)))
        }

        fn npi_of(identifier: Option<&Identifier>) -> Option<&str> {
            let identifier = identifier?;
            let system = identifier.system.as_deref();
            let npi = system == Some(NPI)
                || system.is_some_and(|s| s.ends_with("_npi_num"))
                || identifier.has_type_code("npi");
            npi.then_some(identifier.value.as_deref()).flatten()
        }

        fn reference_npi(reference: Option<&Reference>) -> Option<&str> {
            npi_of(reference?.identifier.as_deref())
        }

        fn claim_type(eob: &ExplanationOfBenefit) -> Option<ClaimType> {
            eob.type_
                .as_ref()?
                .coding
                .iter()
                .filter(|c| c.system.as_deref() == Some(EOB_TYPE))
                .find_map(|c| c.code.as_deref()?.parse().ok())
        }

        fn claim_id(eob: &ExplanationOfBenefit) -> Option<&str> {
            let clm = variable_url("clm_id");
            let pde = variable_url("pde_id");
            eob.identifier
                .iter()
                .find(|i| matches!(i.system.as_deref(), Some(s) if s == clm || s == pde))
                .and_then(|i| i.value.as_deref())
        }

        fn billable_period_dates(
            eob: &ExplanationOfBenefit,
        ) -> (Option<time::Date>, Option<time::Date>) {
            match &eob.billable_period {
                Some(p) => period_dates(p.start.as_ref(), p.end.as_ref()),
                None => (None, None),
            }
        }

        fn diagnosis_codes(eob: &ExplanationOfBenefit) -> Vec<DiagnosisCode<'_>> {
            eob.diagnosis
                .iter()
                .filter_map(|d| {
                    let ExplanationOfBenefitDiagnosisDiagnosis::CodeableConcept(concept) =
                        d.diagnosis.as_ref()?
                    else {
                        return None;
                    };
                    let coding = concept.coding.iter().find(|c| c.code.is_some())?;
                    Some(DiagnosisCode {
                        sequence: d.sequence,
                        system: coding.system.as_deref(),
                        code: coding.code.as_deref()?,
                        display: coding.display.as_deref(),
                        kind: d
                            .type_
                            .iter()
                            .flat_map(|t| &t.coding)
                            .find_map(|c| c.code.as_deref()),
                    })
                })
                .collect()
        }

        /// NPIs of `references` (billing provider, care team...), then of contained resources.
        fn provider_npis<'a>(
            references: impl Iterator<Item = Option<&'a Reference>>,
            contained: &'a [Resource],
        ) -> Vec<&'a str> {
            let mut npis: Vec<&str> = Vec::new();
            for reference in references {
                push_npi(&mut npis, reference_npi(reference));
            }
            for resource in contained {
                let identifiers = match resource {
                    Resource::Organization(o) => &o.identifier,
                    Resource::Practitioner(p) => &p.identifier,
                    _ => continue,
                };
                for identifier in identifiers {
                    push_npi(&mut npis, npi_of(Some(identifier)));
                }
            }
            npis
        }

        fn item_service_dates(
            item: &ExplanationOfBenefitItem,
        ) -> (Option<time::Date>, Option<time::Date>) {
            match &item.serviced {
                Some(ExplanationOfBenefitItemServiced::Date(d)) => {
                    let date = d.to_date();
                    (date, date)
                }
                Some(ExplanationOfBenefitItemServiced::Period(p)) => {
                    period_dates(p.start.as_ref(), p.end.as_ref())
                }
                None => (None, None),
            }
        }

        fn line_item(item: &ExplanationOfBenefitItem) -> LineItem<'_> {
            let hcpcs_variable = variable_url("hcpcs_cd");
            let product: Option<&CodeableConcept> = item.$product.as_ref();
            let hcpcs =
                product.and_then(|p| p.code_in(HCPCS).or_else(|| p.code_in(&hcpcs_variable)));
            let ndc = product.and_then(|p| {
                p.code_in(NDC).or_else(|| {
                    p.extension
                        .iter()
                        .find(|e| e.url.as_deref() == Some(NDC))
                        .and_then(|e| e.value_coding()?.code.as_deref())
                })
            });
            let coding = product.and_then(|p| p.coding.iter().find(|c| c.code.is_some()));
            let (service_start, service_end) = item_service_dates(item);
            LineItem {
                sequence: item.sequence,
                hcpcs,
                ndc,
                product: coding.and_then(|c| {
                    Some(ProductCode {
                        system: c.system.as_deref(),
                        code: c.code.as_deref()?,
                    })
                }),
                // The first coding's display, else any coding's (a drug's name may sit on a
                // later coding than its code), else the concept's text.
                description: coding
                    .and_then(|c| c.display.as_deref())
                    .or_else(|| product.and_then(|p| p.coding.iter().find_map(|c| c.display.as_deref())))
                    .or_else(|| product.and_then(|p| p.text.as_deref())),
                modifiers: item
                    .modifier
                    .iter()
                    .filter_map(|m| m.coding.iter().find_map(|c| c.code.as_deref()))
                    .collect(),
                quantity: item.quantity.as_ref().and_then(|q| q.value.as_ref()),
                service_start,
                service_end,
                submitted: amount_of(&item.adjudication, CATEGORIES.submitted),
                allowed: amount_of(&item.adjudication, CATEGORIES.allowed),
                paid: amount_of(&item.adjudication, CATEGORIES.paid),
                deductible: amount_of(&item.adjudication, CATEGORIES.deductible),
                coinsurance: amount_of(&item.adjudication, CATEGORIES.coinsurance),
                patient_paid: amount_of(&item.adjudication, CATEGORIES.patient_paid),
            }
        }

        fn line_items(eob: &ExplanationOfBenefit) -> Vec<LineItem<'_>> {
            eob.item.iter().map(line_item).collect()
        }

        /// The totals every release computes the same way: allowed from the lines, paid from
        /// `payment.amount` else the lines.
        fn allowed_and_paid(eob: &ExplanationOfBenefit) -> (Option<Decimal>, Option<Decimal>) {
            let allowed = line_amounts(eob, CATEGORIES.allowed);
            let paid = eob
                .payment
                .as_ref()
                .and_then(|p| p.amount.as_ref()?.value.clone())
                .or_else(|| line_amounts(eob, CATEGORIES.paid));
            (allowed, paid)
        }

        fn totals_from(eob: &ExplanationOfBenefit, submitted: Option<Decimal>) -> EobTotals {
            let (allowed, paid) = allowed_and_paid(eob);
            EobTotals {
                submitted: submitted.or_else(|| line_amounts(eob, CATEGORIES.submitted)),
                allowed,
                paid,
            }
        }
    };
}

/// The `impl ClaimView` methods that only call the shared helpers.
macro_rules! shared_claim_view_methods {
    () => {
        fn eob_id(&self) -> Option<&str> {
            self.id.as_deref()
        }

        fn claim_type(&self) -> Option<ClaimType> {
            claim_type(self)
        }

        fn claim_id(&self) -> Option<&str> {
            claim_id(self)
        }

        fn billable_period_dates(&self) -> (Option<time::Date>, Option<time::Date>) {
            billable_period_dates(self)
        }

        fn diagnosis_codes(&self) -> Vec<DiagnosisCode<'_>> {
            diagnosis_codes(self)
        }

        fn line_items(&self) -> Vec<LineItem<'_>> {
            line_items(self)
        }

        fn provider_name(&self) -> Option<&str> {
            let reference = self.provider.as_ref()?;
            let contained = reference
                .reference
                .as_deref()
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|id| self.contained.iter().find(|r| r.id() == Some(id)));
            let name = match contained {
                Some(Resource::Organization(organization)) => organization.name.as_deref(),
                _ => None,
            };
            name.or(reference.display.as_deref())
        }

        fn prescriber_npi(&self) -> Option<&str> {
            let prescribing = self.care_team.iter().find(|m| {
                m.role.as_ref().is_some_and(|r| {
                    r.coding
                        .iter()
                        .any(|c| c.code.as_deref() == Some("prescribing"))
                })
            });
            match prescribing {
                Some(member) => reference_npi(member.provider.as_ref()),
                None if claim_type(self) == Some(ClaimType::Pde) => self
                    .care_team
                    .iter()
                    .find_map(|m| reference_npi(m.provider.as_ref())),
                None => None,
            }
        }
    };
}

mod r4 {
    use crate as fhir;

    use super::{ADJUDICATION, ClaimUse, ClaimView, R4_CATEGORIES};
    use crate::Organization;

    shared_claim_helpers!(product: product_or_service, categories: R4_CATEGORIES);

    impl ClaimView for ExplanationOfBenefit {
        shared_claim_view_methods!();

        fn claim_use(&self) -> ClaimUse {
            ClaimUse::from_code(self.use_.as_deref())
        }

        fn totals(&self) -> EobTotals {
            let bb_total_charge = variable_url("clm_tot_chrg_amt");
            let submitted = self
                .total
                .iter()
                .find(|t| {
                    t.category.as_ref().is_some_and(|c| {
                        c.has(ADJUDICATION, &bb_total_charge)
                            || CATEGORIES.submitted.iter().any(|(s, code)| c.has(s, code))
                    })
                })
                .and_then(|t| t.amount.as_ref()?.value.clone());
            totals_from(self, submitted)
        }

        fn provider_npis(&self) -> Vec<&str> {
            let references = std::iter::once(self.provider.as_ref())
                .chain(self.care_team.iter().map(|m| m.provider.as_ref()));
            provider_npis(references, &self.contained)
        }
    }

    impl ExplanationOfBenefit {
        /// The contained resource a local reference (`#id`) points to.
        pub fn resolve(&self, reference: &Reference) -> Option<&Resource> {
            crate::bluebutton::resolve_contained(&self.contained, reference.reference.as_deref()?)
        }

        /// The billing provider organization, when `provider` points to a contained Organization.
        pub fn provider_organization(&self) -> Option<&Organization> {
            self.resolve(self.provider.as_ref()?)?.as_organization()
        }
    }
}

mod stu3 {
    use crate::stu3 as fhir;

    use super::{ClaimUse, ClaimView, STU3_CATEGORIES};

    shared_claim_helpers!(product: service, categories: STU3_CATEGORIES);

    impl ClaimView for ExplanationOfBenefit {
        shared_claim_view_methods!();

        fn claim_use(&self) -> ClaimUse {
            ClaimUse::Claim
        }

        fn totals(&self) -> EobTotals {
            let submitted = self.total_cost.as_ref().and_then(|m| m.value.clone());
            totals_from(self, submitted)
        }

        fn provider_npis(&self) -> Vec<&str> {
            let references = [self.provider.as_ref(), self.organization.as_ref()]
                .into_iter()
                .chain(self.care_team.iter().map(|m| m.provider.as_ref()));
            provider_npis(references, &self.contained)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_use_codes_round_trip_and_default_to_claim() {
        for u in [
            ClaimUse::Claim,
            ClaimUse::Preauthorization,
            ClaimUse::Predetermination,
        ] {
            assert_eq!(ClaimUse::from_code(Some(u.code())), u);
        }
        assert_eq!(ClaimUse::from_code(None), ClaimUse::Claim);
    }

    #[test]
    fn stu3_claims_give_the_prescriber_and_the_beneficiary_share() {
        let eob: crate::stu3::ExplanationOfBenefit = crate::from_json_str(
            r#"{"resourceType":"ExplanationOfBenefit",
              "type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"PDE"}]},
              "careTeam":[{"sequence":1,"provider":{"identifier":{"system":"http://hl7.org/fhir/sid/us-npi","value":"3333333333"}}}],
              "item":[{"sequence":1,"adjudication":[
                {"category":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/adjudication","code":"https://bluebutton.cms.gov/resources/variables/ptnt_pay_amt"}]},"amount":{"value":4.25}},
                {"category":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/adjudication","code":"https://bluebutton.cms.gov/resources/variables/line_bene_ptb_ddctbl_amt"}]},"amount":{"value":1.5}}]}]}"#,
        )
        .expect("parses");
        assert_eq!(eob.prescriber_npi(), Some("3333333333"));
        let lines = eob.line_items();
        assert_eq!(lines[0].patient_paid.map(Decimal::as_str), Some("4.25"));
        assert_eq!(lines[0].deductible.map(Decimal::as_str), Some("1.5"));
        let carrier: crate::ExplanationOfBenefit = crate::from_json_str(
            r#"{"resourceType":"ExplanationOfBenefit",
              "careTeam":[{"sequence":1,"provider":{"identifier":{"system":"http://hl7.org/fhir/sid/us-npi","value":"4444444444"}},
                "role":{"coding":[{"code":"performing"}]}}]}"#,
        )
        .expect("parses");
        assert_eq!(
            carrier.prescriber_npi(),
            None,
            "only Part D has a prescriber"
        );
    }

    #[test]
    fn prior_authorizations_are_told_from_claims() {
        let preauth: crate::ExplanationOfBenefit = crate::from_json_str(
            r#"{"resourceType":"ExplanationOfBenefit","use":"preauthorization"}"#,
        )
        .expect("parses");
        assert!(preauth.is_prior_authorization());
        let claim: crate::ExplanationOfBenefit =
            crate::from_json_str(r#"{"resourceType":"ExplanationOfBenefit","use":"claim"}"#)
                .expect("parses");
        assert!(!claim.is_prior_authorization());
        let stu3: crate::stu3::ExplanationOfBenefit =
            crate::from_json_str(r#"{"resourceType":"ExplanationOfBenefit"}"#).expect("parses");
        assert_eq!(stu3.claim_use(), ClaimUse::Claim);
    }
}

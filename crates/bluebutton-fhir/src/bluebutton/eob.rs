//! ExplanationOfBenefit helpers: claim type, dates, totals, diagnoses, line items, NPIs, contained resources.
//!
//! Which codes carry which amount, as BFD v2 sends them (see the bfd/v2 fixtures):
//! * submitted: `total[]` with the Blue Button code `.../variables/clm_tot_chrg_amt` (BFD labels it
//!   HL7 `submitted`, or C4BB `priorpayerpaid` on carrier/DME claims) or HL7 `submitted`; for Part D the
//!   C4BB `drugcost` total (`tot_rx_cst_amt`). On lines: HL7 `submitted` (or C4BB `drugcost`).
//! * allowed: HL7 `eligible` (`line_alowd_chrg_amt`), only on carrier and DME lines; the EOB total is
//!   the sum of the lines.
//! * paid (Medicare payment): `payment.amount` (`clm_pmt_amt`); else the lines' HL7 `benefit` amounts
//!   (`line_nch_pmt_amt`, Part D `cvrd_d_plan_pd_amt`), else C4BB `paidtoprovider`.

use crate::bluebutton::codes::resolve_contained;
use crate::bluebutton::systems::{
    ADJUDICATION, C4BB_ADJUDICATION, HCPCS, HL7_ADJUDICATION, NDC, NPI, variable_url,
};
use crate::{
    ClaimType, CodeableConcept, Decimal, ExplanationOfBenefit,
    ExplanationOfBenefitDiagnosisDiagnosis, ExplanationOfBenefitItem,
    ExplanationOfBenefitItemAdjudication, ExplanationOfBenefitItemServiced, Identifier,
    Organization, Reference, Resource,
};

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

/// One claim line with its procedure/drug codes and amounts.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LineItem<'a> {
    /// `item.sequence`.
    pub sequence: Option<i64>,
    /// HCPCS/CPT code of `productOrService`.
    pub hcpcs: Option<&'a str>,
    /// National Drug Code (a `productOrService` coding or its `ndc` extension).
    pub ndc: Option<&'a str>,
    /// Procedure modifiers (`item.modifier` codes).
    pub modifiers: Vec<&'a str>,
    /// `item.quantity.value`.
    pub quantity: Option<&'a Decimal>,
    /// First date of service.
    pub service_start: Option<time::Date>,
    /// Last date of service.
    pub service_end: Option<time::Date>,
    /// Submitted charge (HL7 `submitted`, or C4BB `drugcost`).
    pub submitted: Option<&'a Decimal>,
    /// Allowed amount (HL7 `eligible`).
    pub allowed: Option<&'a Decimal>,
    /// Paid amount (HL7 `benefit`, else C4BB `paidtoprovider`).
    pub paid: Option<&'a Decimal>,
}

fn category_is(category: Option<&CodeableConcept>, system: &str, code: &str) -> bool {
    category.is_some_and(|c| c.has(system, code))
}

fn amount_of<'a>(
    adjudications: &'a [ExplanationOfBenefitItemAdjudication],
    categories: &[(&str, &str)],
) -> Option<&'a Decimal> {
    categories.iter().find_map(|(system, code)| {
        adjudications
            .iter()
            .find(|a| category_is(a.category.as_ref(), system, code))
            .and_then(|a| a.amount.as_ref()?.value.as_ref())
    })
}

const SUBMITTED: &[(&str, &str)] = &[
    (HL7_ADJUDICATION, "submitted"),
    (C4BB_ADJUDICATION, "drugcost"),
];
const ALLOWED: &[(&str, &str)] = &[(HL7_ADJUDICATION, "eligible")];
const PAID: &[(&str, &str)] = &[
    (HL7_ADJUDICATION, "benefit"),
    (C4BB_ADJUDICATION, "paidtoprovider"),
];

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

fn is_npi(identifier: &Identifier) -> bool {
    identifier.system.as_deref() == Some(NPI)
        || identifier
            .system
            .as_deref()
            .is_some_and(|s| s.ends_with("_npi_num"))
        || identifier.has_type_code("npi")
}

impl ExplanationOfBenefit {
    /// The Blue Button claim type (see [`ClaimType::of`]).
    pub fn claim_type(&self) -> Option<ClaimType> {
        ClaimType::of(self)
    }

    /// The claim id (`clm_id`, or `pde_id` for Part D).
    pub fn claim_id(&self) -> Option<&str> {
        let clm = variable_url("clm_id");
        let pde = variable_url("pde_id");
        self.identifier
            .iter()
            .find(|i| matches!(i.system.as_deref(), Some(s) if s == clm || s == pde))
            .and_then(|i| i.value.as_deref())
    }

    /// Start and end of the billable period (each `None` when absent or not given to the day).
    pub fn billable_period_dates(&self) -> (Option<time::Date>, Option<time::Date>) {
        match &self.billable_period {
            Some(p) => period_dates(p.start.as_ref(), p.end.as_ref()),
            None => (None, None),
        }
    }

    /// The first and last dates of service over all lines (`servicedDate`/`servicedPeriod`), else the
    /// billable period.
    pub fn service_dates(&self) -> (Option<time::Date>, Option<time::Date>) {
        let lines: Vec<(Option<time::Date>, Option<time::Date>)> =
            self.item.iter().map(item_service_dates).collect();
        let start = lines.iter().filter_map(|(s, _)| *s).min();
        let end = lines.iter().filter_map(|(_, e)| *e).max();
        if start.is_none() && end.is_none() {
            self.billable_period_dates()
        } else {
            (start, end)
        }
    }

    /// Submitted, allowed and paid totals (see the module documentation for the codes used).
    pub fn totals(&self) -> EobTotals {
        let bb_total_charge = variable_url("clm_tot_chrg_amt");
        let submitted = self
            .total
            .iter()
            .find(|t| {
                category_is(t.category.as_ref(), ADJUDICATION, &bb_total_charge)
                    || SUBMITTED
                        .iter()
                        .any(|(s, c)| category_is(t.category.as_ref(), s, c))
            })
            .and_then(|t| t.amount.as_ref()?.value.clone())
            .or_else(|| {
                sum(self
                    .item
                    .iter()
                    .map(|i| amount_of(&i.adjudication, SUBMITTED)))
            });
        let allowed = sum(self
            .item
            .iter()
            .map(|i| amount_of(&i.adjudication, ALLOWED)));
        let paid = self
            .payment
            .as_ref()
            .and_then(|p| p.amount.as_ref()?.value.clone())
            .or_else(|| sum(self.item.iter().map(|i| amount_of(&i.adjudication, PAID))));
        EobTotals {
            submitted,
            allowed,
            paid,
        }
    }

    /// The diagnosis codes (first coding of each `diagnosisCodeableConcept`), in order.
    pub fn diagnosis_codes(&self) -> Vec<DiagnosisCode<'_>> {
        self.diagnosis
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

    /// The claim lines with their codes and amounts.
    pub fn line_items(&self) -> Vec<LineItem<'_>> {
        self.item.iter().map(line_item).collect()
    }

    /// Every provider NPI named by the claim (billing provider, care team, contained resources), deduplicated.
    pub fn provider_npis(&self) -> Vec<&str> {
        let mut npis: Vec<&str> = Vec::new();
        push_npi(
            &mut npis,
            self.provider.as_ref().and_then(|p| p.identifier.as_deref()),
        );
        for member in &self.care_team {
            push_npi(
                &mut npis,
                member
                    .provider
                    .as_ref()
                    .and_then(|p| p.identifier.as_deref()),
            );
        }
        for resource in &self.contained {
            let identifiers = match resource {
                Resource::Organization(o) => &o.identifier,
                Resource::Practitioner(p) => &p.identifier,
                _ => continue,
            };
            for identifier in identifiers {
                push_npi(&mut npis, Some(identifier));
            }
        }
        npis
    }

    /// The contained resource a local reference (`#id`) points to.
    pub fn resolve(&self, reference: &Reference) -> Option<&Resource> {
        resolve_contained(&self.contained, reference.reference.as_deref()?)
    }

    /// The billing provider organization, when `provider` points to a contained Organization.
    pub fn provider_organization(&self) -> Option<&Organization> {
        self.resolve(self.provider.as_ref()?)?.as_organization()
    }
}

fn push_npi<'a>(npis: &mut Vec<&'a str>, identifier: Option<&'a Identifier>) {
    if let Some(value) = identifier
        .filter(|i| is_npi(i))
        .and_then(|i| i.value.as_deref())
        && !npis.contains(&value)
    {
        npis.push(value);
    }
}

fn item_service_dates(item: &ExplanationOfBenefitItem) -> (Option<time::Date>, Option<time::Date>) {
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
    let product = item.product_or_service.as_ref();
    let hcpcs = product.and_then(|p| p.code_in(HCPCS).or_else(|| p.code_in(&hcpcs_variable)));
    let ndc = product.and_then(|p| {
        p.code_in(NDC).or_else(|| {
            p.extension
                .iter()
                .find(|e| e.url.as_deref() == Some(NDC))
                .and_then(|e| e.value_coding()?.code.as_deref())
        })
    });
    let (service_start, service_end) = item_service_dates(item);
    LineItem {
        sequence: item.sequence,
        hcpcs,
        ndc,
        modifiers: item
            .modifier
            .iter()
            .filter_map(|m| m.coding.iter().find_map(|c| c.code.as_deref()))
            .collect(),
        quantity: item.quantity.as_ref().and_then(|q| q.value.as_ref()),
        service_start,
        service_end,
        submitted: amount_of(&item.adjudication, SUBMITTED),
        allowed: amount_of(&item.adjudication, ALLOWED),
        paid: amount_of(&item.adjudication, PAID),
    }
}

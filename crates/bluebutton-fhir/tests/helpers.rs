//! Blue Button helpers on the real BFD v2 fixtures: one snapshot per claim type, plus Patient, Coverage
//! and Bundle helpers. Skipped (with a message) when `../shared/fixtures` is absent.

use std::path::PathBuf;

use bluebutton_fhir::bluebutton::prelude::*;
use bluebutton_fhir::bluebutton::{ClaimUse, ClaimView, CoveragePart, CoverageStatus};
use bluebutton_fhir::{
    Bundle, ClaimType, Coverage, ExplanationOfBenefit, Patient, Resource, from_json_str, stu3,
};

fn bfd_v2() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/bfd/v2");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared/fixtures/bfd/v2 not found");
        None
    }
}

/// Parses a fixture as-is: the `IGNORED_FIELD` placeholders must not stop the lenient parse.
fn read<T: for<'de> serde::Deserialize<'de>>(dir: &std::path::Path, name: &str) -> T {
    let text = std::fs::read_to_string(dir.join(name)).expect("fixture is readable");
    from_json_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What the helpers say about one EOB, as rendered in the snapshots.
#[allow(dead_code)] // read through Debug
#[derive(Debug)]
struct EobSummary<'a> {
    claim_type: Option<ClaimType>,
    claim_id: Option<&'a str>,
    billable_period: (Option<time::Date>, Option<time::Date>),
    service_dates: (Option<time::Date>, Option<time::Date>),
    submitted: Option<String>,
    allowed: Option<String>,
    paid: Option<String>,
    diagnoses: Vec<String>,
    lines: Vec<String>,
    provider_npis: Vec<&'a str>,
    provider_organization: Option<&'a str>,
    nch_claim_type: Option<&'a str>,
}

fn summarize(eob: &ExplanationOfBenefit) -> EobSummary<'_> {
    let mut summary = summarize_any(eob);
    summary.provider_organization = eob.provider_organization().and_then(|o| o.name.as_deref());
    summary.nch_claim_type = eob
        .type_
        .as_ref()
        .and_then(|t| t.code_in("https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd"));
    summary
}

fn summarize_any<E: ClaimView>(eob: &E) -> EobSummary<'_> {
    let totals = eob.totals();
    EobSummary {
        claim_type: eob.claim_type(),
        claim_id: eob.claim_id(),
        billable_period: eob.billable_period_dates(),
        service_dates: eob.service_dates(),
        submitted: totals.submitted.map(|d| d.to_string()),
        allowed: totals.allowed.map(|d| d.to_string()),
        paid: totals.paid.map(|d| d.to_string()),
        diagnoses: eob
            .diagnosis_codes()
            .iter()
            .map(|d| format!("{:?} {} ({}) {:?}", d.sequence, d.code, d.system.unwrap_or("-"), d.kind))
            .collect(),
        lines: eob
            .line_items()
            .iter()
            .map(|l| {
                format!(
                    "#{:?} hcpcs={:?} ndc={:?} modifiers={:?} qty={:?} dates={:?}..{:?} submitted={:?} allowed={:?} paid={:?}",
                    l.sequence,
                    l.hcpcs,
                    l.ndc,
                    l.modifiers,
                    l.quantity.map(|q| q.as_str()),
                    l.service_start,
                    l.service_end,
                    l.submitted.map(|d| d.as_str()),
                    l.allowed.map(|d| d.as_str()),
                    l.paid.map(|d| d.as_str()),
                )
            })
            .collect(),
        provider_npis: eob.provider_npis(),
        provider_organization: None,
        nch_claim_type: None,
    }
}

fn bfd_v1() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/bfd/v1");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared/fixtures/bfd/v1 not found");
        None
    }
}

#[test]
fn stu3_eob_helpers_per_claim_type() {
    let Some(dir) = bfd_v1() else { return };
    for (file, expected) in [
        ("eobReadCarrier.json", ClaimType::Carrier),
        ("eobReadDme.json", ClaimType::Dme),
        ("eobReadHha.json", ClaimType::Hha),
        ("eobReadHospice.json", ClaimType::Hospice),
        ("eobReadInpatient.json", ClaimType::Inpatient),
        ("eobReadOutpatient.json", ClaimType::Outpatient),
        ("eobReadPde.json", ClaimType::Pde),
        ("eobReadSnf.json", ClaimType::Snf),
    ] {
        let eob: stu3::ExplanationOfBenefit = read(&dir, file);
        let summary = summarize_any(&eob);
        assert_eq!(summary.claim_type, Some(expected), "{file}");
        assert_eq!(eob.claim_use(), ClaimUse::Claim);
        assert!(summary.paid.is_some(), "{file}: a paid amount");
        assert!(summary.submitted.is_some(), "{file}: a submitted amount");
        insta::assert_debug_snapshot!(format!("stu3_eob_{}", expected.as_str()), summary);
    }
}

#[test]
fn stu3_patient_coverage_and_bundle_helpers() {
    let Some(dir) = bfd_v1() else { return };
    let patient: stu3::Patient = read(&dir, "patientRead.json");
    assert_eq!(patient.bene_id(), Some("567834"));
    assert_eq!(patient.current_mbi(), None, "v1 sends only the MBI hash");
    assert_eq!(patient.display_name().as_deref(), Some("John A Doe"));
    assert_eq!(
        patient.date_of_birth(),
        Some(time::macros::date!(1981 - 03 - 17))
    );
    let bundle: stu3::Bundle = read(&dir, "coverageSearchByPatientId.json");
    let parts: Vec<_> = bundle
        .coverages()
        .map(|c| (c.part(), c.coverage_status(), c.coverage_period()))
        .collect();
    assert_eq!(
        parts.iter().map(|p| p.0).collect::<Vec<_>>(),
        [
            Some(CoveragePart::A),
            Some(CoveragePart::B),
            Some(CoveragePart::C),
            Some(CoveragePart::D)
        ]
    );
    assert_eq!(parts[0].1, Some(CoverageStatus::Cancelled));
    assert_eq!(
        parts[0].2,
        (Some(time::macros::date!(1963 - 10 - 03)), None)
    );
    let paged: stu3::Bundle = read(&dir, "eobByPatientIdAllWithSamhsa.json");
    assert!(
        paged
            .next_link()
            .is_some_and(|l| l.contains("startIndex=2"))
    );
    assert_eq!(paged.total_count(), Some(4462));
    let all: stu3::Bundle = read(&dir, "eobByPatientIdAll.json");
    assert_eq!(all.next_link(), None);
    let mut types: Vec<ClaimType> = all
        .explanation_of_benefits()
        .filter_map(ClaimView::claim_type)
        .collect();
    types.sort();
    assert_eq!(types, ClaimType::ALL);
}

#[test]
fn eob_helpers_per_claim_type() {
    let Some(dir) = bfd_v2() else { return };
    for (file, expected) in [
        ("eobReadCarrier.json", ClaimType::Carrier),
        ("eobReadDme.json", ClaimType::Dme),
        ("eobReadHha.json", ClaimType::Hha),
        ("eobReadHospice.json", ClaimType::Hospice),
        ("eobReadInpatient.json", ClaimType::Inpatient),
        ("eobReadOutpatient.json", ClaimType::Outpatient),
        ("eobReadPde.json", ClaimType::Pde),
        ("eobReadSnf.json", ClaimType::Snf),
    ] {
        let eob: ExplanationOfBenefit = read(&dir, file);
        let summary = summarize(&eob);
        assert_eq!(summary.claim_type, Some(expected), "{file}");
        insta::assert_debug_snapshot!(format!("eob_{}", expected.as_str()), summary);
    }
}

#[test]
fn extension_lookup_by_variable_name() {
    let Some(dir) = bfd_v2() else { return };
    let eob: ExplanationOfBenefit = read(&dir, "eobReadCarrier.json");
    let extension = eob
        .extension
        .variable("carr_num")
        .expect("the carrier EOB has carr_num");
    assert_eq!(extension.variable_name(), Some("carr_num"));
    assert!(extension.value_text().is_some());
    assert!(eob.extension.variable("no_such_variable").is_none());
}

#[test]
fn patient_helpers() {
    let Some(dir) = bfd_v2() else { return };
    let patient: Patient = read(&dir, "patientRead.json");
    assert_eq!(patient.current_mbi(), Some("3456789"));
    assert_eq!(patient.mbis().len(), 4);
    assert_eq!(patient.bene_id(), Some("567834"));
    assert_eq!(patient.display_name().as_deref(), Some("John A Doe"));
    assert_eq!(
        patient.date_of_birth(),
        Some(time::macros::date!(1981 - 03 - 17))
    );
}

#[test]
fn coverage_helpers() {
    let Some(dir) = bfd_v2() else { return };
    let bundle: Bundle = read(&dir, "coverageSearchByPatientId.json");
    let parts: Vec<_> = bundle
        .coverages()
        .map(|c: &Coverage| (c.part(), c.coverage_status(), c.coverage_period()))
        .collect();
    insta::assert_debug_snapshot!("coverage_parts", parts);
    assert_eq!(
        parts.iter().map(|p| p.0).collect::<Vec<_>>(),
        [
            Some(CoveragePart::A),
            Some(CoveragePart::B),
            Some(CoveragePart::C),
            Some(CoveragePart::D)
        ]
    );
    assert_eq!(parts[0].1, Some(CoverageStatus::Cancelled));
}

#[test]
fn bundle_paging_and_entries() {
    let Some(dir) = bfd_v2() else { return };
    let paged: Bundle = read(&dir, "eobReadByPatientWithSamhsa.json");
    assert_eq!(
        paged.next_link(),
        Some(
            "https://localhost:IGNORED_FIELD/v2/fhir/ExplanationOfBenefit?_page=6567834&startIndex=2&_count=2&patient=567834"
        )
    );
    let all: Bundle = read(&dir, "eobByPatientIdAll.json");
    assert_eq!(all.next_link(), None);
    let mut types: Vec<ClaimType> = all
        .explanation_of_benefits()
        .filter_map(ClaimView::claim_type)
        .collect();
    types.sort();
    assert_eq!(types, ClaimType::ALL);
    assert!(
        all.resources()
            .all(|r| matches!(r, Resource::ExplanationOfBenefit(_)))
    );
}

#[test]
fn sandbox_pages_chain_by_next_link() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/sandbox/v2-eob-pages");
    if !dir.is_dir() {
        println!("skipped: ../shared/fixtures/sandbox not found");
        return;
    }
    let mut eobs = 0;
    let mut types = std::collections::BTreeSet::new();
    for index in 0..6 {
        let page: Bundle = read(&dir, &format!("eob_p{index}.json"));
        eobs += page.explanation_of_benefits().count();
        types.extend(
            page.explanation_of_benefits()
                .filter_map(ClaimView::claim_type),
        );
        match page.next_link() {
            Some(next) => assert!(
                next.contains(&format!("startIndex={}", (index + 1) * 10)),
                "page {index} links to the next page: {next}"
            ),
            None => assert_eq!(index, 5, "only the last page has no next link"),
        }
    }
    assert_eq!(eobs, 52);
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        [ClaimType::Carrier, ClaimType::Outpatient]
    );
}

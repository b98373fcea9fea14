//! Synthetic ExplanationOfBenefit resources of the eight claim types, shaped like BFD's v2 responses
//! (C4BB profiles, Blue Button extensions, contained resources, adjudications, diagnoses, line items).

use serde_json::{Value, json};

use super::SyntheticBene;
use super::fhir::{
    BB_VAR, C4BB, C4BB_ADJ, HL7_ADJ, adjudication, coding, ext_coding, ext_identifier,
    ext_quantity, money, var_coding,
};
use crate::clock::fhir_instant;
use crate::data::ClaimType;
use crate::rng::Rng;

const ICD10: &[(&str, &str)] = &[
    ("I10", "Essential (primary) hypertension"),
    ("E119", "Type 2 diabetes mellitus without complications"),
    ("J449", "Chronic obstructive pulmonary disease, unspecified"),
    ("M170", "Bilateral primary osteoarthritis of knee"),
    ("N183", "Chronic kidney disease, stage 3"),
    ("E785", "Hyperlipidemia, unspecified"),
    (
        "I2510",
        "Atherosclerotic heart disease of native coronary artery",
    ),
    (
        "F329",
        "Major depressive disorder, single episode, unspecified",
    ),
];
const HCPCS: &[&str] = &[
    "99213", "99214", "80053", "85025", "93000", "71046", "G0439", "97110",
];
const DRUGS: &[(&str, &str)] = &[
    ("00093721410", "Lisinopril 10 MG Oral Tablet"),
    ("00378018001", "Metformin 500 MG Oral Tablet"),
    ("00071015523", "Atorvastatin 20 MG Oral Tablet"),
    ("68180051301", "Amlodipine 5 MG Oral Tablet"),
];

struct Kind {
    profile: &'static str,
    nch_type: Option<(&'static str, &'static str)>,
    claim_type: (&'static str, &'static str),
    coverage_part: &'static str,
    institutional: bool,
}

fn kind(claim_type: ClaimType) -> Kind {
    let professional = ("professional", "Professional");
    let institutional = ("institutional", "Institutional");
    match claim_type {
        ClaimType::Carrier => Kind {
            profile: "C4BB-ExplanationOfBenefit-Professional-NonClinician",
            nch_type: Some((
                "71",
                "Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim",
            )),
            claim_type: professional,
            coverage_part: "b",
            institutional: false,
        },
        // BFD really labels DME with the inpatient-institutional profile and HHA as professional.
        ClaimType::Dme => Kind {
            profile: "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
            nch_type: Some(("82", "DMERC; DMEPOS claim")),
            claim_type: institutional,
            coverage_part: "b",
            institutional: false,
        },
        ClaimType::Hha => Kind {
            profile: "C4BB-ExplanationOfBenefit-Professional-NonClinician",
            nch_type: Some(("10", "Home Health Agency (HHA) claim")),
            claim_type: professional,
            coverage_part: "b",
            institutional: true,
        },
        ClaimType::Hospice => Kind {
            profile: "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
            nch_type: Some(("50", "Hospice claim")),
            claim_type: institutional,
            coverage_part: "a",
            institutional: true,
        },
        ClaimType::Inpatient => Kind {
            profile: "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
            nch_type: Some(("60", "Inpatient claim")),
            claim_type: institutional,
            coverage_part: "a",
            institutional: true,
        },
        ClaimType::Outpatient => Kind {
            profile: "C4BB-ExplanationOfBenefit-Outpatient-Institutional",
            nch_type: Some(("40", "Hospital Outpatient claim")),
            claim_type: institutional,
            coverage_part: "b",
            institutional: true,
        },
        ClaimType::Pde => Kind {
            profile: "C4BB-ExplanationOfBenefit-Pharmacy",
            nch_type: None,
            claim_type: ("pharmacy", "Pharmacy"),
            coverage_part: "d",
            institutional: false,
        },
        ClaimType::Snf => Kind {
            profile: "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
            nch_type: Some(("20", "Non swing bed Skilled Nursing Facility (SNF) claim")),
            claim_type: institutional,
            coverage_part: "a",
            institutional: true,
        },
    }
}

fn npi(rng: &mut Rng) -> String {
    format!("99{:08}", rng.below(100_000_000))
}

fn claim_identifier(var_system: &str, value: &str) -> Value {
    json!({"type": {"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType", "uc", Some("Unique Claim ID"))]},
           "system": var_system, "value": value})
}

pub(super) fn build(bene: &SyntheticBene, slot: u32, claim_type: ClaimType) -> Value {
    let mut rng = bene.rng(&[u64::from(slot), 0xE0B]);
    let (start, end, updated) = bene.claim_dates(slot, claim_type);
    let k = kind(claim_type);
    let number = bene.claim_number(slot).to_string();
    let patient_ref = format!("Patient/{}", bene.patient_id);
    let coverage_ref = format!("Coverage/part-{}-{}", k.coverage_part, bene.patient_id);
    let provider_npi = npi(&mut rng);

    let mut type_coding = Vec::new();
    if let Some((code, display)) = k.nch_type {
        type_coding.push(var_coding("nch_clm_type_cd", code, Some(display)));
    }
    type_coding.push(coding(
        "https://bluebutton.cms.gov/resources/codesystem/eob-type",
        claim_type.code(),
        None,
    ));
    type_coding.push(coding(
        "http://terminology.hl7.org/CodeSystem/claim-type",
        k.claim_type.0,
        Some(k.claim_type.1),
    ));

    let mut identifier = vec![];
    if claim_type == ClaimType::Pde {
        identifier.push(claim_identifier(&format!("{BB_VAR}pde_id"), &number));
    } else {
        identifier.push(claim_identifier(&format!("{BB_VAR}clm_id"), &number));
    }
    identifier.push(claim_identifier(
        "https://bluebutton.cms.gov/resources/identifier/claim-group",
        &(rng.below(900_000) + 100).to_string(),
    ));

    // Lines and amounts.
    let lines = 1 + rng.below(3) as usize;
    let mut items = Vec::with_capacity(lines);
    let mut total_submitted = 0.0;
    let mut total_paid = 0.0;
    let mut total_deductible = 0.0;
    for line in 1..=lines {
        let submitted = rng.money(20, 2_000);
        let allowed = (submitted * (0.4 + rng.unit() * 0.5) * 100.0).round() / 100.0;
        let deductible = if rng.below(4) == 0 {
            rng.money(0, 50).min(allowed)
        } else {
            0.0
        };
        let coinsurance = ((allowed - deductible) * 0.2 * 100.0).round() / 100.0;
        let paid = ((allowed - deductible - coinsurance) * 100.0).round() / 100.0;
        total_submitted += submitted;
        total_paid += paid;
        total_deductible += deductible;
        items.push(item(
            &mut rng,
            claim_type,
            line,
            start,
            end,
            submitted,
            allowed,
            deductible,
            coinsurance,
            paid,
        ));
    }
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let (total_submitted, total_paid, total_deductible) = (
        round(total_submitted),
        round(total_paid),
        round(total_deductible),
    );

    let diagnoses: Vec<Value> = if claim_type == ClaimType::Pde {
        Vec::new()
    } else {
        let count = 1 + rng.below(4);
        (0..count)
            .map(|i| {
                let (code, display) = *rng.pick(ICD10);
                let role = if i == 0 { ("principal", "The single medical diagnosis that is most relevant to the patient's chief complaint or need for treatment.") } else { ("secondary", "Required when other conditions coexist or develop subsequently during the treatment") };
                json!({
                    "sequence": i + 1,
                    "diagnosisCodeableConcept": {"coding": [coding("http://hl7.org/fhir/sid/icd-10-cm", code, Some(display))]},
                    "type": [{"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType", role.0, Some(role.1))]}],
                })
            })
            .collect()
    };

    let care_team = vec![json!({
        "sequence": 1,
        "provider": {"identifier": {"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v2-0203", "NPI", Some("National Provider Identifier"))]},
                                    "value": npi(&mut rng)}},
        "role": {"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole",
            if claim_type == ClaimType::Pde { "prescribing" } else if k.institutional { "attending" } else { "performing" },
            Some(if claim_type == ClaimType::Pde { "Prescribing provider" } else if k.institutional { "Attending" } else { "Performing provider" }))]},
    })];

    let mut supporting_info = vec![json!({
        "sequence": 1,
        "category": {"coding": [
            coding("http://terminology.hl7.org/CodeSystem/claiminformationcategory", "info", Some("Information")),
            coding("https://bluebutton.cms.gov/resources/codesystem/information", &format!("{BB_VAR}nch_wkly_proc_dt"), Some("NCH Weekly Claim Processing Date")),
        ]},
        "timingDate": (end + time::Duration::days(7)).to_string(),
    })];

    let mut resource = json!({
        "resourceType": "ExplanationOfBenefit",
        "id": bene.eob_id(slot, claim_type),
        "meta": {"lastUpdated": fhir_instant(updated), "profile": [format!("{C4BB}{}", k.profile)]},
        "identifier": identifier,
        "status": "active",
        "type": {"coding": type_coding},
        "use": "claim",
        "patient": {"reference": patient_ref},
        "billablePeriod": {"start": start.to_string(), "end": end.to_string()},
        "created": fhir_instant(updated),
        "insurer": {"identifier": {"value": "CMS"}},
        "outcome": "complete",
        "careTeam": care_team,
        "insurance": [{"focal": true, "coverage": {"reference": coverage_ref}}],
        "item": items,
        "total": [
            {"category": {"coding": [coding(HL7_ADJ, "submitted", Some("Submitted Amount")),
                coding("https://bluebutton.cms.gov/resources/codesystem/adjudication", &format!("{BB_VAR}clm_tot_chrg_amt"), Some("Claim Total Charge Amount"))]},
             "amount": money(total_submitted)},
            {"category": {"coding": [coding(C4BB_ADJ, "paidtoprovider", Some("Paid to provider"))]},
             "amount": money(total_paid)},
        ],
        "payment": {"amount": money(total_paid)},
    });
    let mut obj = match resource.take() {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };

    match claim_type {
        ClaimType::Carrier | ClaimType::Dme => {
            let hct = 30.0 + rng.below(200) as f64 / 10.0;
            obj.insert("contained".into(), json!([{
                "resourceType": "Observation",
                "id": "line-observation-1",
                "status": "unknown",
                "code": {"coding": [var_coding("line_hct_hgb_type_cd", "R1", Some("Hemoglobin Test"))]},
                "valueQuantity": {"value": hct},
            }]));
            supporting_info.push(json!({
                "sequence": 2,
                "category": {"coding": [
                    coding("http://terminology.hl7.org/CodeSystem/claiminformationcategory", "info", Some("Information")),
                    coding("https://bluebutton.cms.gov/resources/codesystem/information", &format!("{BB_VAR}line_hct_hgb_rslt_num"), Some("Hematocrit / Hemoglobin Test Results")),
                ]},
                "valueReference": {"reference": "#line-observation-1"},
            }));
            obj.insert("extension".into(), json!([
                ext_coding("nch_near_line_rec_ident_cd", "O", Some("Part B physician/supplier claim record (processed by local carriers; can include DMEPOS services)")),
                ext_identifier("carr_num", &format!("{:05}", rng.below(100_000))),
                ext_coding("carr_clm_pmt_dnl_cd", "1", Some("Physician/supplier")),
                ext_coding("asgmntcd", "A", Some("Assigned claim")),
            ]));
            obj.insert("provider".into(), json!({"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": provider_npi}}));
            obj.insert("disposition".into(), json!("Debit accepted"));
        }
        ClaimType::Pde => {
            let (_, drug) = *rng.pick(DRUGS);
            let days = [30, 60, 90][rng.below(3) as usize];
            supporting_info.push(json!({
                "sequence": 2,
                "category": {"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType", "dayssupply", Some("Days Supply"))]},
                "valueQuantity": {"value": days},
            }));
            supporting_info.push(json!({
                "sequence": 3,
                "category": {"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType", "refillnum", Some("Refill Number"))]},
                "valueQuantity": {"value": rng.below(6)},
            }));
            obj.insert("provider".into(), json!({"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": provider_npi}}));
            obj.insert("facility".into(), json!({"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": npi(&mut rng)}, "display": drug}));
            if let Some(insurance) = obj.get_mut("insurance") {
                *insurance = json!([{"focal": true, "coverage": {"extension": [
                    ext_identifier("plan_cntrct_rec_id", "S4607"),
                    ext_identifier("plan_pbp_rec_num", "003"),
                ], "reference": format!("Coverage/part-d-{}", bene.patient_id)}}]);
            }
        }
        _ => {
            obj.insert("contained".into(), json!([{
                "resourceType": "Organization",
                "id": "provider-org",
                "meta": {"profile": [format!("{C4BB}C4BB-Organization")]},
                "identifier": [{"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v2-0203", "PRN", Some("Provider number"))]}, "value": format!("{:06}", rng.below(1_000_000))},
                               {"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v2-0203", "NPI", Some("National provider identifier"))]}, "system": "http://hl7.org/fhir/sid/us-npi", "value": provider_npi}],
                "active": true,
                "name": "Fake Hospital",
            }]));
            obj.insert("provider".into(), json!({"reference": "#provider-org"}));
            obj.insert(
                "facility".into(),
                json!({"extension": [ext_coding("clm_fac_type_cd", "1", Some("Hospital"))]}),
            );
            obj.insert("subType".into(), json!({"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBInstitutionalClaimSubType",
                if claim_type == ClaimType::Outpatient { "outpatient" } else { "inpatient" },
                Some(if claim_type == ClaimType::Outpatient { "Outpatient" } else { "Inpatient" }))]}));
            obj.insert("extension".into(), json!([
                ext_coding("nch_near_line_rec_ident_cd", "V", Some("Part A institutional claim record (inpatient [IP], skilled nursing facility [SNF], hospice [HOS], or home health agency [HHA])")),
                ext_coding("clm_srvc_clsfctn_type_cd", "1", None),
                ext_identifier("fi_num", &format!("{:05}", rng.below(100_000))),
            ]));
            supporting_info.push(json!({
                "sequence": 2,
                "category": {"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType", "typeofbill", Some("Type of Bill"))]},
                "code": {"coding": [coding("https://bluebutton.cms.gov/resources/variables/clm_freq_cd", "1", Some("Admit thru discharge claim"))]},
            }));
            if matches!(claim_type, ClaimType::Inpatient | ClaimType::Snf) {
                supporting_info.push(json!({
                    "sequence": 3,
                    "category": {"coding": [coding("http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType", "admissionperiod", Some("Admission Period"))]},
                    "timingPeriod": {"start": start.to_string(), "end": end.to_string()},
                }));
                obj.insert("procedure".into(), json!([{
                    "sequence": 1,
                    "date": format!("{start}T00:00:00+00:00"),
                    "procedureCodeableConcept": {"coding": [coding("http://www.cms.gov/Medicare/Coding/ICD10", "0TCCDZZ", Some("EXTIRPATION OF MATTER FROM BLADDER NECK, ENDO"))]},
                }]));
            }
        }
    }
    if claim_type != ClaimType::Pde {
        obj.insert(
            "benefitBalance".into(),
            json!([{
                "category": {"coding": [coding("http://terminology.hl7.org/CodeSystem/ex-benefitcategory", "1", Some("Medical Care"))]},
                "financial": [{
                    "type": {"coding": [var_coding("clm_pass_thru_per_diem_amt", "https://bluebutton.cms.gov/resources/variables/clm_pass_thru_per_diem_amt", Some("Claim Pass Thru Per Diem Amount"))]},
                    "usedMoney": money(total_deductible),
                }],
            }]),
        );
    }
    if !diagnoses.is_empty() {
        obj.insert("diagnosis".into(), Value::Array(diagnoses));
    }
    obj.insert("supportingInfo".into(), Value::Array(supporting_info));
    Value::Object(obj)
}

#[allow(clippy::too_many_arguments)]
fn item(
    rng: &mut Rng,
    claim_type: ClaimType,
    sequence: usize,
    start: time::Date,
    end: time::Date,
    submitted: f64,
    allowed: f64,
    deductible: f64,
    coinsurance: f64,
    paid: f64,
) -> Value {
    let mut item = serde_json::Map::new();
    item.insert("sequence".into(), json!(sequence));
    item.insert("careTeamSequence".into(), json!([1]));
    if claim_type == ClaimType::Pde {
        let (ndc, display) = *rng.pick(DRUGS);
        item.insert(
            "productOrService".into(),
            json!({"coding": [coding("http://hl7.org/fhir/sid/ndc", ndc, Some(display))]}),
        );
        item.insert("servicedDate".into(), json!(start.to_string()));
        item.insert(
            "quantity".into(),
            json!({"value": (30 * (1 + rng.below(3))) as f64}),
        );
        item.insert(
            "adjudication".into(),
            json!([
                adjudication(
                    HL7_ADJ,
                    "benefit",
                    "Benefit Amount",
                    "cvrd_d_plan_pd_amt",
                    "Amount paid by Part D plan for the PDE (drug is covered by Part D)",
                    paid
                ),
                adjudication(
                    C4BB_ADJ,
                    "coinsurance",
                    "Co-insurance",
                    "ptnt_pay_amt",
                    "Amount Paid by Patient",
                    coinsurance
                ),
                adjudication(
                    C4BB_ADJ,
                    "drugcost",
                    "Drug Cost",
                    "tot_rx_cst_amt",
                    "Total drug cost (Part D)",
                    submitted
                ),
            ]),
        );
        return Value::Object(item);
    }
    let hcpcs = *rng.pick(HCPCS);
    item.insert("productOrService".into(), json!({"coding": [coding("https://bluebutton.cms.gov/resources/codesystem/hcpcs", hcpcs, None)]}));
    if matches!(claim_type, ClaimType::Carrier | ClaimType::Dme) {
        item.insert(
            "extension".into(),
            json!([
                ext_quantity("carr_line_mtus_cnt", 1.0),
                ext_coding(
                    "betos_cd",
                    "T1A",
                    Some("Lab tests - routine venipuncture (non Medicare fee schedule)")
                ),
                ext_coding("line_prcsg_ind_cd", "A", Some("Allowed")),
            ]),
        );
        item.insert("informationSequence".into(), json!([2]));
        item.insert(
            "servicedPeriod".into(),
            json!({"start": start.to_string(), "end": end.to_string()}),
        );
        item.insert("locationCodeableConcept".into(), json!({"coding": [coding("https://bluebutton.cms.gov/resources/variables/line_place_of_srvc_cd", "11", Some("Office"))]}));
    } else {
        item.insert(
            "revenue".into(),
            json!({"coding": [
                var_coding("rev_cntr", "0450", Some("Emergency room - general classification")),
                coding("https://www.nubc.org/CodeSystem/RevenueCodes", "0450", None),
            ]}),
        );
        item.insert("servicedDate".into(), json!(start.to_string()));
        item.insert("locationAddress".into(), json!({"state": "MD"}));
    }
    item.insert("diagnosisSequence".into(), json!([1]));
    item.insert("quantity".into(), json!({"value": 1 + rng.below(5)}));
    let prefix = if matches!(claim_type, ClaimType::Carrier | ClaimType::Dme) {
        "line"
    } else {
        "rev_cntr"
    };
    // BFD's own variables: institutional lines carry the revenue center's total charge and
    // provider payment.
    let (submitted_var, paid_var) = if prefix == "line" {
        ("line_sbmtd_chrg_amt", "line_nch_pmt_amt")
    } else {
        ("rev_cntr_tot_chrg_amt", "rev_cntr_prvdr_pmt_amt")
    };
    item.insert(
        "adjudication".into(),
        json!([
            adjudication(
                HL7_ADJ,
                "submitted",
                "Submitted Amount",
                submitted_var,
                "Submitted Charge Amount",
                submitted
            ),
            adjudication(
                HL7_ADJ,
                "eligible",
                "Eligible Amount",
                &format!("{prefix}_alowd_chrg_amt"),
                "Allowed Charge Amount",
                allowed
            ),
            adjudication(
                HL7_ADJ,
                "deductible",
                "Deductible",
                &format!("{prefix}_bene_ptb_ddctbl_amt"),
                "Beneficiary Part B Deductible Amount",
                deductible
            ),
            adjudication(
                C4BB_ADJ,
                "coinsurance",
                "Co-insurance",
                &format!("{prefix}_coinsrnc_amt"),
                "Beneficiary Coinsurance Amount",
                coinsurance
            ),
            adjudication(
                C4BB_ADJ,
                "paidtoprovider",
                "Paid to provider",
                paid_var,
                "Provider Payment Amount",
                paid
            ),
        ]),
    );
    Value::Object(item)
}

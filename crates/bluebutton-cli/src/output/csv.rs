//! CSV of claim line items: one row per ExplanationOfBenefit `item`, with the claim's id, type,
//! use (claim or prior authorization), service dates, product/service code (its system by short
//! name: `HCPCS`, `NDC`...), description, submitted/allowed/paid amounts, what the beneficiary
//! paid (deductible, coinsurance, patient pay), the provider and Part D prescriber NPIs, and the
//! claim's totals on every row.
//!
//! Written once against [`ClaimView`], for the FHIR R4 claims of API v2/v3 and the STU3 claims
//! of v1 alike. A claim without any line gets one row with an empty `line` and the claim's totals,
//! so every claim appears. Amounts keep the exact decimal text the server sent.

use std::io::Write;

use bluebutton::{ClaimView, FhirVersion, stu3};
use bluebutton_fhir::{Decimal, Resource};

use crate::error::CliError;

/// The header row.
pub(crate) const HEADER: [&str; 22] = [
    "eob_id",
    "claim_id",
    "claim_type",
    "use",
    "line",
    "service_start",
    "service_end",
    "code_system",
    "code",
    "description",
    "submitted",
    "allowed",
    "paid",
    "deductible",
    "coinsurance",
    "patient_paid",
    "provider_npi",
    "provider_name",
    "prescriber_npi",
    "claim_submitted",
    "claim_allowed",
    "claim_paid",
];

/// A code system by its short name (`HCPCS`, `NDC`, `ICD-10`...), else as given.
fn system_name(system: &str) -> &str {
    bluebutton_fhir::bluebutton::systems::short_name(system).unwrap_or(system)
}

/// Writes line-item rows; the header is written first.
pub(crate) struct LineItemWriter<W: Write> {
    csv: csv::Writer<W>,
    rows: u64,
    /// The FHIR release the resources are read as.
    release: FhirVersion,
}

fn date(d: Option<time::Date>) -> String {
    d.map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .unwrap_or_default()
}

fn amount(d: Option<&Decimal>) -> &str {
    d.map(Decimal::as_str).unwrap_or_default()
}

impl<W: Write> LineItemWriter<W> {
    /// Starts the CSV with its header row; resources are read as FHIR `release`.
    pub(crate) fn new(out: W, release: FhirVersion) -> Result<Self, CliError> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(HEADER)?;
        Ok(LineItemWriter {
            csv,
            rows: 0,
            release,
        })
    }

    /// Rows written, header excluded.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Parses one resource's JSON and writes its rows (resources other than
    /// ExplanationOfBenefit are skipped). Returns the number of rows written.
    pub(crate) fn write_json(&mut self, json: &str) -> Result<u64, CliError> {
        let error = |source| CliError::Resource {
            what: "ExplanationOfBenefit",
            source,
        };
        match self.release {
            FhirVersion::Stu3 => {
                let resource: stu3::Resource =
                    bluebutton_fhir::from_json_str(json).map_err(error)?;
                match resource.as_explanation_of_benefit() {
                    Some(eob) => self.write_eob(eob),
                    None => Ok(0),
                }
            }
            _ => {
                let resource: Resource = bluebutton_fhir::from_json_str(json).map_err(error)?;
                match resource.as_explanation_of_benefit() {
                    Some(eob) => self.write_eob(eob),
                    None => Ok(0),
                }
            }
        }
    }

    /// Writes the rows of one claim of any release. Returns the number of rows written.
    pub(crate) fn write_eob<E: ClaimView>(&mut self, eob: &E) -> Result<u64, CliError> {
        let id = eob.eob_id().unwrap_or_default();
        let claim_id = eob.claim_id().unwrap_or_default();
        let claim_type = eob.claim_type().map(|t| t.as_str()).unwrap_or_default();
        let claim_use = eob.claim_use().code();
        let (claim_start, claim_end) = eob.billable_period_dates();
        let totals = eob.totals();
        let npis = eob.provider_npis();
        let provider = npis.first().copied().unwrap_or_default();
        let provider_name = eob.provider_name().unwrap_or_default();
        let prescriber = eob.prescriber_npi().unwrap_or_default();
        // The claim-level columns that end every row.
        let claim = [
            provider,
            provider_name,
            prescriber,
            amount(totals.submitted.as_ref()),
            amount(totals.allowed.as_ref()),
            amount(totals.paid.as_ref()),
        ];
        let lines = eob.line_items();
        if lines.is_empty() {
            // One row for the whole claim: its dates and totals, no line.
            let (start, end) = eob.service_dates();
            let (start, end) = (date(start), date(end));
            let row = [
                id, claim_id, claim_type, claim_use, "", &start, &end, "", "", "", claim[3],
                claim[4], claim[5], "", "", "",
            ];
            self.csv.write_record(row.iter().chain(&claim))?;
            self.rows += 1;
            return Ok(1);
        }
        for line in &lines {
            let sequence = line.sequence.map(|s| s.to_string()).unwrap_or_default();
            let (start, end) = (
                date(line.service_start.or(claim_start)),
                date(line.service_end.or(claim_end)),
            );
            let row = [
                id,
                claim_id,
                claim_type,
                claim_use,
                &sequence,
                &start,
                &end,
                line.product
                    .and_then(|p| p.system)
                    .map(system_name)
                    .unwrap_or_default(),
                line.product.map(|p| p.code).unwrap_or_default(),
                line.description.unwrap_or_default(),
                amount(line.submitted),
                amount(line.allowed),
                amount(line.paid),
                amount(line.deductible),
                amount(line.coinsurance),
                amount(line.patient_paid),
            ];
            self.csv.write_record(row.iter().chain(&claim))?;
        }
        let written = lines.len() as u64;
        self.rows += written;
        Ok(written)
    }

    /// Flushes and returns the writer.
    pub(crate) fn finish(self) -> Result<W, CliError> {
        self.csv.into_inner().map_err(|e| CliError::Output {
            source: e.into_error(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn fixture(relative: &str) -> Option<String> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures")
            .join(relative);
        std::fs::read_to_string(path).ok()
    }

    fn rows_of(json: &str) -> (String, u64) {
        rows_as(json, FhirVersion::R4)
    }

    fn rows_as(json: &str, release: FhirVersion) -> (String, u64) {
        let mut writer = LineItemWriter::new(Vec::new(), release).unwrap();
        writer.write_json(json).unwrap();
        let rows = writer.rows();
        (String::from_utf8(writer.finish().unwrap()).unwrap(), rows)
    }

    #[test]
    fn a_small_claim_gives_one_row_per_line_with_exact_amounts() {
        let eob = r#"{"resourceType":"ExplanationOfBenefit","id":"carrier-1",
          "identifier":[{"system":"https://bluebutton.cms.gov/resources/variables/clm_id","value":"C1"}],
          "type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"CARRIER"}]},
          "billablePeriod":{"start":"2020-01-02","end":"2020-01-05"},
          "item":[
            {"sequence":1,"productOrService":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/hcpcs","code":"99213","display":"Office visit, \"est\""}]},
             "servicedDate":"2020-01-03",
             "adjudication":[{"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"submitted"}]},"amount":{"value":120.50}},
                             {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"eligible"}]},"amount":{"value":80.00}},
                             {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"benefit"}]},"amount":{"value":64.10}}]},
            {"sequence":2,"productOrService":{"text":"Lab"}}
          ]}"#;
        let (text, rows) = rows_of(eob);
        assert_eq!(rows, 2);
        insta::assert_snapshot!(text, @r#"
        eob_id,claim_id,claim_type,use,line,service_start,service_end,code_system,code,description,submitted,allowed,paid,deductible,coinsurance,patient_paid,provider_npi,provider_name,prescriber_npi,claim_submitted,claim_allowed,claim_paid
        carrier-1,C1,carrier,claim,1,2020-01-03,2020-01-03,HCPCS,99213,"Office visit, ""est""",120.50,80.00,64.10,,,,,,,120.50,80.00,64.10
        carrier-1,C1,carrier,claim,2,2020-01-02,2020-01-05,,,Lab,,,,,,,,,,120.50,80.00,64.10
        "#);
    }

    #[test]
    fn a_claim_without_lines_gets_one_row_with_its_totals() {
        let (text, rows) = rows_of(
            r#"{"resourceType":"ExplanationOfBenefit","id":"x","payment":{"amount":{"value":7.5}}}"#,
        );
        assert_eq!(rows, 1);
        assert_eq!(
            text.lines().nth(1),
            Some("x,,,claim,,,,,,,,,7.5,,,,,,,,,7.5"),
            "the claim's paid total, as a row amount and as the claim total"
        );
    }

    #[test]
    fn prior_authorizations_are_marked_in_the_use_column() {
        let (text, _) = rows_of(
            r#"{"resourceType":"ExplanationOfBenefit","id":"pa","use":"preauthorization","item":[{"sequence":1}]}"#,
        );
        assert_eq!(
            text.lines().nth(1),
            Some("pa,,,preauthorization,1,,,,,,,,,,,,,,,,,")
        );
    }

    #[test]
    fn stu3_claims_read_their_service_and_adjudication_codes() {
        let eob = r#"{"resourceType":"ExplanationOfBenefit","id":"pde-1",
          "identifier":[{"system":"https://bluebutton.cms.gov/resources/variables/pde_id","value":"89"}],
          "type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"PDE"}]},
          "insurance":{"coverage":{"reference":"Coverage/part-d-1"}},
          "item":[{"sequence":1,"service":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"000000000","display":"Water"}]},
            "servicedDate":"2015-05-12",
            "adjudication":[{"category":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/adjudication","code":"https://bluebutton.cms.gov/resources/variables/cvrd_d_plan_pd_amt"}]},"amount":{"value":126.99,"system":"urn:iso:std:iso:4217","code":"USD"}},
                            {"category":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/adjudication","code":"https://bluebutton.cms.gov/resources/variables/tot_rx_cst_amt"}]},"amount":{"value":550.0}}]}]}"#;
        let (text, rows) = rows_as(eob, FhirVersion::Stu3);
        assert_eq!(rows, 1);
        assert_eq!(
            text.lines().nth(1),
            Some(
                "pde-1,89,pde,claim,1,2015-05-12,2015-05-12,NDC,000000000,Water,550.0,,126.99,,,,,,,550.00,,126.99"
            )
        );
        let mut r4 = LineItemWriter::new(Vec::new(), FhirVersion::R4).unwrap();
        assert!(r4.write_json(eob).is_err(), "STU3 is not read as R4");
    }

    #[test]
    fn part_d_rows_name_the_prescriber_the_drug_and_what_the_beneficiary_paid() {
        let eob = r#"{"resourceType":"ExplanationOfBenefit","id":"pde-2",
          "type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"PDE"}]},
          "provider":{"identifier":{"system":"http://hl7.org/fhir/sid/us-npi","value":"1111111111"}},
          "careTeam":[{"sequence":1,"provider":{"identifier":{"type":{"coding":[{"code":"NPI"}]},"value":"2222222222"}},
            "role":{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole","code":"prescribing"}]}}],
          "item":[{"sequence":1,
            "productOrService":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"00093"},{"system":"http://hl7.org/fhir/sid/ndc","code":"00093","display":"Lisinopril 10 MG"}]},
            "adjudication":[
              {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"benefit"}]},"amount":{"value":9.10}},
              {"category":{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication","code":"coinsurance"},
                                     {"system":"https://bluebutton.cms.gov/resources/codesystem/adjudication","code":"https://bluebutton.cms.gov/resources/variables/ptnt_pay_amt"}]},"amount":{"value":2.50}},
              {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"deductible"}]},"amount":{"value":1.00}}]}]}"#;
        let (text, _) = rows_of(eob);
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let row = reader.records().next().unwrap().unwrap();
        let column = |name: &str| {
            let at = headers.iter().position(|h| h == name).unwrap();
            row[at].to_owned()
        };
        assert_eq!(column("code_system"), "NDC");
        assert_eq!(column("description"), "Lisinopril 10 MG");
        assert_eq!(column("provider_npi"), "1111111111");
        assert_eq!(column("prescriber_npi"), "2222222222");
        assert_eq!(column("deductible"), "1.00");
        assert_eq!(column("coinsurance"), "2.50");
        assert_eq!(column("patient_paid"), "2.50");
        assert_eq!(column("claim_paid"), "9.10");
    }

    #[test]
    fn other_resources_give_no_rows() {
        let (text, rows) = rows_of(r#"{"resourceType":"Patient","id":"p"}"#);
        assert_eq!((rows, text.lines().count()), (0, 1));
    }

    #[test]
    fn every_eob_of_the_sandbox_fixture_pages() {
        let mut pages = Vec::new();
        for n in 0.. {
            match fixture(&format!("sandbox/v2-eob-pages/eob_p{n}.json")) {
                Some(page) => pages.push(page),
                None => break,
            }
        }
        if pages.is_empty() {
            println!("skipped: ../shared/fixtures/sandbox/v2-eob-pages not found");
            return;
        }
        let mut writer = LineItemWriter::new(Vec::new(), FhirVersion::R4).unwrap();
        let mut expected_rows = 0;
        for page in &pages {
            let bundle: serde_json::Value = serde_json::from_str(page).unwrap();
            for entry in bundle["entry"].as_array().into_iter().flatten() {
                let items = entry["resource"]["item"].as_array().map_or(0, Vec::len);
                expected_rows += items.max(1) as u64;
                let raw = serde_json::value::to_raw_value(&entry["resource"]).unwrap();
                writer.write_json(raw.get()).unwrap();
            }
        }
        assert_eq!(writer.rows(), expected_rows);
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers().unwrap(),
            &::csv::StringRecord::from(HEADER.to_vec())
        );
        let records: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len() as u64, expected_rows);
        assert!(
            records.iter().all(|r| !r[0].is_empty() && !r[2].is_empty()),
            "every row names its claim and claim type"
        );
        assert!(
            records
                .iter()
                .any(|r| !r[8].is_empty() && !r[12].is_empty()),
            "some rows carry a code and a paid amount"
        );
    }
}

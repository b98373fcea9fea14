//! Code system and extension URLs used by Blue Button 2.0 / BFD data, with lookup by CCW variable name.

/// The claim type code system (`CARRIER`, `DME`, ... `SNF`) in `ExplanationOfBenefit.type`.
pub const EOB_TYPE: &str = "https://bluebutton.cms.gov/resources/codesystem/eob-type";
/// Blue Button adjudication categories (codes are variable URLs such as `.../variables/line_nch_pmt_amt`).
pub const ADJUDICATION: &str = "https://bluebutton.cms.gov/resources/codesystem/adjudication";
/// Blue Button benefit balance financial types.
pub const BENEFIT_BALANCE: &str = "https://bluebutton.cms.gov/resources/codesystem/benefit-balance";
/// Blue Button supporting-information categories.
pub const INFORMATION: &str = "https://bluebutton.cms.gov/resources/codesystem/information";
/// Blue Button diagnosis types.
pub const DIAGNOSIS_TYPE: &str = "https://bluebutton.cms.gov/resources/codesystem/diagnosis-type";
/// HCPCS procedure codes on EOB lines.
pub const HCPCS: &str = "https://bluebutton.cms.gov/resources/codesystem/hcpcs";
/// Whether a Patient identifier (MBI) is current or historic.
pub const IDENTIFIER_CURRENCY: &str =
    "https://bluebutton.cms.gov/resources/codesystem/identifier-currency";
/// The namespace of every CCW variable (extension URLs, code systems and identifier systems).
pub const VARIABLES: &str = "https://bluebutton.cms.gov/resources/variables/";
/// The HL7 claim type code system (`institutional`, `professional`, `pharmacy`...).
pub const HL7_CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
/// The HL7 adjudication category code system (`submitted`, `eligible`, `benefit`, `deductible`...).
pub const HL7_ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// The CARIN BB adjudication category code system (`paidtoprovider`, `priorpayerpaid`, `drugcost`...).
pub const C4BB_ADJUDICATION: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication";
/// Medicare Beneficiary Identifiers.
pub const MBI: &str = "http://hl7.org/fhir/sid/us-mbi";
/// National Provider Identifiers.
pub const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
/// National Drug Codes.
pub const NDC: &str = "http://hl7.org/fhir/sid/ndc";
/// ICD-10-CM diagnosis codes.
pub const ICD_10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// ICD-10 diagnosis codes.
pub const ICD_10: &str = "http://hl7.org/fhir/sid/icd-10";
/// ICD-9-CM diagnosis codes.
pub const ICD_9_CM: &str = "http://hl7.org/fhir/sid/icd-9-cm";

/// The URL of the CCW variable `name` (an extension URL or code system), e.g.
/// `variable_url("nch_clm_type_cd")` is `https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd`.
pub fn variable_url(name: &str) -> String {
    format!("{VARIABLES}{name}")
}

/// The CCW variable name of a Blue Button variable URL, e.g. `nch_clm_type_cd`; `None` for other URLs.
pub fn variable_name(url: &str) -> Option<&str> {
    url.strip_prefix(VARIABLES).filter(|name| !name.is_empty())
}

/// The short name people use for a code system: `HCPCS`, `CPT`, `NDC`, `ICD-10-CM`,
/// `ICD-10`, `ICD-9-CM`, `NPI`; `None` for a system without one.
pub fn short_name(system: &str) -> Option<&'static str> {
    let short = match system {
        HCPCS => "HCPCS",
        NDC => "NDC",
        ICD_10_CM => "ICD-10-CM",
        ICD_10 => "ICD-10",
        ICD_9_CM => "ICD-9-CM",
        NPI => "NPI",
        "http://www.ama-assn.org/go/cpt" => "CPT",
        "https://bluebutton.cms.gov/resources/codesystem/icd-10-pcs"
        | "http://www.cms.gov/Medicare/Coding/ICD10" => "ICD-10-PCS",
        other => match variable_name(other) {
            Some("hcpcs_cd") => "HCPCS",
            Some("prod_srvc_id") => "NDC",
            _ => return None,
        },
    };
    Some(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_systems_have_short_names() {
        assert_eq!(short_name(HCPCS), Some("HCPCS"));
        assert_eq!(short_name(NDC), Some("NDC"));
        assert_eq!(short_name(ICD_10), Some("ICD-10"));
        assert_eq!(short_name(&variable_url("hcpcs_cd")), Some("HCPCS"));
        assert_eq!(short_name("https://example.org/codes"), None);
    }

    #[test]
    fn variable_round_trip() {
        let url = variable_url("nch_clm_type_cd");
        assert_eq!(
            url,
            "https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd"
        );
        assert_eq!(variable_name(&url), Some("nch_clm_type_cd"));
        assert_eq!(variable_name(EOB_TYPE), None);
    }
}

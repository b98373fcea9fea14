//! The exact first-page URLs the search builders generate (insta snapshots), and checks that
//! happen before anything is sent.

use bluebutton::prelude::*;
use bluebutton::{ApiVersion, DateFilter, Environment};
use time::macros::{date, datetime};

fn client(version: ApiVersion) -> BlueButton {
    let config = Config::builder()
        .client_id("client-id")
        .client_secret("client-secret")
        .callback_url("http://localhost:3000/callback")
        .environment(Environment::Sandbox)
        .version(version)
        .build()
        .unwrap();
    BlueButton::new(config).unwrap()
}

#[test]
fn generated_search_urls() {
    let b = client(ApiVersion::V2).beneficiary("-19990000000001");
    let urls = [
        b.explanation_of_benefit().url(),
        b.explanation_of_benefit()
            .claim_types([ClaimType::Carrier, ClaimType::Pde, ClaimType::Carrier])
            .service_date_range(date!(2023 - 01 - 01), date!(2023 - 12 - 31))
            .page_size(50)
            .url(),
        b.explanation_of_benefit()
            .claim_type(ClaimType::Inpatient)
            .service_date(DateFilter::gt(date!(2019 - 01 - 01)))
            .last_updated(DateFilter::ge(datetime!(2024-05-01 12:30:00 -04:00)))
            .start_index(20)
            .page_size(10)
            .url(),
        b.coverage().url(),
        b.coverage()
            .last_updated_range(date!(2020 - 01 - 01), date!(2020 - 06 - 30))
            .url(),
        b.patient().page_size(1).url(),
        client(ApiVersion::V3)
            .beneficiary("k")
            .explanation_of_benefit()
            .claim_type(ClaimType::Snf)
            .url(),
        client(ApiVersion::V1)
            .beneficiary("k")
            .coverage()
            .start_index(10)
            .url(),
    ];
    let text: Vec<String> = urls.into_iter().map(|u| u.unwrap().to_string()).collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn page_size_is_checked_before_building() {
    let b = client(ApiVersion::V2).beneficiary("k");
    for bad in [0, 51, u32::MAX] {
        let error = b.coverage().page_size(bad).url().unwrap_err();
        assert!(matches!(error, Error::InvalidPageSize { value } if value == bad));
    }
    insta::assert_snapshot!(
        b.patient().page_size(51).url().unwrap_err().to_string(),
        @"page size 51 is out of range: the server accepts 1 to 50"
    );
}

#[test]
fn debug_output_never_shows_secrets() {
    let bb = client(ApiVersion::V2);
    let all = format!(
        "{bb:?} {:?} {:?}",
        bb.beneficiary("k"),
        bb.beneficiary("k").explanation_of_benefit()
    );
    assert!(!all.contains("client-secret"), "{all}");
    assert!(
        all.contains("[redacted]") || !all.contains("secret"),
        "{all}"
    );
}

#[test]
fn authorize_urls_ask_for_scopes_only_on_v3() {
    for (version, expect_scope) in [
        (ApiVersion::V1, false),
        (ApiVersion::V2, false),
        (ApiVersion::V3, true),
    ] {
        let bb = client(version);
        let url = bb.authorize_url(&bb.new_auth_request());
        assert!(
            url.path()
                .starts_with(&format!("/{}/o/authorize/", version.path_segment()))
        );
        let scope = url
            .query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned());
        assert_eq!(scope.is_some(), expect_scope, "{version:?}");
        if let Some(scope) = scope {
            assert!(scope.contains("patient/ExplanationOfBenefit.rs"), "{scope}");
        }
        for required in [
            "client_id",
            "redirect_uri",
            "state",
            "response_type",
            "code_challenge",
            "code_challenge_method",
        ] {
            assert!(url.query_pairs().any(|(k, _)| k == required), "{required}");
        }
    }
}

#[test]
fn v3_claim_filters_are_sent_on_v3_and_refused_before_it() {
    use bluebutton::{ClaimOutcome, ClaimSource, Token};
    let search = |version: ApiVersion| {
        client(version)
            .beneficiary("k")
            .explanation_of_benefit()
            .tag(Token::with_system("https://example.org/tag", "Adjudicated"))
            .sources([ClaimSource::NationalClaimsHistory, ClaimSource::Ddps])
            .outcomes([ClaimOutcome::Complete])
            .ids(["c-1", "c-2"])
            .exclude_security_label(Token::samhsa())
            .page_size(50)
    };
    insta::assert_snapshot!(
        search(ApiVersion::V3).url().unwrap().to_string(),
        @"https://sandbox.bluebutton.cms.gov/v3/fhir/ExplanationOfBenefit/?_count=50&_tag=https%3A%2F%2Fexample.org%2Ftag%7CAdjudicated&_source=NationalClaimsHistory%2CDDPS&outcome=complete&_id=c-1%2Cc-2&_security%3Anot=42CFRPart2"
    );
    // v1 and v2 drop these parameters silently, which would return unfiltered claims.
    for version in [ApiVersion::V1, ApiVersion::V2] {
        let error = search(version).url().unwrap_err();
        assert!(
            matches!(
                error,
                Error::VersionUnsupported {
                    needs: ApiVersion::V3,
                    ..
                }
            ),
            "{error:?}"
        );
    }
}

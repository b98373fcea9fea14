//! v3 as the real server serves it: `_offset` paging without `first`/`last` and without `total`
//! before the last page, CARIN Blue Button 2.1 data with sources and prior authorizations, the
//! v3-only EOB filters, the 42 CFR Part 2 choice, and the insurance card.

mod common;

use bluebutton_fhir::{Resource, from_json_str};
use bluebutton_sandbox::{Approval, Sandbox, SandboxHandle};
use common::*;
use serde_json::Value;

fn relations(bundle: &Value) -> Vec<String> {
    bundle["link"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["relation"].as_str().map(str::to_owned))
        .collect()
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str().map(str::to_owned))
}

async fn json_at(token: &str, target: &str) -> Value {
    let response = client()
        .get(target)
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200, "{target}");
    response.json().await.expect("json")
}

/// Every EOB of a search, following `next`; also checks the v3 paging rules on each page.
async fn walk(sb: &SandboxHandle, token: &str, query: &str) -> Vec<Value> {
    let mut next = Some(url(sb, &format!("/v3/fhir/ExplanationOfBenefit?{query}")));
    let mut all = Vec::new();
    while let Some(page) = next.take() {
        let bundle = json_at(token, &page).await;
        let rels = relations(&bundle);
        assert!(
            !rels.iter().any(|r| r == "first" || r == "last"),
            "{rels:?}"
        );
        next = link(&bundle, "next");
        let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
        all.extend(entries.into_iter().map(|e| e["resource"].clone()));
        match &next {
            Some(url) => {
                assert!(
                    bundle.get("total").is_none(),
                    "no total before the last page"
                );
                assert!(
                    url.contains("_offset=") && !url.contains("startIndex"),
                    "{url}"
                );
            }
            None => assert_eq!(bundle["total"].as_u64(), Some(all.len() as u64)),
        }
    }
    all
}

fn has_label(eob: &Value) -> bool {
    eob["meta"]["security"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["code"] == "42CFRPart2")
}

#[tokio::test]
async fn v3_pages_with_offset_links_and_total_only_on_the_last_page() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login_on(&sb, "v3", &format!("{V3_SCOPES}&sandbox_samhsa=share")).await;
    let token = at(&token);
    let all = walk(&sb, token, "_count=10").await;
    assert!(all.len() > 20, "{}", all.len());
    let ids: Vec<&str> = all.iter().filter_map(|e| e["id"].as_str()).collect();

    let second = json_at(
        token,
        &url(&sb, "/v3/fhir/ExplanationOfBenefit?_count=10&_offset=10"),
    )
    .await;
    assert_eq!(second["entry"][0]["resource"]["id"], ids[10]);
    let previous = link(&second, "previous").expect("previous");
    assert!(previous.contains("_offset=0"), "{previous}");
    let legacy = json_at(
        token,
        &url(&sb, "/v3/fhir/ExplanationOfBenefit?_count=10&startIndex=10"),
    )
    .await;
    assert_eq!(
        legacy["entry"][0]["resource"]["id"], ids[10],
        "startIndex still works"
    );
    let both = json_at(
        token,
        &url(
            &sb,
            "/v3/fhir/ExplanationOfBenefit?_count=10&startIndex=10&_offset=20",
        ),
    )
    .await;
    assert_eq!(both["entry"][0]["resource"]["id"], ids[20], "_offset wins");

    // Coverage and Patient searches page the v3 way too.
    let coverage = json_at(token, &url(&sb, "/v3/fhir/Coverage?_count=3")).await;
    assert!(coverage.get("total").is_none());
    assert!(link(&coverage, "next").expect("next").contains("_offset=3"));
    let rest = json_at(token, &url(&sb, "/v3/fhir/Coverage?_count=3&_offset=3")).await;
    assert_eq!(rest["total"], 4);
    assert!(link(&rest, "next").is_none());

    // v2 is unchanged: startIndex links, first/last, always a total.
    let v2 = login_on(&sb, "v2", "").await;
    let page = json_at(
        at(&v2),
        &url(&sb, "/v2/fhir/ExplanationOfBenefit?_count=10&_offset=20"),
    )
    .await;
    assert_eq!(page["total"], 52);
    assert_eq!(
        relations(&page),
        ["first", "next", "last", "self"],
        "_offset ignored on v2"
    );
    assert!(link(&page, "next").expect("next").contains("startIndex=10"));
}

#[tokio::test]
async fn v3_data_is_carin_2_1_with_sources_and_prior_authorizations_and_parses() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login_on(&sb, "v3", &format!("{V3_SCOPES}&sandbox_samhsa=share")).await;
    let token = at(&token);
    let eobs = walk(&sb, token, "_count=50").await;
    let mut sources = std::collections::BTreeSet::new();
    let mut uses = std::collections::BTreeSet::new();
    for eob in &eobs {
        let profile = eob["meta"]["profile"][0].as_str().expect("profile");
        assert!(
            profile.starts_with("http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-")
                && profile.ends_with("|2.1.0"),
            "{profile}"
        );
        sources.insert(eob["meta"]["source"].as_str().expect("source").to_owned());
        uses.insert(eob["use"].as_str().expect("use").to_owned());
        let parsed: Resource = from_json_str(&eob.to_string()).expect("the R4 models read v3");
        assert!(parsed.as_explanation_of_benefit().is_some());
    }
    // By default the server asks for fully adjudicated and Part D claims only.
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["DDPS", "NationalClaimsHistory"]
    );
    assert_eq!(
        uses.into_iter().collect::<Vec<_>>(),
        ["claim", "preauthorization"]
    );
    assert!(
        eobs.len() < 52,
        "shared-system claims are left out by default"
    );

    let patient_id = sb.beneficiaries()[0].patient_id.clone();
    let patient = json_at(token, &url(&sb, &format!("/v3/fhir/Patient/{patient_id}"))).await;
    let profiles = patient["meta"]["profile"].to_string();
    assert!(
        profiles.contains("C4BB-Patient|2.1.0") && profiles.contains("us-core-patient|6.1.0"),
        "{profiles}"
    );
    let id = eobs[0]["id"].as_str().expect("id");
    let read = json_at(
        token,
        &url(&sb, &format!("/v3/fhir/ExplanationOfBenefit/{id}")),
    )
    .await;
    assert_eq!(read, eobs[0], "a read serves the same v3 shape");
    let v2 = login_on(&sb, "v2", "").await;
    let old = json_at(
        at(&v2),
        &url(&sb, &format!("/v2/fhir/ExplanationOfBenefit/{id}")),
    )
    .await;
    assert!(
        old["meta"].get("source").is_none(),
        "v2 keeps its own shape"
    );
}

#[tokio::test]
async fn v3_only_search_parameters_filter_and_v2_drops_them() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login_on(&sb, "v3", &format!("{V3_SCOPES}&sandbox_samhsa=share")).await;
    let token = at(&token);
    let shared = walk(&sb, token, "_source=SharedSystem").await;
    assert!(!shared.is_empty());
    assert!(
        shared
            .iter()
            .all(|e| e["meta"]["source"] == "SharedSystem" && e["outcome"] == "partial")
    );
    let everything = walk(
        &sb,
        token,
        "_source=NationalClaimsHistory,SharedSystem,DDPS&_count=50",
    )
    .await;
    assert_eq!(everything.len(), 52);

    let queued = walk(&sb, token, "outcome=queued").await;
    assert!(!queued.is_empty());
    assert!(
        queued
            .iter()
            .all(|e| e["use"] == "preauthorization" && e["outcome"] == "queued")
    );

    let tag = "https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action|NotFinalAction";
    let not_final = walk(
        &sb,
        token,
        &format!(
            "_tag={}&_source=NCH,SharedSystem,DDPS",
            tag.replace('|', "%7C")
        ),
    )
    .await;
    assert!(!not_final.is_empty());
    assert!(
        not_final
            .iter()
            .all(|e| e["meta"]["tag"][0]["code"] == "NotFinalAction")
    );
    assert_eq!(
        not_final.len(),
        everything
            .iter()
            .filter(|e| e["meta"]["tag"][0]["code"] == "NotFinalAction")
            .count()
    );

    let chosen: Vec<&str> = everything
        .iter()
        .filter_map(|e| e["id"].as_str())
        .take(3)
        .collect();
    let by_id = walk(&sb, token, &format!("_id={}", chosen.join(","))).await;
    let got: Vec<&str> = by_id.iter().filter_map(|e| e["id"].as_str()).collect();
    assert!(
        !got.is_empty() && got.iter().all(|id| chosen.contains(id)),
        "{got:?}"
    );

    let labelled = walk(&sb, token, "_count=50").await;
    let unlabelled = walk(&sb, token, "_count=50&_security:not=42CFRPart2").await;
    assert!(labelled.iter().any(has_label));
    assert!(!unlabelled.iter().any(has_label));
    assert_eq!(
        unlabelled.len(),
        labelled.iter().filter(|e| !has_label(e)).count()
    );

    let v2 = login_on(&sb, "v2", "").await;
    let page = json_at(
        at(&v2),
        &url(
            &sb,
            "/v2/fhir/ExplanationOfBenefit?_source=SharedSystem&outcome=queued&_id=x",
        ),
    )
    .await;
    assert_eq!(page["total"], 52, "unknown to v2: dropped");
}

#[tokio::test]
async fn declining_42_cfr_part_2_hides_the_labelled_claims_from_v3_searches() {
    let sb = Sandbox::builder().start().await.expect("start");
    let declined = login_on(&sb, "v3", V3_SCOPES).await;
    let hidden = walk(&sb, at(&declined), "_count=50").await;
    assert!(!hidden.iter().any(has_label), "declined by default");
    let first = json_at(
        at(&declined),
        &url(&sb, "/v3/fhir/ExplanationOfBenefit?_count=5"),
    )
    .await;
    let next = link(&first, "next").expect("next");
    assert!(next.contains("_security%3Anot=42CFRPart2"), "{next}");

    sb.queue_approval(Approval::approve_default().sharing_samhsa(true));
    let shared = login_on(&sb, "v3", V3_SCOPES).await;
    let shown = walk(&sb, at(&shared), "_count=50").await;
    let labelled = shown.iter().filter(|e| has_label(e)).count();
    assert!(labelled > 0);
    assert_eq!(hidden.len() + labelled, shown.len());

    let by_knob = login_on(&sb, "v3", &format!("{V3_SCOPES}&sandbox_samhsa=share")).await;
    assert_eq!(
        walk(&sb, at(&by_knob), "_count=50").await.len(),
        shown.len()
    );
    sb.queue_approval(Approval::approve_default().sharing_samhsa(true));
    let overridden = login_on(&sb, "v3", &format!("{V3_SCOPES}&sandbox_samhsa=decline")).await;
    assert_eq!(
        walk(&sb, at(&overridden), "_count=50").await.len(),
        hidden.len()
    );
}

#[tokio::test]
async fn the_insurance_card_is_a_c4dic_bundle_and_needs_patient_and_coverage_scopes() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login_on(&sb, "v3", V3_SCOPES).await;
    let bene = sb.beneficiaries()[0].clone();
    let card = json_at(
        at(&token),
        &url(&sb, "/v3/fhir/Patient/$generate-insurance-card"),
    )
    .await;
    assert_eq!(card["resourceType"], "Bundle");
    let resources: Vec<&Value> = card["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let mut kinds: Vec<&str> = resources
        .iter()
        .filter_map(|r| r["resourceType"].as_str())
        .collect();
    kinds.dedup();
    assert_eq!(kinds, ["Patient", "Organization", "Coverage"]);
    for resource in &resources {
        let kind = resource["resourceType"].as_str().expect("kind");
        assert_eq!(
            resource["meta"]["profile"][0],
            format!("http://hl7.org/fhir/us/insurance-card/StructureDefinition/C4DIC-{kind}")
        );
    }
    assert_eq!(resources[0]["id"], bene.patient_id.as_str());
    assert!(
        resources
            .iter()
            .any(|r| r["subscriberId"] == bene.mbi.as_str())
    );
    let parsed: Resource = from_json_str(&card.to_string()).expect("parses");
    assert!(parsed.as_bundle().is_some());

    let only_coverage = login_on(&sb, "v3", "&scope=openid%20patient/Coverage.rs").await;
    let refused = get(
        &sb,
        "/v3/fhir/Patient/$generate-insurance-card",
        at(&only_coverage),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let only_patient = login_on(&sb, "v3", "&scope=openid%20patient/Patient.rs").await;
    let refused = get(
        &sb,
        "/v3/fhir/Patient/$generate-insurance-card",
        at(&only_patient),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let v2 = login_on(&sb, "v2", "").await;
    assert_eq!(
        get(&sb, "/v2/fhir/Patient/$generate-insurance-card", at(&v2))
            .await
            .status(),
        404,
        "v3 only"
    );
}

/// Opens the consent page of a `version` authorization and posts `form` to it; returns the
/// page's HTML and the token from the resulting code.
async fn consent(sb: &SandboxHandle, version: &str, form: &[(&str, &str)]) -> (String, Value) {
    let response = client()
        .get(authorize_url_on(sb, version, V3_SCOPES))
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), 302);
    let page_path = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let page = client()
        .get(url(sb, &page_path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let decided = client()
        .post(url(sb, &page_path))
        .form(form)
        .send()
        .await
        .expect("post");
    assert_eq!(decided.status(), 302);
    let location =
        url::Url::parse(decided.headers()["location"].to_str().expect("ascii")).expect("absolute");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let token = client()
        .post(url(sb, &format!("/{version}/o/token/")))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    (page, token)
}

#[tokio::test]
async fn the_v3_consent_page_asks_about_42_cfr_part_2_unticked_and_escapes_its_text() {
    let sb = Sandbox::builder()
        .consent(bluebutton_sandbox::ConsentMode::ConsentPage)
        .app_name("<b>Tom & Jerry's \"App\"</b>")
        .start()
        .await
        .expect("start");
    let allow = [("allow", "Allow"), ("share_demographic_scopes", "True")];
    let (page, declined) = consent(&sb, "v3", &allow).await;
    let checkbox = page
        .lines()
        .find(|l| l.contains("name=\"share_42cfr_part2\""))
        .expect("a 42 CFR Part 2 checkbox on v3");
    assert!(
        !checkbox.contains("checked"),
        "unticked by default: {checkbox}"
    );
    assert!(
        page.contains("&lt;b&gt;Tom &amp; Jerry&#x27;s &quot;App&quot;&lt;/b&gt;"),
        "{page}"
    );
    assert!(!page.contains("<b>Tom"));
    let hidden = walk(&sb, at(&declined), "_count=50").await;
    assert!(!hidden.iter().any(has_label));

    let (_, shared) = consent(
        &sb,
        "v3",
        &[("allow", "Allow"), ("share_42cfr_part2", "True")],
    )
    .await;
    let shown = walk(&sb, at(&shared), "_count=50").await;
    assert!(shown.iter().any(has_label));
    assert!(
        !shared["scope"].as_str().expect("scope").contains("profile"),
        "demographics unticked"
    );

    let (v2_page, _) = consent(&sb, "v2", &allow).await;
    assert!(!v2_page.contains("share_42cfr_part2"), "only v3 asks");
}

#[tokio::test]
async fn v3_authorize_lists_scope_among_the_missing_parameters() {
    let sb = Sandbox::builder().start().await.expect("start");
    let bare = format!(
        "{}?client_id={}&response_type=code",
        url(&sb, "/v3/o/authorize/"),
        sb.client_id()
    );
    assert_eq!(
        status_body(client().get(&bare).send().await.expect("get")).await,
        (
            400,
            r#"{"status_code": 400, "message": "Missing Required Parameter(s): code_challenge, code_challenge_method, state, scope"}"#
                .to_owned()
        )
    );
    let v2 = bare.replace("/v3/", "/v2/");
    assert_eq!(
        status_body(client().get(&v2).send().await.expect("get"))
            .await
            .1,
        r#"{"status_code": 400, "message": "Missing Required Parameter(s): code_challenge, code_challenge_method, state"}"#
    );
}

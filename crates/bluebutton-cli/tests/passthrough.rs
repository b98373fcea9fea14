//! Pass-through is the server's bytes: each `eob --format ndjson` line is the served resource's
//! text with only the whitespace between tokens removed (nothing reordered or re-escaped), so is
//! each line of an export, and `patient`/`coverage` print the served body exactly, whether the server sends compact,
//! Python-spaced or pretty-printed JSON.

mod common;

use bluebutton::prelude::*;
use bluebutton_sandbox::JsonLayout;
use common::Env;

/// The served text without the whitespace outside its strings (the definition, byte by byte).
fn without_whitespace(json: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// What the server sent: the Patient and Coverage resources' texts and every EOB's text.
struct Served {
    patients: Vec<String>,
    coverages: Vec<String>,
    eobs: Vec<String>,
}

/// Signs in with the client library (this replaces the CLI's tokens: run it last) and fetches
/// every resource as served.
fn served(env: &Env, page_size: u32) -> Served {
    env.runtime.block_on(async {
        let bb = BlueButton::new(Config::from_file(&env.config).expect("config")).expect("client");
        let request = bb.new_auth_request();
        let client = bluebutton_transport::client_builder()
            .expect("builder")
            .build()
            .expect("client");
        let redirect = client
            .get(bb.authorize_url(&request).as_str())
            .send()
            .await
            .expect("authorize");
        let location = redirect.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let query = location.split_once('?').expect("a query").1.to_owned();
        let beneficiary = bb.exchange_code(request, &query).await.expect("exchange");
        let patient = beneficiary
            .patient()
            .first::<RawPage>()
            .await
            .expect("patient");
        let coverage = beneficiary
            .coverage()
            .first::<RawPage>()
            .await
            .expect("coverage");
        let mut pages = beneficiary
            .explanation_of_benefit()
            .page_size(page_size)
            .pages::<RawPage>();
        let mut resources = Vec::new();
        while let Some(page) = pages.try_next().await.expect("page") {
            resources.extend(page.resources().map(str::to_owned));
        }
        let texts = |page: RawPage| page.resources().map(str::to_owned).collect();
        Served {
            patients: texts(patient),
            coverages: texts(coverage),
            eobs: resources,
        }
    })
}

#[test]
fn ndjson_lines_and_documents_are_the_served_bytes_in_every_layout() {
    for layout in [JsonLayout::Compact, JsonLayout::Spaced, JsonLayout::Pretty] {
        let env = Env::with(|b| b.json_layout(layout)).logged_in();
        let lines = env
            .run(&["eob", "--all", "--format", "ndjson", "--count", "7"])
            .expect_code(0)
            .stdout;
        let out = env.path("export");
        env.run(&["export", "--out", out.to_str().unwrap(), "--count", "7"])
            .expect_code(0);
        let exported = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);
        let patient = env.run(&["patient"]).expect_code(0).stdout;
        let coverage = env.run(&["coverage"]).expect_code(0).stdout;
        let served = served(&env, 7);
        assert_eq!(served.eobs.len(), env.first_claim_count(), "{layout:?}");
        if layout != JsonLayout::Compact {
            assert!(
                served.eobs[0].contains(": "),
                "{layout:?} bodies are spaced"
            );
        }
        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines.len(), served.eobs.len(), "{layout:?}");
        for (i, (line, resource)) in lines.iter().zip(&served.eobs).enumerate() {
            // Not assert_eq: a mismatch would print two 10 KB claims.
            assert!(
                *line == without_whitespace(resource),
                "{layout:?}: line {i} is not the served claim without whitespace"
            );
        }
        // The export's files are the same lines.
        for (name, resources) in [
            ("Patient.ndjson", &served.patients),
            ("Coverage.ndjson", &served.coverages),
            ("ExplanationOfBenefit.ndjson", &served.eobs),
        ] {
            let text = exported(name);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), resources.len(), "{layout:?} {name}");
            for (line, resource) in lines.iter().zip(resources.iter()) {
                assert!(
                    *line == without_whitespace(resource),
                    "{layout:?}: {name} differs from the served text"
                );
            }
        }
        // Documents are printed as served: each resource's text is in the output byte for byte
        // (the Bundle's own id and timestamp differ per response).
        for (output, resources) in [(&patient, &served.patients), (&coverage, &served.coverages)] {
            assert!(!resources.is_empty(), "{layout:?}");
            for resource in resources {
                assert!(
                    output.contains(resource.as_str()),
                    "{layout:?}: a served resource is not in the output as served"
                );
            }
        }
    }
}

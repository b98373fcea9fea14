//! The HTML consent page of [`ConsentMode::ConsentPage`](crate::ConsentMode::ConsentPage):
//! pick a beneficiary, choose whether to share demographic data (and, on v3, substance-use-disorder
//! claims protected by 42 CFR Part 2), Allow or Deny (form POST).

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::authorize::{decide as carry_out, mismatching_redirect_uri};
use super::body::{field, form_fields};
use crate::builder::Approval;
use crate::responses::{escape_html, status_message, with_body};
use crate::router::Version;
use crate::state::{AppState, lock};

/// The form field of the 42 CFR Part 2 checkbox (`True` when ticked).
const SHARE_SAMHSA: &str = "share_42cfr_part2";

/// `GET /vN/o/authorize/<id>/`: the page.
pub(crate) async fn show(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let Some(request) = lock(&state.store).pending.get(&id).cloned() else {
        return status_message(StatusCode::NOT_FOUND, "Not found.");
    };
    if !request.redirect_registered {
        return mismatching_redirect_uri();
    }
    // Only the v3 consent asks about 42 CFR Part 2 claims; the box starts unticked.
    let samhsa = if request.version == Version::V3 {
        format!(
            "<p><label><input type=\"checkbox\" name=\"{SHARE_SAMHSA}\" value=\"True\">\n\
             Share my substance use disorder treatment records (42 CFR Part 2)</label></p>\n"
        )
    } else {
        String::new()
    };
    let options: String = state
        .data
        .all()
        .iter()
        .map(|b| {
            format!(
                "<option value=\"{}\">{} {} ({})</option>",
                escape_html(&b.info.patient_id),
                escape_html(&b.info.given_name),
                escape_html(&b.info.family_name),
                escape_html(&b.info.username)
            )
        })
        .collect();
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Blue Button 2.0 sandbox: authorize {app}</title></head>
<body>
<h1>{app} wants to access your Medicare claims data</h1>
<form method="post" action="">
<label for="patient">Log in as</label>
<select id="patient" name="patient">{options}</select>
<p><label><input type="checkbox" name="share_demographic_scopes" value="True" checked>
Share my demographic data (name, address, date of birth, sex, race)</label></p>
{samhsa}<button type="submit" name="allow" value="Allow">Allow</button>
<button type="submit" name="deny" value="Deny">Deny</button>
</form>
</body></html>
"#,
        app = escape_html(&state.settings.app_name),
    );
    with_body(StatusCode::OK, "text/html; charset=utf-8", page)
}

/// `POST /vN/o/authorize/<id>/`: the decision.
pub(crate) async fn decide_page(
    state: &AppState,
    id: &str,
    fields: &[(String, String)],
) -> Response {
    let Some(request) = lock(&state.store).pending.remove(id) else {
        return status_message(StatusCode::NOT_FOUND, "Not found.");
    };
    let decision = if field(fields, "allow").is_some() {
        Approval::Approve {
            patient_id: field(fields, "patient").map(str::to_owned),
            share_demographics: field(fields, "share_demographic_scopes") == Some("True"),
            share_samhsa: field(fields, SHARE_SAMHSA) == Some("True"),
        }
    } else {
        Approval::Deny
    };
    carry_out(state, request, decision)
}

/// The axum handler for [`decide_page`].
pub(crate) async fn decide(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let fields = form_fields(request).await;
    decide_page(&state, &id, &fields).await
}

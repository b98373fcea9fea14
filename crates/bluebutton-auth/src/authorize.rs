//! Building the authorize URL (the redirect that starts the Medicare login).

use url::Url;

use crate::request::AuthRequest;
use crate::scope::{Scope, join_scopes};

/// Builds `GET {authorize_endpoint}?client_id=..&redirect_uri=..&state=..&response_type=code
/// &code_challenge_method=S256&code_challenge=..[&scope=..][&lang=..]`.
///
/// Every value is form-URL-encoded. The method is always `S256`: there is no way to ask
/// for `plain`. `authorize_endpoint` should keep its trailing slash (`/v2/o/authorize/`);
/// the server answers 301 without it. The client secret is never part of this URL.
pub fn build_authorize_url(
    authorize_endpoint: &Url,
    client_id: &str,
    redirect_uri: &Url,
    request: &AuthRequest,
) -> Url {
    build_with_scopes(
        authorize_endpoint,
        client_id,
        redirect_uri,
        request,
        request.scopes(),
    )
}

/// [`build_authorize_url`] asking for `scopes` (none: no `scope` parameter).
pub(crate) fn build_with_scopes(
    authorize_endpoint: &Url,
    client_id: &str,
    redirect_uri: &Url,
    request: &AuthRequest,
    scopes: &[Scope],
) -> Url {
    let mut url = authorize_endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("state", request.state().secret())
            .append_pair("response_type", "code")
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &request.code_challenge());
        if !scopes.is_empty() {
            query.append_pair("scope", &join_scopes(scopes));
        }
        if let Some(lang) = request.lang() {
            query.append_pair("lang", lang.as_str());
        }
    }
    url
}

//! The OAuth2 side of the API: authorize (auto-approve or consent page), token, revoke, introspect,
//! userinfo, and the bearer-token checks FHIR routes share.

pub(crate) mod authorize;
pub(crate) mod bearer;
mod body;
mod client_auth;
pub(crate) mod consent;
pub(crate) mod introspect;
pub(crate) mod revoke;
mod scopes;
pub(crate) mod store;
pub(crate) mod token;
pub(crate) mod userinfo;

pub(crate) use scopes::allows as scopes_allow;

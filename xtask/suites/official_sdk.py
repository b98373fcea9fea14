"""Drives the official CMS Blue Button Python SDK (cms-bluebutton-sdk) through its whole flow
against a bluebutton-sandbox listening on http://localhost:8000 (the SDK's fixed LOCAL environment).

Run by `cargo xtask suite official-sdk`, which passes the sandbox's credentials in the environment:
BB_CLIENT_ID, BB_CLIENT_SECRET, BB_REDIRECT_URI, BB_EXPECTED_EOBS.
"""

import os
import sys
import urllib.parse

import requests
from cms_bluebutton import BlueButton

CHECKS = []


def check(name, condition, detail=""):
    CHECKS.append(name)
    if not condition:
        print(f"FAIL {name} {detail}")
        sys.exit(1)
    print(f"ok   {name}")


def query_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def main():
    expected_eobs = int(os.environ.get("BB_EXPECTED_EOBS", "52"))
    config = {
        "environment": "LOCAL",
        "version": 2,
        "client_id": os.environ["BB_CLIENT_ID"],
        "client_secret": os.environ["BB_CLIENT_SECRET"],
        "callback_url": os.environ["BB_REDIRECT_URI"],
    }
    bb = BlueButton(config)
    check("base url is LOCAL", bb.base_url == "http://localhost:8000", bb.base_url)

    auth_data = bb.generate_auth_data()
    url = bb.generate_authorize_url(auth_data)
    check("authorize url is /v2/o/authorize", url.startswith("http://localhost:8000/v2/o/authorize?"), url)

    first = requests.get(url, allow_redirects=False)
    check("slashless authorize answers 301", first.status_code == 301, first.status_code)
    location = urllib.parse.urljoin(url, first.headers["Location"])
    check("301 goes to the slashed path", urllib.parse.urlsplit(location).path == "/v2/o/authorize/", location)

    second = requests.get(location, allow_redirects=False)
    check("authorize answers 302", second.status_code == 302, f"{second.status_code} {second.text[:200]}")
    callback = query_of(second.headers["Location"])
    check("callback has code and state", "code" in callback and "state" in callback, callback)
    check("callback goes to the redirect uri", second.headers["Location"].startswith(config["callback_url"]))

    token = bb.get_authorization_token(auth_data, callback.get("code"), callback.get("state"))
    check("token has patient", bool(token.patient), token.get_dict())
    check("token not expired", not token.access_token_expired())
    check("token scope has demographics", "patient/Patient.rs" in token.scope, token.scope)

    refreshed = bb.refresh_auth_token(token)
    check("refresh rotates the access token", refreshed.access_token != token.access_token)
    check("refresh rotates the refresh token", refreshed.refresh_token != token.refresh_token)
    check("refresh keeps the patient", refreshed.patient == token.patient)
    token = refreshed

    patient = bb.get_patient_data({"auth_token": token, "params": {}})
    response = patient["response"]
    check("Patient search 200", response.status_code == 200, response.text[:300])
    body = response.json()
    check("Patient bundle has the token's patient", body["entry"][0]["resource"]["id"] == token.patient)

    coverage = bb.get_coverage_data({"auth_token": token, "params": {}})["response"]
    check("Coverage search 200", coverage.status_code == 200, coverage.text[:300])
    parts = [e["resource"]["id"] for e in coverage.json()["entry"]]
    check("Coverage has Parts A-D", len(parts) == 4, parts)

    profile = bb.get_profile_data({"auth_token": token, "params": {}})["response"]
    check("userinfo 200", profile.status_code == 200, profile.text[:300])
    check("userinfo sub is the patient", profile.json()["sub"] == token.patient)

    eob_config = {"auth_token": token, "params": {}}
    eob = bb.get_explaination_of_benefit_data(eob_config)
    first_page = eob["response"]
    check("EOB search 200", first_page.status_code == 200, first_page.text[:300])
    bundle = first_page.json()
    check("EOB total", bundle["total"] == expected_eobs, bundle["total"])

    pages = bb.get_pages(bundle, eob_config)
    resources = [e["resource"] for p in pages["pages"] for e in p.get("entry", [])]
    expected_pages = (expected_eobs + 9) // 10
    check("get_pages page count", len(pages["pages"]) == expected_pages, len(pages["pages"]))
    check("get_pages EOB count", len(resources) == expected_eobs, len(resources))
    check("EOB ids are unique", len({r["id"] for r in resources}) == expected_eobs)
    check("every EOB is the patient's", all(r["patient"]["reference"] == f"Patient/{token.patient}" for r in resources))

    print(f"{len(CHECKS)} passed, 0 failed")


if __name__ == "__main__":
    main()

"""The official CMS Blue Button Python SDK (cms-bluebutton-sdk 1.1.0) as a benchmark client:
authorize (the browser step with `requests`), exchange the code, then every EOB page with
`get_pages`, against the bench sandbox.

Run by `cargo xtask bench` with BB_BASE_URL, BB_CLIENT_ID, BB_CLIENT_SECRET, BB_REDIRECT_URI,
BB_COUNT (page size) and BB_EXPECT (EOBs). The SDK only knows fixed environments, so after
building the client with LOCAL, its three URL attributes are pointed at the sandbox's port.
Prints one JSON line: EOB and page counts, the CPU and wall time of the flow itself (without
interpreter start-up and imports, which the runner measures as part of the process), and the CPU
of the SDK's page fetches alone (`pages_cpu_s`: the EOB search and `get_pages`, no login).
"""

import json
import os
import sys
import time
import urllib.parse

import requests
from cms_bluebutton import BlueButton

FLOW_CPU_START = time.process_time()
FLOW_WALL_START = time.perf_counter()


def main():
    base = os.environ["BB_BASE_URL"].rstrip("/")
    count = int(os.environ.get("BB_COUNT", "50"))
    expect = int(os.environ.get("BB_EXPECT", "0"))
    bb = BlueButton({
        "environment": "LOCAL",
        "version": 2,
        "client_id": os.environ["BB_CLIENT_ID"],
        "client_secret": os.environ["BB_CLIENT_SECRET"],
        "callback_url": os.environ["BB_REDIRECT_URI"],
    })
    bb.base_url = base
    bb.auth_base_url = "{}/v{}/o/authorize".format(base, bb.version)
    bb.auth_token_url = "{}/v{}/o/token/".format(base, bb.version)

    auth_data = bb.generate_auth_data()
    url = bb.generate_authorize_url(auth_data)
    # The browser: the slashless path answers 301, the slashed one 302 to the callback.
    response = requests.get(url, allow_redirects=False)
    while response.status_code in (301, 308):
        url = urllib.parse.urljoin(url, response.headers["Location"])
        response = requests.get(url, allow_redirects=False)
    if response.status_code != 302:
        sys.exit(f"authorize answered {response.status_code}: {response.text[:200]}")
    callback = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["Location"]).query))
    token = bb.get_authorization_token(auth_data, callback.get("code"), callback.get("state"))

    config = {"auth_token": token, "params": {"_count": count}}
    pages_cpu_start = time.process_time()
    first = bb.get_explaination_of_benefit_data(config)["response"]
    if first.status_code != 200:
        sys.exit(f"EOB search answered {first.status_code}: {first.text[:200]}")
    # Next links already carry _count; get_pages re-sends config["params"] on each of them.
    config["params"] = {}
    pages = bb.get_pages(first.json(), config)["pages"]
    pages_cpu = time.process_time() - pages_cpu_start
    eobs = sum(len(page.get("entry", [])) for page in pages)
    if expect and eobs != expect:
        sys.exit(f"expected {expect} EOBs, got {eobs}")
    print(json.dumps({
        "eobs": eobs,
        "pages": len(pages),
        "flow_cpu_s": time.process_time() - FLOW_CPU_START,
        "pages_cpu_s": pages_cpu,
        "flow_wall_s": time.perf_counter() - FLOW_WALL_START,
        "import_cpu_s": FLOW_CPU_START,
    }))


if __name__ == "__main__":
    main()

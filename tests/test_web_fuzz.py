"""Fuzz the REST API from its own OpenAPI document with schemathesis, against a real ``veritext serve`` on loopback.

Every check schemathesis has (server errors, undocumented status codes, content types, response
schemas, schema-valid data rejected, schema-invalid data accepted, Allow headers, use after delete …)
runs over its coverage, fuzzing and stateful phases with a bounded number of examples per operation
and a fixed seed (``VERITEXT_FUZZ_SEED`` to vary it), so the run is reproducible and stops by itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from _web_server import running_server

try:
    import schemathesis  # noqa: F401  (the command below is its CLI)
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("pip install schemathesis", allow_module_level=True)

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 10
SEED = os.environ.get("VERITEXT_FUZZ_SEED", "20261128")

# What schemathesis cannot know from a schema alone:
# - a body over the server's size limit is refused with 413 (documented), before validation;
# - the ledger checks what a pattern cannot say (a real calendar date, an ISO 4217 code, each
#   currency's decimals, a plausible rate) and answers 422 naming the field (documented).
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "413", "415", "422"]

[[operations]]
include-path-regex = "^/api/v1/loans"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "422"]
"""


def test_the_api_keeps_its_openapi_contract_under_fuzzing(tmp_path: Path) -> None:
    if not SCHEMATHESIS.exists():
        found = shutil.which("schemathesis")
        assert found, "the schemathesis command is missing"
        command = Path(found)
    else:
        command = SCHEMATHESIS
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with running_server(tmp_path / "fuzz.db") as base:
        assert urlparse(base).hostname == "127.0.0.1"  # never anything but loopback
        # something to find: saved checks and loans the id-taking operations can reach
        for text in ("【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理", "Your loan is past due"):
            assert httpx.post(f"{base}/api/v1/triage", json={"text": text, "save": True}).status_code == 200
        assert httpx.post(f"{base}/api/v1/loans", json={"lender": "招联金融", "outstanding": "3000"}).status_code == 201
        spec = httpx.get(f"{base}/openapi.json").json()
        operations = sum(len(ops) for ops in spec["paths"].values())
        run = subprocess.run(
            [
                str(command),
                "--config-file",
                str(config),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                str(MAX_EXAMPLES),
                "--seed",
                SEED,
                "--generation-database",
                "none",
                "--workers",
                "2",
                "--request-timeout",
                "30",
                "--no-color",
                "--output-truncate",
                "true",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    summary = run.stdout[run.stdout.find("=== SUMMARY") :] if "=== SUMMARY" in run.stdout else run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
    assert f"Tested: {operations}" in run.stdout and " passed" in run.stdout

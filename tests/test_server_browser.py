"""The HR page in a real browser: Debian's headless Chromium driven by Playwright.

Starts ``tpm-fit serve`` on 127.0.0.1 with a decision log, then, as a person would: signs in as a
requester, fills the form with the keyboard-usable labelled fields, reads the result, records the
decision, signs out, signs in as a reviewer, overrides with a reason, and sees the review. It
saves a screenshot at each step (in ``TPM_FIT_SCREENSHOTS`` if set, else the test's temporary
folder). The browser is ``/usr/bin/chromium`` (Debian's ``chromium`` package); Playwright never
downloads one. Runs in CI (``CI=true``) or with ``TPM_FIT_E2E=1 pytest -m e2e``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api")

from tpm_fit._server.tokens import TokenStore

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if os.environ.get("CI", "").lower() not in {"1", "true", "yes"} and os.environ.get("TPM_FIT_E2E") != "1":
    pytest.skip(
        "end-to-end browser test: runs in CI (CI=true) or with TPM_FIT_E2E=1", allow_module_level=True
    )
if not CHROMIUM.exists():
    pytest.skip(
        "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)", allow_module_level=True
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("browser")
    log = folder / "decisions.db"
    store = TokenStore(log)
    tokens = {role: store.add(name=f"{role}-1", role=role) for role in ("requester", "reviewer")}
    port = _free_port()
    command = [sys.executable, "-m", "tpm_fit", "serve", "--log", str(log), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("w"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((folder / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base, tokens
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("TPM_FIT_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(page: object, base: str, token: str) -> None:
    page.goto(f"{base}/signin")  # type: ignore[attr-defined]
    page.get_by_label("API token").fill(token)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def test_hr_page_recommend_record_sign_in_and_override(
    service: tuple[str, dict[str, str]], shots: Path
) -> None:
    base, tokens = service
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
            page.set_default_timeout(15_000)
            _sign_in(page, base, tokens["requester"])
            page.goto(f"{base}/")
            # The form: fields found by their labels, levels chosen from lists, counts typed.
            page.get_by_label("Company size").fill("40")
            page.get_by_label("Product complexity").select_option("high")
            page.get_by_label("Strategy coverage").fill("2")
            assert page.get_by_label("Engineering capability").input_value() == "established"
            assert page.get_by_text("Default established: assumed unless you change it.").is_visible()
            page.screenshot(path=str(shots / "1-form.png"), full_page=True)
            page.get_by_label("Company size").focus()
            page.keyboard.press("Enter")  # submitting by keyboard works
            page.wait_for_url("**/result?**")
            assert page.locator("#verdict").inner_text() == "Hire a technical PM (engineering background)."
            assert page.locator("#seat").inner_text() == "A generalist seat owning: marketing, technical."
            assert "firm: 100.0% of plausible weightings agree." in page.locator("#firmness").inner_text()
            assert "Business faces left behind" in page.locator("#risks").inner_text()
            assert page.get_by_role("link", name="Role brief (HTML)").is_visible()
            page.screenshot(path=str(shots / "2-result.png"), full_page=True)
            page.get_by_role("button", name="Record this decision").click()
            page.wait_for_url("**/decisions/*")
            decision_url = page.url
            assert page.locator("#reviews").inner_text() == "Not reviewed yet."
            page.screenshot(path=str(shots / "3-recorded.png"), full_page=True)
            page.get_by_role("button", name="Sign out").click()
            _sign_in(page, base, tokens["reviewer"])
            page.goto(decision_url)
            page.get_by_label("Override it").check()
            page.get_by_label("Verdict instead (for an override)").select_option("either")
            page.get_by_label("Reason (required for an override)").fill("One budget line: hire for breadth")
            page.screenshot(path=str(shots / "4-review-form.png"), full_page=True)
            page.get_by_role("button", name="Save review").click()
            page.wait_for_url(decision_url)
            review = page.locator("#reviews").inner_text()
            assert "override to either by reviewer-1" in review
            assert "One budget line: hire for breadth" in review
            assert page.locator("#in-force").inner_text() == "either"
            page.screenshot(path=str(shots / "5-reviewed.png"), full_page=True)
            page.goto(f"{base}/decisions")
            assert "override by reviewer-1" in page.locator("table").inner_text()
            page.screenshot(path=str(shots / "6-decisions.png"), full_page=True)
        finally:
            browser.close()
    assert sorted(path.name for path in shots.glob("*.png")) == [
        "1-form.png",
        "2-result.png",
        "3-recorded.png",
        "4-review-form.png",
        "5-reviewed.png",
        "6-decisions.png",
    ]

"""The documentation site in a real browser.

Builds the site (``mkdocs build --strict``, or takes the one built at ``LAMBDA_PERMS_SITE``),
serves it on 127.0.0.1 and drives headless Chromium with Playwright: the system's browser
(Debian's ``chromium``, or ``LAMBDA_PERMS_CHROMIUM``), never one Playwright downloads. Every
request that leaves 127.0.0.1 is blocked and counted as a failure: the site works offline.

Screenshots are kept as artifacts in ``build/site-test/`` of the checkout (or
``LAMBDA_PERMS_ARTIFACTS``). Skips, saying why, only where there is no browser or no
Playwright (``apt-get install chromium``; ``pip install -e '.[browser]'``).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from lambda_perms import catalogue

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page, Route

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser

#: Chromium's switches for a headless run as root in a container, with no network of its own.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _chromium() -> str | None:
    named = os.environ.get("LAMBDA_PERMS_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def artifacts() -> Path:
    out = Path(os.environ.get("LAMBDA_PERMS_ARTIFACTS") or ROOT / "build" / "site-test")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get("LAMBDA_PERMS_SITE")
    if built:
        path = Path(built)
        assert (path / "index.html").is_file(), f"LAMBDA_PERMS_SITE={built} holds no built site"
        return path
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("MkDocs is not installed: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def context(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: apt-get install chromium (Debian)")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("Playwright is not installed: pip install -e '.[browser]'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh profile
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        outside: list[str] = []

        def block(route: Route) -> None:
            outside.append(route.request.url)
            route.abort()

        context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), block)
        try:
            yield context
        finally:
            context.close()
        assert outside == [], f"the site fetched from outside 127.0.0.1: {outside}"


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    yield page
    page.close()
    assert errors == [], errors


def test_the_home_answers_what_sam_deploy_needs(page: Page, base_url: str, artifacts: Path) -> None:
    page.goto(base_url)
    page.wait_for_load_state("networkidle")
    heading = page.locator("h2#what-sam-deploy-needs-and-why")
    assert heading.is_visible()
    table = page.locator("h2#what-sam-deploy-needs-and-why ~ div table").first
    sids = table.locator("tbody tr td:first-child").all_inner_texts()
    assert sids[:2] == ["CloudFormationDeploy", "CloudFormationTransform"]
    assert "IamPassExecutionRole" in sids
    # the statements are in the first screen, and each action links to its row
    assert table.locator("tbody tr").first.bounding_box()["y"] < 900  # type: ignore[index]
    link = table.get_by_role("link", name="PassRole", exact=True)
    assert link.get_attribute("href") == "services/iam/#iam-passrole"
    assert "Lambda::Function handler passes the execution role" in (
        link.get_attribute("title") or ""
    )
    page.screenshot(path=artifacts / "home.png")
    link.click()
    page.wait_for_url("**/services/iam/#iam-passrole")
    row = page.locator("tr:has(a#iam-passrole)")
    assert row.is_visible()
    # the :target highlight applies once the new page has rendered, which may be after the
    # URL changed (instant navigation): wait for it, up to 5 s, then fail
    page.wait_for_function(
        """() => {
            const row = document.querySelector("tr:has(a#iam-passrole)");
            return row !== null && getComputedStyle(row).backgroundColor !== "rgba(0, 0, 0, 0)";
        }""",
        timeout=5_000,
    )


#: What a reader types, and a page the results must list: actions by name (whole, or the name
#: alone) and by what they are for.
SEARCHES = (
    ("PassRole", "services/iam/"),
    ("iam:PassRole", "services/iam/"),
    ("cloudformation:CreateChangeSet", "services/cloudformation/"),
    ("CreateChangeSet", "services/cloudformation/"),
    ("rollback", "rollback-only/"),
    ("transform", "services/cloudformation/"),
    ("companion stack", "services/ecr/"),
)


def _settled(page: Page, results: Locator) -> list[str]:
    """The results' links once they stop changing (the search runs on every key)."""
    results.first.wait_for()
    last: list[str] = []
    for _ in range(50):
        now: list[str] = results.evaluate_all("links => links.map(a => a.href)")
        if now and now == last:
            return now
        last = now
        page.wait_for_timeout(150)
    return last


def test_search_finds_an_action_by_name_and_by_purpose(
    page: Page, base_url: str, artifacts: Path
) -> None:
    page.goto(base_url)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    missed = {}
    for query, expected in SEARCHES:
        results = page.locator(".md-search-result__item > a")
        box.fill("")  # the previous query's results go before this query's come
        results.first.wait_for(state="detached")
        box.press_sequentially(query)  # typed, as a reader does: the search runs on keys
        hrefs = _settled(page, results)
        pages = list(dict.fromkeys(urlsplit(h).path for h in hrefs))  # no ?h=... or #...
        if urlsplit(base_url + expected).path not in pages:
            missed[query] = pages
        if query == "PassRole":
            page.screenshot(path=artifacts / "search-passrole.png")
    assert missed == {}


def test_a_service_page_shows_its_table_and_filters_it(
    page: Page, base_url: str, artifacts: Path
) -> None:
    iam = catalogue().service("iam")
    page.goto(base_url + "services/iam/")
    table = page.locator("article table").first
    rows = table.locator("tbody tr")
    assert rows.count() == len(iam.needs)
    header = table.locator("thead th").all_inner_texts()
    assert header[:2] == ["Action", "Purpose"]
    assert header[-2:] == ["Why", "Evidence"]
    reference = table.locator("tbody tr a[href*='service-authorization']").first
    assert "list_awsidentityandaccessmanagementiam.html" in (reference.get_attribute("href") or "")
    box = page.locator("input.lp-table-filter")
    assert box.count() == 1
    box.fill("PassRole")
    visible = table.locator("tbody tr:not([hidden])")
    assert visible.count() == len(iam.needs_of("iam:PassRole"))
    assert (
        page.locator(".lp-table-count").inner_text()
        == f"{visible.count()} of {len(iam.needs)} rows"
    )
    page.screenshot(path=artifacts / "iam-filtered.png")
    box.fill("")
    assert table.locator("tbody tr:not([hidden])").count() == len(iam.needs)


def test_a_phone_sized_viewport_is_readable(page: Page, base_url: str, artifacts: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url)
    page.wait_for_load_state("networkidle")
    # nothing wider than the screen: wide tables scroll inside their own box
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    wrap = page.locator(".md-typeset__scrollwrap").first
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    assert wrap.evaluate("w => getComputedStyle(w).overflowX") == "auto"
    # body text at a readable size; the navigation folds into the menu button
    size = page.locator("article p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert size >= 14
    assert page.locator("label.md-header__button[for='__drawer']").is_visible()
    drawer = page.locator(".md-sidebar--primary").bounding_box()
    assert drawer is not None
    assert drawer["x"] + drawer["width"] <= 0  # off screen until the menu button opens it
    page.screenshot(path=artifacts / "home-phone.png", full_page=False)

"""The dashboard in a real browser: Debian's chromium (headless, Playwright) against a real
uvicorn hub on 127.0.0.1 holding the hand-computed fixture month.

Logs in as every role, opens every page, checks the figures against the fixture, downloads
exports and reads them back, imports a roster with a formula-like name, runs the content
workflow, and checks access control for every role and for another prison's data.
Screenshots go to pytest's tmp folder; with ``BANNALAI_SCREENSHOTS=1`` a few are also written to
docs/screenshots/hub-*.png for the README.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.hub_fixture import EXPECTED_P01, FORMULA_NAME, KHMER_NAME, PASSWORD, build

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
MONTH = "month=2026-03"
PAGES = ["/figures", "/kiosks", "/loans", "/loans?overdue=1", "/conflicts", "/catalogue",
         "/patrons", "/content", "/national"]  # fmt: skip


DATA_DIRS: dict[str, Path] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    data = tmp_path_factory.mktemp("dash") / "hub"
    build(data).close()
    DATA_DIRS["hub"] = data
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--data-dir", str(data), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/api/v1/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(proc.stdout.read().decode())
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


def login(browser, base, username, lang="en"):
    context = browser.new_context(base_url=base, accept_downloads=True, locale=lang,
                                  viewport={"width": 1200, "height": 860})  # fmt: skip
    page = context.new_page()
    page.goto(f"/login?lang={lang}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:500]
    return context, page


def status(context, path, method="GET", form=None) -> int:
    req = context.request
    resp = (
        req.post(path, form=form or {}, max_redirects=0)
        if method == "POST"
        else req.get(path, max_redirects=0)
    )
    return resp.status


def save(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    if os.environ.get("BANNALAI_SCREENSHOTS"):
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"hub-{name}.png"))


def test_admin_opens_every_page_and_the_figures_match_the_fixture(server, browser, shots):
    context, page = login(browser, server, "admin")
    for path in PAGES:
        sep = "&" if "?" in path else "?"
        resp = page.goto(f"{path}{sep}{MONTH}&prison=P01" if path != "/national" else path)
        assert resp.status == 200, path
        assert page.locator("h1").count() == 1 and "Problem" not in page.inner_text("h1"), path
    page.goto(f"/figures?{MONTH}&prison=P01")
    for key in ("readers", "loans", "returns", "renewals", "overdue_loans", "reading_sessions",
                "reading_minutes", "anonymous_sessions"):  # fmt: skip
        assert page.inner_text(f'td[data-key="{key}"]') == str(EXPECTED_P01[key]), key
    for activity, values in EXPECTED_P01["attendance"].items():
        for k, v in values.items():
            assert page.inner_text(f'td[data-key="{activity}-{k}"]') == str(v)
    assert page.locator("svg.chart").count() == 2
    save(page, shots, "figures-en")
    context.close()


def test_exports_download_and_read_back(server, browser):
    context, page = login(browser, server, "lib1")
    page.goto(f"/figures?{MONTH}")
    with page.expect_download() as info:
        page.click("#export-patrons-xlsx")
    assert info.value.suggested_filename == "bannalai-patrons-P01-2026-03.xlsx"
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    names = {r[rows[0].index("card")]: r[rows[0].index("name")] for r in rows[1:]}
    assert names["C8"] == "'" + FORMULA_NAME and names["C1"] == KHMER_NAME
    assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)
    with page.expect_download() as info:
        page.click("#export-figures-csv")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert "P01" in text and "<5" in text and "P02" not in text
    with page.expect_download() as info:
        page.click("#export-pdf")
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    context.close()


def test_khmer_pages_and_screenshots(server, browser, shots):
    context, page = login(browser, server, "lib1", lang="km")
    page.goto(f"/figures?{MONTH}")
    assert "តួលេខប្រចាំខែ" in page.inner_text("h1")
    assert "អ្នកអាន" in page.inner_text("#figures")
    save(page, shots, "figures-km")
    page.goto("/loans?overdue=1")
    assert "ការខ្ចីហួសកាលកំណត់" in page.inner_text("h1")
    save(page, shots, "loans-km")
    page.goto("/patrons")
    assert KHMER_NAME in page.inner_text("table")
    # The formula-like name is shown as text, exactly as typed.
    assert page.locator("td.name", has_text="HYPERLINK").inner_text() == FORMULA_NAME
    save(page, shots, "patrons-km")
    context.close()


def test_librarian_imports_a_roster_and_marks_a_release(server, browser, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "card,detainee_no,name\nC20,D-20,=1+2\nC21,D-21,<b id=x>ចាន់ ធី</b>\n,D-22,no card\n",
        encoding="utf-8",
    )
    context, page = login(browser, server, "lib1")
    page.goto("/patrons")
    page.set_input_files("input[type=file]", str(roster))
    page.click("form[action='/patrons/import'] button")
    result = page.inner_text("#import-result")
    assert "line 4" in result and "C20" not in page.inner_text("table")  # one bad row: nothing
    page.set_input_files("input[type=file]", str(roster))
    page.check("input[name=skip_bad]")
    page.click("form[action='/patrons/import'] button")
    result = page.inner_text("#import-result")
    assert "line 4" in result and "C20" in page.inner_text("table")  # the good rows, on request
    assert page.locator("td.name", has_text="=1+2").count() == 1
    assert page.locator("b#x").count() == 0  # markup in a name is shown as text
    assert page.locator("td.name", has_text="<b id=x>").count() == 1
    # Bad files: refused whole with a reason, nothing stored.
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("card,name\nC30,Andr\xe9\n".encode("latin-1"))
    text = tmp_path / "roster.txt"
    text.write_text("card,name\nC31,X\n")
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("card,nom\nC32,X\n")
    for bad, reason in ((latin1, "not UTF-8"), (text, ".csv or .xlsx"), (nocol, "no column name")):
        page.goto("/patrons")
        page.set_input_files("input[type=file]", str(bad))
        page.click("form[action='/patrons/import'] button")
        assert reason in page.inner_text("p.error"), bad.name
    page.goto("/patrons?q=C3")
    assert "C30" not in page.inner_text("table") and "C32" not in page.inner_text("table")
    page.goto("/patrons")
    row = page.locator("tr").filter(has=page.locator("td:text-is('C3')"))
    row.locator("select[name=loans]").select_option("flagged")
    row.locator("button").click()
    row = page.locator("tr").filter(has=page.locator("td:text-is('C3')")).first
    assert "released" in row.inner_text()
    page.goto("/conflicts")
    flagged = page.locator("tr").filter(has=page.locator("td:text-is('B4')"))
    assert "patron_left_with_loan" in flagged.inner_text()  # C3 left with B4: to chase
    flagged.locator("input[name=note]").fill("book found in cell")
    flagged.locator("button").click()
    assert page.locator("td:text-is('B4')").count() == 0
    context.close()


def test_content_upload_approve_publish_and_opds(server, browser, tmp_path):
    book = tmp_path / "guide.txt"
    book.write_text("សៀវភៅណែនាំ\n", encoding="utf-8")
    lib, page = login(browser, server, "lib1")
    page.goto("/content")
    page.set_input_files("input[type=file]", str(book))
    page.fill("input[name=content_id]", "guide-1")
    page.fill("input[name=title]", "សៀវភៅណែនាំអ្នកជាប់ឃុំ")
    page.click("form[action='/content/upload'] button")
    assert status(lib, "/content/guide-1/approve", "POST") == 403  # librarians cannot approve
    admin, apage = login(browser, server, "admin")
    apage.goto("/content")
    apage.click("form[action='/content/guide-1/approve'] button")
    page.goto("/content")
    page.click("form[action='/content/guide-1/publish'] button")
    assert page.locator("form[action='/content/guide-1/withdraw']").count() == 1
    feed = lib.request.get("/opds")
    assert feed.status == 200 and "សៀវភៅណែនាំអ្នកជាប់ឃុំ" in feed.text()
    assert "application/atom+xml" in feed.headers["content-type"]
    href = feed.text().split('href="')[-1].split('"')[0]
    assert lib.request.get(href).body() == book.read_bytes()
    lib.close()
    admin.close()


def test_access_control_for_every_role_and_other_prisons(server, browser):
    anon = browser.new_context(base_url=server)
    for path in PAGES + ["/exports/figures.csv", "/report.pdf"]:
        assert status(anon, path) == 303, path  # to the login page
    assert status(anon, "/patrons/leave", "POST", {"card": "C1"}) in (303, 403)

    viewer, _ = login(browser, server, "view1")
    for path in ("/figures", "/kiosks", "/catalogue", "/content", f"/exports/figures.csv?{MONTH}",
                 f"/exports/catalogue.xlsx?{MONTH}"):  # fmt: skip
        assert status(viewer, path) == 200, path
    for path in ("/loans", "/patrons", "/conflicts", "/national", f"/exports/patrons.csv?{MONTH}",
                 f"/exports/loans.xlsx?{MONTH}", "/figures?prison=P02"):  # fmt: skip
        assert status(viewer, path) == 403, path

    lib, page = login(browser, server, "lib1")
    for path in (
        "/figures?prison=P02",
        "/loans?prison=P02",
        "/patrons?prison=P02",
        f"/exports/loans.csv?{MONTH}&prison=P02",
        "/national",
        "/kiosks?prison=P02",
    ):
        assert status(lib, path) == 403, path
    page.goto("/kiosks")
    assert "K1" in page.inner_text("table") and "K2" not in page.inner_text("table")
    page.goto("/patrons")
    assert "Other Person" not in page.content()  # P02's patron
    # A form without the CSRF token is refused even with a valid session.
    assert status(lib, "/patrons/leave", "POST", {"card": "C3", "status": "released"}) == 403

    lib2, page2 = login(browser, server, "lib2")
    page2.goto("/patrons")
    assert "Other Person" in page2.content() and KHMER_NAME not in page2.content()
    page2.goto(f"/figures?{MONTH}")
    assert page2.inner_text('td[data-key="loans"]') == "1"
    with page2.expect_download() as info:
        page2.click("#export-loans-csv")
    assert "B1" in Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert KHMER_NAME not in Path(info.value.path()).read_text(encoding="utf-8-sig")

    wrong = browser.new_context(base_url=server)
    wpage = wrong.new_page()
    wpage.goto("/login")
    wpage.fill("input[name=username]", "admin")
    wpage.fill("input[name=password]", "wrong password!")
    wpage.click("#login")
    assert "/login" in wpage.url and wpage.locator(".error").count() == 1
    for ctx in (anon, viewer, lib, lib2, wrong):
        ctx.close()


def test_national_import_through_the_dashboard(server, browser, tmp_path):
    from hub import bundle

    data = DATA_DIRS["hub"]  # this hub plays both sides: P01's hub and the national hub
    bundle.new_key(bundle.key_dir(data), "P01")
    good = tmp_path / "P01-2026-03.json"
    subprocess.run([sys.executable, "-m", "hub", "export-bundle", "--month", "2026-03", "--prison",
                    "P01", "--out", str(good), "--data-dir", str(data)], check=True, cwd=ROOT)  # fmt: skip
    admin, page = login(browser, server, "admin")
    page.goto("/national")
    for expected in ("imported", "already"):
        page.set_input_files("input[type=file]", str(good))
        page.click("form[action='/national/import'] button")
        assert expected in page.inner_text("[role=status]")
    row = page.locator("tr").filter(has=page.locator("td:text-is('P01')"))
    assert row.locator("td").nth(1).inner_text() == "7"  # readers, from the bundle
    assert "<5" in row.inner_text()  # suppressed before it left the prison
    bogus = tmp_path / "bundle.json"
    bogus.write_text(good.read_text().replace('"readers": 7', '"readers": 70'))
    page.set_input_files("input[type=file]", str(bogus))
    page.click("form[action='/national/import'] button")
    assert "signature" in page.inner_text(".error")  # tampered: refused, with the reason
    admin.close()

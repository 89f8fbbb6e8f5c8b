"""The HTML report in a real headless browser, with the network off.

Needs Debian's chromium and chromium-driver (installed by .ci/run). Skipped
where they are missing unless MUSICFEAT_REQUIRE_BROWSER=1 (CI), where a
missing browser fails instead.
"""

import io
import os
import shutil

import numpy as np
import pytest

from musicfeat.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.slow  # a headless browser


@pytest.fixture(scope="module")
def browser():
    have = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
    if not have:
        if os.environ.get("MUSICFEAT_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "chromium and chromedriver are required here (apt-get install chromium chromium-driver)"
            )
        pytest.skip("chromium/chromedriver not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # the network is off: no name resolves
        "--window-size=1400,2000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(i * 3, 1, (25, 5)) for i in range(3)])
    labels = np.repeat(["Brahms", "Choice", "Vibe Ace"], 25)
    table = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    table.insert(0, "label", labels)
    table.insert(0, "path", [f"{lab}/track {i}.ogg" for i, lab in enumerate(labels)])
    folder = tmp_path_factory.mktemp("report")
    table.to_csv(folder / "t.csv", index=False)
    assert main(["report", str(folder / "t.csv"), "-o", str(folder / "report.html")]) == 0
    return folder / "report.html"


def test_report_renders_offline_with_hover_and_legend(browser, report_page):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(report_page.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return !!(window.Bokeh && Bokeh.documents.length > 0)")
    )
    types = browser.execute_script(
        "const s = new Set(); for (const doc of Bokeh.documents) for (const m of doc.all_models) s.add(m.type);"
        "return [...s];"
    )
    assert {"HoverTool", "Legend", "Scatter", "Rect", "HBar"} <= set(types)
    policies = browser.execute_script(
        "const p = []; for (const doc of Bokeh.documents) for (const m of doc.all_models)"
        " if (m.type === 'Legend') p.push(m.click_policy); return p;"
    )
    assert policies and set(policies) == {"hide"}
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_report_screenshot_is_not_blank(browser, report_page):
    import matplotlib.image

    browser.get(report_page.as_uri())
    browser.implicitly_wait(2)
    png = browser.get_screenshot_as_png()
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3]
    non_white = np.mean(pixels.min(axis=-1) < 0.9)
    assert pixels.std() > 0.05 and non_white > 0.05, "the page looks blank"

"""``GET /`` in a real headless browser: Debian's chromium driven by Selenium through chromedriver.

The browser is required: without chromium and chromedriver the test fails with the reason (``make
test`` installs them where it can), unless ``TEXTCNN_SKIP_BROWSER=1`` opts out explicitly. The
screenshot goes to ``$TEXTCNN_SCREENSHOT`` when set, else to the test's temporary directory.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--window-size=1000,900"]


@pytest.fixture
def browser():
    if os.environ.get("TEXTCNN_SKIP_BROWSER") == "1":
        pytest.skip("TEXTCNN_SKIP_BROWSER=1: the browser test is opted out")
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        pytest.fail("the page test needs Debian's chromium and chromium-driver (apt-get install chromium "
                    "chromium-driver, or `make test` as root); set TEXTCNN_SKIP_BROWSER=1 to opt out", pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    yield driver
    driver.quit()


def test_the_page_classifies_typed_sentences(browser, base_url, classifier, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, 20)
    browser.get(base_url + "/")
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "model-info"), "labels: negative, positive"))
    assert [o.text for o in Select(browser.find_element(By.ID, "model")).options] == ["toy (v1)"]
    assert not browser.find_element(By.ID, "texts").get_attribute("hidden")
    assert not browser.find_element(By.ID, "drop").is_displayed()  # a text model: no image drop zone
    texts = ["a joy to watch", "a dull and boring mess", "mixed スクリプト и текст"]  # chromedriver types BMP only
    browser.find_element(By.ID, "texts").send_keys("\n".join(texts))
    browser.find_element(By.ID, "classify").click()
    wait.until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#results .result")) == len(texts))

    expected = classifier.predict(texts, k=2)
    for item, text, ranked in zip(browser.find_elements(By.CSS_SELECTOR, "#results .result"), texts, expected):
        assert item.find_element(By.CLASS_NAME, "input").text == text
        bars = item.find_elements(By.CLASS_NAME, "bar")
        assert [bar.get_attribute("data-label") for bar in bars] == [label for label, _ in ranked]
        for bar, (_, score) in zip(bars, ranked):
            assert bar.find_element(By.CLASS_NAME, "score").text == f"{100 * score:.1f}%"
            track = bar.find_element(By.CLASS_NAME, "track").size["width"]
            fill = bar.find_element(By.CLASS_NAME, "fill").size["width"]
            assert fill == pytest.approx(score * track, abs=2)  # the bar is drawn to its probability

    target = Path(os.environ.get("TEXTCNN_SCREENSHOT") or tmp_path / "page.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(target))
    from PIL import Image

    with Image.open(target) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    assert (np.abs(pixels.astype(int) - [0x2F, 0x6F, 0xD1]).sum(axis=2) < 30).sum() > 200  # the blue bars are drawn

    # An error from the service is shown on the page, not swallowed.
    browser.find_element(By.ID, "texts").clear()
    browser.find_element(By.ID, "texts").send_keys("x" * 10)
    browser.execute_script("document.getElementById('model').add(new Option('gone', 'gone'));")
    Select(browser.find_element(By.ID, "model")).select_by_value("gone")
    wait.until(lambda driver: driver.find_element(By.ID, "error").is_displayed())
    assert browser.find_element(By.ID, "error").text == "No model named 'gone'. Models: toy"


def test_the_page_loads_nothing_from_elsewhere_and_json_clients_get_liveness(client):
    import re

    page = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == "default-src 'self'"
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(assets) == ["static/page.css", "static/page.js"]
    for asset in assets:
        served = client.get("/" + asset)
        assert served.status_code == 200
        assert not re.search(r"https?://", served.get_data(as_text=True))
    assert client.get("/").get_json() == {"status": "alive"}  # Accept: */* (KServe's v1 client)
    assert client.get("/", headers={"Accept": "application/json"}).get_json() == {"status": "alive"}

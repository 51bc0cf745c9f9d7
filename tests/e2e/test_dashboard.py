"""The dashboard in a real browser: headless Chromium (Debian's) driven by Selenium.

A seeded topic, `all --sink kafka --bounded` once, then `python runner.py dashboard` on a free
port: the page must show the model's final category totals and every customer's tier.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from decimal import Decimal

import pytest

from order_analytics import analyses
from order_analytics.paths import ROOT
from tests import model
from tests.conftest import produce, run_runner, seeded_values

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1440,1100"]

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                                reason="chromium and chromium-driver are missing: run scripts/setup-browser.sh")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


class Dashboard:
    """`python runner.py dashboard` in its own process group, both its pipes read all the time."""

    def __init__(self, *args: str, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}/"
        self.process = subprocess.Popen([sys.executable, "runner.py", "dashboard", "--port", str(self.port), *args],
                                        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True, env={**os.environ, **(env or {})})
        self.output: list[str] = []
        self.readers = [threading.Thread(target=self.output.extend, args=(pipe,), daemon=True)
                        for pipe in (self.process.stdout, self.process.stderr)]
        for reader in self.readers:
            reader.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the dashboard ended: {''.join(self.output)}"
            try:
                urllib.request.urlopen(self.url + "api/state", timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError(f"the dashboard did not answer within 30 s: {''.join(self.output)}")

    def stop(self) -> str:
        """Ctrl-C; the whole process group killed if that does not end it in 15 s."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        for reader in self.readers:
            reader.join(5)
        return "".join(self.output)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for a driver online
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=subprocess.DEVNULL), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, condition, timeout_s: float = 30, what: str = "the page"):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    try:  # a live page replaces its rows as results come: a row read while replaced is read again
        return WebDriverWait(driver, timeout_s, poll_frequency=0.3,
                             ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: condition(d))
    except Exception as error:
        raise AssertionError(f"{what} did not show within {timeout_s} s: {error}; page text:\n"
                             f"{driver.find_element('tag name', 'body').text[:3000]}") from None


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


@pytest.fixture(scope="module")
def results_topic(kafka):
    """A seeded topic whose analyses are on their result topics (`all --sink kafka --bounded`)."""
    name = f"test-dashboard-{uuid.uuid4().hex[:8]}"
    values = seeded_values(1000, seed=17, bad_ratio=0.02, duplicate_ratio=0.01)
    produce(name, values)
    run = run_runner("all", "--sink", "kafka", "--bounded", "--topic", name, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return name, values


def test_the_page_shows_the_final_totals_and_tiers(browser, results_topic):
    from selenium.webdriver.common.by import By

    topic, values = results_topic
    four = {a.id for a in analyses.select(["all"])}
    final = {key: events[-1] for key, events in model.expected(values).events.items() if key[0] in four}
    categories = {key[1]: event for key, event in final.items() if key[0] == "3d"}
    tiers = {key[1]: event["tier"] for key, event in final.items() if key[0] == "3b"}

    dashboard = Dashboard("--set", f"kafka.topic={topic}")
    try:
        browser.get(dashboard.url)

        def categories_shown(driver):
            rows = driver.find_elements(By.CSS_SELECTOR, "#categories tbody tr")
            shown = {row.get_attribute("data-category"): row.find_element(By.CSS_SELECTOR, ".total").text
                     for row in rows}
            return shown == {name: money(event["total"]) for name, event in categories.items()}

        wait_for(browser, categories_shown, what="the model's final category totals")
        assert browser.find_element(By.ID, "status").text == "live"
        assert browser.find_element(By.ID, "topic").text == topic
        assert not browser.find_element(By.ID, "banner").is_displayed()
        bars = browser.find_elements(By.CSS_SELECTOR, "#chart rect.bar")
        assert len(bars) == len(categories)

        browser.find_element(By.ID, "more").click()  # every customer, not only the top ten

        def tiers_shown(driver):
            rows = driver.find_elements(By.CSS_SELECTOR, "#customers tbody tr")
            return {row.get_attribute("data-customer"): row.find_element(By.CSS_SELECTOR, ".tier").text
                    for row in rows} == tiers

        wait_for(browser, tiers_shown, what="every customer's final tier")
        counts = {tile.get_attribute("data-tier"): int(tile.find_element(By.CSS_SELECTOR, ".count").text)
                  for tile in browser.find_elements(By.CSS_SELECTOR, "#tiers .tier")}
        assert counts == {tier: list(tiers.values()).count(tier) for tier in set(tiers.values())}
        assert browser.find_elements(By.CSS_SELECTOR, "#alerts li"), "the alert feed is empty"

        browser.refresh()  # a reload shows the same state at once
        wait_for(browser, categories_shown, timeout_s=10, what="the state after a reload")

        # then it follows: a result written now shows within about a second
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": "localhost:9092"})
        producer.produce(f"lesson3.{topic}.category_spending", key=b'{"category":"Zebra Crossings"}',
                         value=b'{"category":"Zebra Crossings","total":12.34,"orders":1,"avg":12.34,"max":12.34}')
        assert producer.flush(10) == 0
        written = time.monotonic()
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#categories tr[data-category="Zebra Crossings"]'),
                 timeout_s=10, what="a new result")
        assert time.monotonic() - written < 3, "a new result took more than 3 s to show"
    finally:
        output = dashboard.stop()
    assert dashboard.process.returncode in (0, 130), output


def test_no_results_yet_is_an_empty_state_with_the_command(browser, kafka):
    from selenium.webdriver.common.by import By

    topic = f"test-dashboard-empty-{uuid.uuid4().hex[:8]}"
    dashboard = Dashboard("--set", f"kafka.topic={topic}")
    try:
        browser.get(dashboard.url)
        wait_for(browser, lambda d: d.find_element(By.ID, "empty").is_displayed(), what="the empty state")
        assert f"python runner.py all --sink kafka --topic {topic}" in browser.find_element(By.ID, "hint").text
        assert not browser.find_element(By.ID, "board").is_displayed()
    finally:
        dashboard.stop()


def test_kafka_unreachable_is_a_banner_not_an_error(browser):
    from selenium.webdriver.common.by import By

    # a Kafka that is not there: a port nobody listens on
    env = {"CNFL_KAFKA_BROKER": f"localhost:{free_port()}", "CNFL_KC_API_KEY": "nobody",
           "CNFL_KC_API_SECRET": "nothing", "CNFL_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"}
    dashboard = Dashboard(env=env)
    try:
        browser.get(dashboard.url)
        wait_for(browser, lambda d: d.find_element(By.ID, "banner").is_displayed(), what="the Kafka banner")
        assert "unreachable" in browser.find_element(By.ID, "banner").text or \
               "does not answer" in browser.find_element(By.ID, "banner").text
        assert browser.find_element(By.ID, "status").text == "Kafka down"
        assert dashboard.process.poll() is None
    finally:
        dashboard.stop()

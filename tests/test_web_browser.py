"""The playground page in a real headless Chromium (Debian's chromium and chromium-driver),
driven by Selenium against a server on a free loopback port. About 20 s.

Outside CI the tests skip, saying why, when Chromium, its driver or Selenium is missing; in CI
(CI=true, as .ci/run sets it) they fail instead. test_screenshot_for_the_readme takes the
README's picture; ``FASTNN_SCREENSHOT=1 pytest tests/test_web_browser.py`` writes it to
docs/images/playground_web.png. FASTNN_CHROMIUM and FASTNN_CHROMEDRIVER name other binaries.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import numpy as np
import pytest

import fastnn
from fastnn.playground import server

CHROMIUM = os.environ.get("FASTNN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FASTNN_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 20.0  # seconds before a wait fails (a hang, not a timing)
# The README's picture: rewritten when FASTNN_SCREENSHOT=1 (a test run leaves the tree as it was).
SCREENSHOT = os.path.join(os.path.dirname(__file__), "..", "docs", "images", "playground_web.png")


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'selenium is not installed (pip install "fastnn[test]")'
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
            return f"{path} is missing (apt-get install {package})"
    return None


@pytest.fixture(scope="module")
def web():
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the browser tests must run in CI: {reason}")
        pytest.skip(reason)
    srv = server.make_server(port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(web, downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,950",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield driver
    driver.quit()


def until(driver, script, what):
    """Waits until the JavaScript expression is truthy; returns its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(
        lambda d: d.execute_script(f"return {script};"), message=f"gave up waiting for {what}"
    )


def open_page(browser, web, fragment=""):
    browser.get("about:blank")  # a new page: the same URL with another fragment would not load
    browser.get_log("browser")  # the earlier pages' messages, read and dropped
    browser.get(web.url + fragment)
    until(browser, "window.fastnnApp && fastnnApp.state && fastnnApp.frame", "the page")
    return browser.execute_script("return fastnnApp.state;")


def config(browser):
    return browser.execute_script("return fastnnApp.state.config;")


def errors_in_console(browser):
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_the_page_shows_the_network_and_its_pictures(browser, web):
    state = open_page(browser, web, "#hidden=4,2")
    assert state["layer_sizes"] == [2, 4, 2, 1]
    assert browser.find_element("id", "epoch").text == "000,000"
    links = browser.find_elements("css selector", "#net path.link")
    assert len(links) == 2 * 4 + 4 * 2 + 2 * 1
    # Every neuron's canvas is painted: not all pixels are the same.
    varied = browser.execute_script(
        "return [...document.querySelectorAll('#net .neuron:not(.off) canvas')].map(c => {"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "return new Set(d).size > 2; });"
    )
    assert len(varied) == 2 + 4 + 2 + 1 and all(varied)
    # The unused inputs show their feature, dimmed.
    off = browser.execute_script(
        "const c = document.querySelector('#input_4 canvas');"  # x1x2, off
        "return [document.getElementById('input_4').classList.contains('off'),"
        "new Set(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).size];"
    )
    assert off[0] is True and off[1] > 2
    assert errors_in_console(browser) == []


def test_controls_change_the_run_and_the_url(browser, web):
    from selenium.webdriver.support.ui import Select

    open_page(browser, web, "#hidden=4,2")
    Select(browser.find_element("id", "activation")).select_by_visible_text("relu")
    until(browser, "fastnnApp.state.config.activation === 'relu'", "the activation")
    assert "activation=relu" in browser.current_url
    browser.find_element("id", "add_layer").click()
    until(browser, "fastnnApp.state.layer_sizes.length === 5", "a third hidden layer")
    assert browser.find_element("id", "layer_count").text.lower() == "3 hidden layers"
    browser.find_element("id", "add_neuron_0").click()
    until(browser, "fastnnApp.state.config.hidden[0] === 5", "a fifth neuron")
    browser.find_element("id", "input_2").click()  # x1², off by default: on
    until(browser, "fastnnApp.state.input_names.includes('x1^2')", "the feature x1²")
    assert config(browser)["hidden"] == [5, 2, 2]
    assert "hidden=5%2C2%2C2" in browser.current_url
    # The problem type picks a data set of its kind, as Playground's, and back.
    browser.find_element("id", "dataset_xor").click()
    until(browser, "fastnnApp.state.config.dataset === 'xor'", "xor")
    Select(browser.find_element("id", "problem")).select_by_visible_text("regression")
    until(browser, "fastnnApp.state.config.dataset === 'plane'", "the plane, a regression set")
    assert browser.find_element("id", "discretize").get_attribute("disabled")
    Select(browser.find_element("id", "problem")).select_by_visible_text("classification")
    until(browser, "fastnnApp.state.config.dataset === 'xor'", "xor again")


def test_play_trains_and_the_test_loss_falls(browser, web):
    open_page(browser, web, "#dataset=gauss&hidden=4&learning_rate=0.1&epochs_per_frame=5")
    first = float(browser.find_element("id", "test_loss").text)
    browser.find_element("id", "play").click()
    until(browser, "fastnnApp.frame.epoch >= 100", "100 epochs")
    browser.find_element("id", "play").click()  # pause
    until(browser, "fastnnApp.frame.playing === false", "the pause")
    epoch = browser.execute_script("return fastnnApp.frame.epoch;")
    assert int(browser.find_element("id", "epoch").text.replace(",", "")) == epoch
    assert float(browser.find_element("id", "test_loss").text) < 0.5 * first
    assert browser.execute_script("return fastnnApp.history.length;") > 3
    rows = browser.find_elements("css selector", "#confusion tr")
    assert len(rows) == 3  # a header and two classes


def test_a_link_click_edits_its_weight(browser, web):
    open_page(browser, web, "#hidden=3")
    link = browser.find_element("id", "link_0_1_2")
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('mousemove', {clientX: 300, clientY: 300, bubbles: true}));"
        "arguments[0].dispatchEvent(new MouseEvent('click', {clientX: 300, clientY: 300, bubbles: true}));",
        link,
    )
    assert "weight" in browser.find_element("id", "hovercard").text
    field = browser.find_element("id", "weight_input")
    assert field.is_displayed()
    field.clear()
    field.send_keys("-2.5\n")
    until(browser, "fastnnApp.frame.weights[0][1][2] === -2.5", "the new weight")
    assert link.get_attribute("stroke") == "#f59322"  # orange: negative
    assert float(link.get_attribute("stroke-width")) >= 6  # the largest weight: the widest
    run = web.runs[browser.execute_script("return fastnnApp.state.id;")]
    assert run.model.layers[0].kernel[1, 2] == -2.5


def test_a_neuron_click_edits_its_bias(browser, web):
    open_page(browser, web, "#hidden=3")
    browser.find_element("id", "neuron_1_2").click()
    assert browser.find_element("id", "weight_label").text == "Bias"
    field = browser.find_element("id", "weight_input")
    field.clear()
    field.send_keys("0.75\n")
    until(browser, "fastnnApp.frame.biases[0][2] === 0.75", "the new bias")
    assert not browser.find_element("id", "weight_editor").is_displayed()


def test_csv_upload(browser, web, tmp_path):
    rows = ["a,b,c,animal"]
    rng = np.random.default_rng(0)
    for i in range(90):
        kind = ("cat", "dog", "emu")[i % 3]
        a, b, c = rng.normal(size=3) + np.array([i % 3, -(i % 3), 0])
        rows.append(f"{a:.3f},{b:.3f},{c:.3f},{kind}")
    path = tmp_path / "animals.csv"
    path.write_text("\n".join(rows))
    open_page(browser, web)
    browser.find_element("id", "csv_file").send_keys(str(path))
    until(browser, "fastnnApp.state.config.dataset === 'csv'", "the upload")
    state = browser.execute_script("return fastnnApp.state;")
    assert state["class_labels"] == ["cat", "dog", "emu"] and state["layer_sizes"][0] == 3
    assert browser.find_element("id", "plane_choice").is_displayed()
    assert "the slice at c = " in browser.find_element("id", "axis_x").text
    assert len(browser.find_elements("css selector", "#confusion tr")) == 4
    assert "90 rows" in browser.find_element("id", "upload_info").text
    # A bad file: the message shows, the run stays as it was.
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b,c\n1,2,0\n3,4\n")
    browser.find_element("id", "csv_file").send_keys(str(bad))
    until(browser, "!document.getElementById('error').hidden", "the error message")
    assert "expected 3 fields" in browser.find_element("id", "error").text
    assert config(browser)["dataset"] == "csv"
    # A file that is not UTF-8 is said to be so (the page sends its bytes as they are).
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,b,town\n1,2,Z\xfcrich\n3,4,Bern\n".encode("latin-1"))
    browser.find_element("id", "csv_file").send_keys(str(latin))
    until(browser, "document.getElementById('error').textContent.includes('UTF-8')", "the message")
    assert "latin.csv: the CSV file: not UTF-8 text (byte 14 is 0xfc)" in (
        browser.find_element("id", "error").text
    )


def test_ten_word_classes_get_colours_a_legend_and_a_confusion_matrix(browser, web, tmp_path):
    names = ["ant", "bee", "cat", "cow", "dog", "eel", "elk", "emu", "fox", "owl"]
    rows = ["x,y,animal"]
    for i in range(8):
        for c, name in enumerate(names[::-1]):
            angle = 2 * np.pi * c / 10
            rows.append(f"{np.cos(angle) + 0.02 * i:.3f},{np.sin(angle) - 0.02 * i:.3f},{name}")
    path = tmp_path / "zoo.csv"
    path.write_text("\n".join(rows))
    open_page(browser, web)
    browser.find_element("id", "csv_file").send_keys(str(path))
    until(browser, "fastnnApp.state.config.dataset === 'csv'", "the upload")
    assert browser.execute_script("return fastnnApp.state.class_labels;") == names  # sorted
    legend = browser.find_elements("css selector", "#legend .entry")
    assert [e.text for e in legend] == names
    colours = {
        e.find_element("css selector", ".swatch").value_of_css_property("background-color")
        for e in legend
    }
    assert len(colours) == 10  # ten classes, ten colours
    assert len(browser.find_elements("css selector", "#confusion tr")) == 11
    assert len(browser.find_elements("css selector", "#confusion tr:first-child th")) == 11
    # The matrix fits its column: no sideways scrolling for 10 classes.
    fits = browser.execute_script(
        "const w = document.getElementById('confusion_wrap'); return w.scrollWidth <= w.clientWidth;"
    )
    assert fits
    # A click on the plane can add a point of any of the ten classes.
    assert len(browser.find_elements("css selector", "#point_class option")) == 10
    assert errors_in_console(browser) == []


def test_the_url_reproduces_a_setup(browser, web):
    fragment = (
        "#dataset=xor&hidden=3,3&activation=sigmoid&learning_rate=0.1&features=x1,x2,x1x2"
        "&noise=20&seed=42&train_ratio=70&batch_size=5"
    )
    open_page(browser, web, fragment)
    first = config(browser)
    assert first["dataset"] == "xor" and first["hidden"] == [3, 3]
    assert first["features"] == ["x1", "x2", "x1x2"] and first["seed"] == 42
    assert browser.find_element("id", "activation").get_attribute("value") == "sigmoid"
    assert browser.find_element("id", "train_ratio").get_attribute("value") == "70"
    url = browser.current_url
    points = browser.execute_script("return fastnnApp.state.train;")
    open_page(browser, web, url[len(web.url) :])
    assert config(browser) == first
    assert browser.execute_script("return fastnnApp.state.train;") == points
    # A link with a bad value: said, and the defaults instead.
    open_page(browser, web, "#noise=99")
    assert "noise" in browser.find_element("id", "error").text
    assert config(browser)["noise"] == 0
    # The page's own view options travel in the URL too.
    open_page(browser, web, "#dataset=gauss&show_test=1")
    assert browser.find_element("id", "show_test").is_selected()
    browser.find_element("id", "discretize").click()
    assert "show_test=1" in browser.current_url and "discretize=1" in browser.current_url


def test_the_url_carries_a_small_csv_and_says_when_it_cannot(browser, web, tmp_path):
    from selenium.webdriver.support.ui import Select

    rng = np.random.default_rng(3)
    rows = ["a,b,c,animal"] + [
        f"{x:.3f},{y:.3f},{z:.3f},{('cat', 'dog', 'emu')[i % 3]}"
        for i, (x, y, z) in enumerate(rng.normal(size=(90, 3)))
    ]
    small = tmp_path / "zoo.csv"
    small.write_text("\n".join(rows))
    open_page(browser, web, "#hidden=5&seed=9")
    browser.find_element("id", "csv_file").send_keys(str(small))
    until(browser, "fastnnApp.state.config.dataset === 'csv'", "the upload")
    Select(browser.find_element("id", "plane_y")).select_by_visible_text("c")
    until(browser, "fastnnApp.state.plane[1] === 2", "the plane a, c")
    assert "csv=" in browser.current_url and "csv_name=zoo.csv" in browser.current_url
    assert "link carries the file" in browser.find_element("id", "upload_info").text
    first = browser.execute_script("return fastnnApp.state;")
    # The link, opened in a fresh page: the same file, settings, points and first weights.
    open_page(browser, web, browser.current_url[len(web.url) :])
    until(browser, "fastnnApp.state.config.dataset === 'csv'", "the link's CSV")
    again = browser.execute_script("return fastnnApp.state;")
    for key in ("config", "class_labels", "columns", "plane", "train", "test", "upload"):
        assert again[key] == first[key], key
    assert again["frame"]["weights"] == first["frame"]["weights"]
    assert browser.find_element("id", "error").get_attribute("hidden")

    # A file too large for a link: the page says the link leaves it out.
    big = tmp_path / "big.csv"
    big.write_text(
        "a,b,y\n"
        + "\n".join(f"{x:.6f},{y:.6f},{int(x > y)}" for x, y in rng.normal(size=(3000, 2)))
    )
    browser.find_element("id", "csv_file").send_keys(str(big))
    until(browser, "fastnnApp.state.upload.name === 'big.csv'", "the large upload")
    info = browser.find_element("id", "upload_info")
    assert "carries the settings but not the file" in info.text and "warn" in info.get_attribute(
        "class"
    )
    url = browser.current_url
    assert "csv_name=big.csv" in url and "csv=" not in url.replace("csv_", "")
    # Whoever opens that link is told to upload the file, and then gets the link's settings.
    open_page(browser, web, url[len(web.url) :])
    notice = browser.find_element("id", "notice")
    assert notice.is_displayed() and "(big.csv) too large for a link" in notice.text
    assert browser.current_url == url  # the link stays as it was until the file comes
    browser.find_element("id", "csv_file").send_keys(str(big))
    until(browser, "fastnnApp.state.config.dataset === 'csv'", "the upload")
    assert config(browser)["hidden"] == [5] and config(browser)["seed"] == 9
    assert not browser.find_element("id", "notice").is_displayed()
    assert errors_in_console(browser) == []


def test_serve_with_a_csv_file_opens_the_page_on_it(browser, web, tmp_path, monkeypatch):
    # fastnn playground --serve --data zoo.csv ...: the page opens on that file and settings.
    from fastnn.playground import cli

    rows = ["a,b,c,animal"] + [
        f"{i % 7},{(i * 3) % 5},{i % 4},{('cat', 'dog')[i % 2]}" for i in range(40)
    ]
    path = tmp_path / "zoo.csv"
    path.write_text("\n".join(rows))
    opened = {}
    monkeypatch.setattr(
        server, "serve", lambda *a, fragment="", **k: opened.update(f=fragment) or 0
    )
    argv = ["playground", "--serve", "--data", str(path), "--hidden", "6", "--plane", "a,c"]
    assert cli.main(argv) == 0
    open_page(browser, web, "#" + opened["f"])
    until(browser, "fastnnApp.state.config.dataset === 'csv'", "the CSV from the link")
    state = browser.execute_script("return fastnnApp.state;")
    assert state["config"]["hidden"] == [6] and state["plane"] == [0, 2]
    assert state["class_labels"] == ["cat", "dog"] and state["upload"]["name"] == "zoo.csv"
    assert errors_in_console(browser) == []


def test_a_click_on_the_plane_adds_a_point(browser, web):
    from selenium.webdriver.common.action_chains import ActionChains

    state = open_page(browser, web)
    plot = browser.find_element("id", "plot")
    ActionChains(browser).move_to_element_with_offset(plot, 75, -75).click().perform()
    until(browser, f"fastnnApp.state.train.length === {len(state['train']) + 1}", "the point")
    x, y, label = browser.execute_script("return fastnnApp.state.train.at(-1);")
    assert x > 0 and y > 0 and label == 0  # the upper right quarter, the first class


def test_the_model_download_loads_in_python(browser, web, downloads):
    open_page(browser, web, "#hidden=6,3")
    browser.find_element("id", "step").click()
    until(browser, "fastnnApp.frame.epoch === 1", "a step")
    browser.find_element("id", "download_model").click()
    path = downloads / "playground.fnn"
    deadline = time.monotonic() + WAIT
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), "the model did not download"
    model = fastnn.load_model(path)
    assert [layer.units for layer in model.layers] == [6, 3, 1]
    weights = browser.execute_script("return fastnnApp.frame.weights[0];")
    np.testing.assert_allclose(model.layers[0].kernel, weights, atol=1e-5)
    # The output's picture, made in the page.
    browser.find_element("id", "download_png").click()
    picture = downloads / "playground.png"
    deadline = time.monotonic() + WAIT
    while not (picture.exists() and picture.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_for_the_readme(browser, web, tmp_path):
    open_page(
        browser,
        web,
        "#dataset=spiral&hidden=8,8&features=x1,x2,sin_x1,sin_x2&optimizer=adam"
        "&learning_rate=0.01&stop_epoch=400&epochs_per_frame=20",
    )
    browser.find_element("id", "show_test").click()
    browser.find_element("id", "play").click()
    until(browser, "fastnnApp.frame.epoch === 400 && !fastnnApp.frame.playing", "epoch 400")
    until(browser, "fastnnApp.pending === null", "the last frame drawn")
    assert float(browser.find_element("id", "test_metric").text) > 0.9  # the spiral, learnt
    picture = tmp_path / "playground_web.png"
    assert browser.save_screenshot(str(picture))
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert errors_in_console(browser) == []
    if os.environ.get("FASTNN_SCREENSHOT") == "1":
        shutil.copyfile(picture, SCREENSHOT)


def test_the_page_says_when_its_run_is_gone(browser, web):
    state = open_page(browser, web)
    web.drop_run(state["id"])  # as after a server restart: the stream ends, the run is unknown
    until(browser, "!document.getElementById('error').hidden", "the message")
    assert "reload the page" in browser.find_element("id", "error").text


def test_two_tabs_have_their_own_runs(browser, web):
    first = open_page(browser, web, "#hidden=3&seed=5")
    tab_one = browser.current_window_handle
    browser.switch_to.new_window("tab")
    try:
        second = open_page(browser, web, "#hidden=3&seed=5")
        assert second["id"] != first["id"]
        assert second["frame"]["weights"] == first["frame"]["weights"]
        browser.switch_to.window(tab_one)
        browser.find_element("id", "play").click()
        until(browser, "fastnnApp.frame.epoch >= 20", "the first tab training")
        browser.find_element("id", "play").click()
        browser.switch_to.window(browser.window_handles[-1])
        frame = browser.execute_script("return fastnnApp.frame;")
        assert frame["epoch"] == 0 and frame["weights"] == first["frame"]["weights"]
    finally:
        browser.close()
        browser.switch_to.window(tab_one)

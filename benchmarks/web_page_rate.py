"""Frames a second the playground page draws, in a headless Chromium, for a 2-8-8-1 net.

    PYTHONPATH=python python benchmarks/web_page_rate.py [--cap 30] [--seconds 5]

Needs Debian's chromium and chromium-driver and selenium (``pip install "fastnn[web]"``). The
page counts the frames it draws (``fastnnApp.drawn``); with ``--cap 0`` the server makes frames
as fast as it can and the page draws what it can, dropping the rest. Not a test.
"""

from __future__ import annotations

import argparse
import threading
import time

from fastnn.playground import server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=server.MAX_FPS, help="0: no cap")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    srv = server.make_server(port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,950"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    try:
        driver.get(srv.url + "#hidden=8,8&samples=500&epochs_per_frame=5")
        deadline = time.monotonic() + 30
        while not driver.execute_script("return !!(window.fastnnApp && fastnnApp.frame);"):
            if time.monotonic() > deadline:
                raise SystemExit("the page did not start")
            time.sleep(0.1)
        for run in srv.runs.values():
            run.max_fps = args.cap
        driver.find_element("id", "play").click()
        time.sleep(1.0)
        probe = "return [fastnnApp.drawn, fastnnApp.frame.epoch, performance.now()];"
        drawn0, epoch0, t0 = driver.execute_script(probe)
        time.sleep(args.seconds)
        drawn1, epoch1, t1 = driver.execute_script(probe)
        seconds = (t1 - t0) / 1000
        print(
            f"the page drew {(drawn1 - drawn0) / seconds:.1f} frames/s, "
            f"{(epoch1 - epoch0) / seconds:.0f} epochs/s (cap {args.cap:g} frames/s)"
        )
    finally:
        driver.quit()
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    main()

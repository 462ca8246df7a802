"""Frames a second of ``fastnn playground --serve`` for Playground's 2-8-8-1 net on 500 points.

    PYTHONPATH=python python benchmarks/web_frame_rate.py [--seconds 3] [--epochs-per-frame 5]

A server on a free loopback port, one run (circle, 250 training and 250 test points, tanh,
batch size 10), played with the frame cap lifted; a client reads the event stream as a browser
does (parsing each frame's JSON). Prints the frames read a second, the epochs a second, and the
frame size. Not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import threading
import time

from fastnn.playground import server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--epochs-per-frame", type=int, default=5)
    parser.add_argument("--cap", type=float, default=0.0, help="frames/s cap (0: none)")
    args = parser.parse_args()
    srv = server.make_server(port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    host, port = srv.server_address[:2]
    connection = http.client.HTTPConnection(host, port)
    config = {"hidden": [8, 8], "samples": 500, "epochs_per_frame": args.epochs_per_frame}
    connection.request("POST", "/api/runs", json.dumps({"config": config}))
    state = json.loads(connection.getresponse().read())
    run = srv.runs[state["id"]]
    run.max_fps = args.cap
    stream = http.client.HTTPConnection(host, port)
    stream.request("GET", f"/api/runs/{run.id}/events?after={state['frame']['seq']}")
    response = stream.getresponse()
    connection.request("POST", f"/api/runs/{run.id}/play", b"{}")
    connection.getresponse().read()
    frames, first, size = [], None, 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        line = response.fp.readline()
        if line.startswith(b"data: "):
            frame = json.loads(line[6:])
            first = first or frame
            frames.append(frame)
            size = len(line)
    elapsed = time.perf_counter() - start
    connection.request("POST", f"/api/runs/{run.id}/pause", b"{}")
    connection.getresponse().read()
    last = frames[-1]
    print(f"machine: {_cpu()}, {os.cpu_count()} logical CPUs")
    print(
        f"{len(frames) / elapsed:.1f} frames/s read by the client "
        f"({last['seq'] - first['seq'] + 1} published), "
        f"{(last['epoch'] - first['epoch']) / elapsed:.0f} epochs/s, "
        f"{args.epochs_per_frame} epochs a frame, {size / 1024:.1f} KiB a frame; "
        f"test loss {first['test_loss']:.3f} -> {last['test_loss']:.3f}"
    )
    srv.shutdown()
    srv.server_close()


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


if __name__ == "__main__":
    main()

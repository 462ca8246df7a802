"""The HTTP API of ``fastnn playground --serve`` (python/fastnn/playground/server.py).

A real server on a free loopback port, spoken to with http.client: every endpoint, bad input,
two runs at once, the live stream. No browser here (tests/test_web_browser.py has one).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import fastnn
from fastnn.playground import cli, server

WAIT = 20.0  # seconds any wait for the training thread may take before the test fails


@pytest.fixture(scope="module")
def web():
    srv = server.make_server(port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def call(web, method, path, body=None, raw=None, headers=None):
    """(status, parsed JSON or bytes) of one request."""
    host, port = web.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=WAIT)
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    connection.request(method, path, body=data, headers=headers or {})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    if response.getheader("Content-Type", "").startswith("application/json"):
        return response.status, json.loads(payload)
    return response.status, payload


def new_run(web, **config):
    status, state = call(web, "POST", "/api/runs", {"config": config})
    assert status == 201, state
    return state


def wait_for(predicate, what):
    """Polls until predicate() is truthy; fails after WAIT seconds (a hang, not a timing)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"gave up waiting for {what}")


def frame_of(web, run_id):
    return call(web, "GET", f"/api/runs/{run_id}")[1]["frame"]


def read_frames(web, run_id, count, after=0):
    """The first ``count`` frames of the event stream."""
    host, port = web.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=WAIT)
    connection.request("GET", f"/api/runs/{run_id}/events?after={after}")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream"
    frames = []
    while len(frames) < count:
        line = response.fp.readline().decode()
        assert line, "the stream ended"
        if line.startswith("data: "):
            frames.append(json.loads(line[6:]))
    connection.close()
    return frames


# ---- pages and files -------------------------------------------------------------------------


def test_the_page_and_its_files_are_served(web):
    status, page = call(web, "GET", "/")
    assert status == 200 and b'<script src="/static/app.js">' in page
    for name, kind in (("app.js", b"fastnnApp"), ("style.css", b"--orange"), ("index.html", b"")):
        status, body = call(web, "GET", f"/static/{name}")
        assert status == 200 and kind in body


def test_the_page_needs_no_internet():
    # Everything the page loads is its own: no CDN, no fonts or scripts from elsewhere.
    names = sorted(os.listdir(server.STATIC_DIR))
    assert names == ["app.js", "index.html", "style.css"]
    for name in names:
        with open(os.path.join(server.STATIC_DIR, name), encoding="utf-8") as f:
            text = f.read().replace('"http://www.w3.org/2000/svg"', "")  # a name, not a load
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name


@pytest.mark.parametrize(
    "path",
    [
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/..%2fserver.py",
        "/../../../../etc/passwd",
        "/static//etc/passwd",
        "/static/",
        "/server.py",
        "/static/nothing.js",
    ],
)
def test_no_file_outside_the_static_folder(web, path):
    status, body = call(web, "GET", path)
    assert status == 404 and "error" in body


def test_a_foreign_host_header_is_refused(web):
    # DNS rebinding: a page of evil.example whose name resolves to 127.0.0.1.
    status, body = call(web, "GET", "/api/options", headers={"Host": "evil.example:80"})
    assert status == 403 and "Host" in body["error"]


def test_another_sites_page_is_refused(web):
    status, body = call(
        web, "POST", "/api/runs", {"config": {}}, headers={"Origin": "https://evil.example"}
    )
    assert status == 403 and "evil.example" in body["error"]
    host, port = web.server_address[:2]
    status, _ = call(
        web, "POST", "/api/runs", {"config": {}}, headers={"Origin": f"http://{host}:{port}"}
    )
    assert status == 201


def test_options_list_the_choices(web):
    status, options = call(web, "GET", "/api/options")
    assert status == 200
    assert options["defaults"] == server.DEFAULTS
    assert {"circle", "xor", "gauss", "spiral", "plane", "multi_gauss"} <= set(options["datasets"])
    assert "adam" in options["optimizers"] and "relu" in options["activations"]
    assert options["max_layers"] > 6 and options["max_units"] > 8  # past Playground's 6 x 8
    spiral = np.array(options["thumbnails"]["spiral"])
    assert spiral.shape == (200, 3) and set(spiral[:, 2]) == {0, 1}


def test_every_activation_optimizer_and_fitting_loss_is_offered(web):
    from fastnn import tables

    _, options = call(web, "GET", "/api/options")
    # The page offers what the command line offers: every activation a hidden layer can learn
    # with (Playground's four first) and every optimizer of the core's table (SGD first).
    assert options["activations"][:4] == ["tanh", "relu", "sigmoid", "linear"]
    assert set(options["activations"]) == set(cli._ACTIVATIONS)
    assert {"gelu", "swish", "selu", "mish"} <= set(options["activations"])
    assert options["optimizers"][0] == "sgd" and set(options["optimizers"]) == set(
        tables.OPTIMIZERS
    )
    assert {"mae", "huber"} <= set(options["losses"]) and "hinge" not in options["losses"]
    state = new_run(web, dataset="plane", activation="gelu", loss="huber", hidden=[4])
    assert state["loss"] == "huber" and state["output_activation"] == "linear"
    run_id = state["id"]
    call(web, "POST", f"/api/runs/{run_id}/step")
    wait_for(lambda: frame_of(web, run_id)["epoch"] == 1, "a step")
    assert frame_of(web, run_id)["test_loss"] is not None
    assert new_run(web, dataset="multi_gauss", loss="mae", activation="mish")["loss"] == "mae"
    status, body = call(web, "POST", "/api/runs", {"config": {"loss": "huber"}})
    assert status == 400
    assert "loss huber does not fit 2 classes; use binary_crossentropy or mse" in body["error"]


# ---- creating runs and bad configurations ----------------------------------------------------


def test_a_new_run_has_data_a_network_and_a_first_frame(web):
    state = new_run(web, hidden=[8, 8], features=["x1", "x2", "x1x2"])
    assert state["layer_sizes"] == [3, 8, 8, 1]
    assert state["input_names"] == ["x1", "x2", "x1x2"]
    assert len(state["train"]) == 250 and len(state["test"]) == 250
    assert {p[2] for p in state["train"]} == {0, 1}
    frame = state["frame"]
    assert frame["epoch"] == 0 and frame["playing"] is False
    assert [len(layer) for layer in frame["heatmaps"]] == [3, 8, 8]
    grid = state["neuron_grid"] ** 2
    assert all(len(base64.b64decode(h)) == grid for layer in frame["heatmaps"] for h in layer)
    assert len(base64.b64decode(frame["output"][0])) == state["output_grid"] ** 2
    assert np.shape(frame["weights"][0]) == (3, 8)
    assert frame["confusion"] is not None and np.sum(frame["confusion"]) == 250
    # Every feature's picture, for the unused inputs the page shows dimmed.
    pictures = state["feature_pictures"]
    assert set(pictures) == set(server.FEATURES)
    x1 = np.frombuffer(base64.b64decode(pictures["x1"]), np.uint8).reshape(24, 24)
    assert x1[0, 0] == 0 and x1[0, -1] == 255 and (x1[:, 3] == x1[0, 3]).all()


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"bogus": 1}, "unknown field 'bogus'"),
        ({"noise": 99}, "noise"),
        ({"noise": "loud"}, "noise"),
        ({"train_ratio": 5}, "train_ratio"),
        ({"batch_size": 0}, "batch_size"),
        ({"hidden": [4] * 9}, "hidden"),
        ({"hidden": [0]}, "hidden layer"),
        ({"hidden": [33]}, "hidden layer"),
        ({"hidden": "4,2"}, "hidden"),
        ({"features": []}, "features"),
        ({"features": ["x3"]}, "feature"),
        ({"features": ["x1", "x1"]}, "twice"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": float("inf")}, "learning_rate"),
        ({"seed": True}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"dataset": "moons"}, "dataset"),
        ({"dataset": "plane", "problem": "classification"}, "regression data set"),
        ({"dataset": "circle", "classes": 3}, "classes"),
        ({"dataset": "csv"}, "upload a CSV"),
        ({"dataset": "plane", "loss": "binary_crossentropy"}, "does not fit regression"),
        ({"dataset": "spiral", "classes": 3, "loss": "mse"}, "does not fit 3 classes"),
        ({"activation": "softmax"}, "activation"),  # not for a hidden layer
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"plane": [1, 1]}, "plane"),
        ({"epochs_per_frame": 0}, "epochs_per_frame"),
    ],
)
def test_bad_configurations_are_refused_with_a_message(web, config, words):
    status, body = call(web, "POST", "/api/runs", {"config": config})
    assert status == 400
    assert words in body["error"]


@pytest.mark.parametrize(
    ("raw", "headers", "status", "words"),
    [
        (b"{bad", {}, 400, "not valid JSON"),
        (b"[1, 2]", {}, 400, "JSON object"),
        (b'{"config": {}, "extra": 1}', {}, 400, "unknown field 'extra'"),
        (b'{"config": 5}', {}, 400, "JSON object"),
        (b"\xff\xfe", {}, 400, "not valid JSON"),
        (b"x" * 10, {"Content-Length": "nine"}, 400, "Content-Length"),
        (b" " * (server.MAX_JSON_BYTES + 1), {}, 413, "over 65536 bytes"),
    ],
)
def test_bad_bodies_are_refused(web, raw, headers, status, words):
    got, body = call(web, "POST", "/api/runs", raw=raw, headers=headers)
    assert got == status and words in body["error"]


def test_unknown_runs_actions_and_methods(web):
    run_id = new_run(web)["id"]
    assert call(web, "GET", "/api/runs/nosuchrun")[0] == 404
    assert call(web, "POST", "/api/runs/nosuchrun/play", {})[0] == 404
    assert call(web, "POST", f"/api/runs/{run_id}/fly", {})[0] == 404
    assert call(web, "GET", f"/api/runs/{run_id}/play")[0] == 405
    assert call(web, "POST", f"/api/runs/{run_id}/play", {"now": 1})[0] == 400
    assert call(web, "PUT", "/api/options", {})[0] == 404
    assert call(web, "POST", "/", {})[0] == 405
    assert call(web, "DELETE", f"/api/runs/{run_id}") == (200, {"deleted": run_id})
    assert call(web, "GET", f"/api/runs/{run_id}")[0] == 404


def test_changing_the_config_keeps_the_old_run_when_refused(web):
    state = new_run(web, hidden=[3])
    run_id = state["id"]
    status, changed = call(
        web, "PUT", f"/api/runs/{run_id}/config", {"config": {"hidden": [5, 4], "noise": 10}}
    )
    assert status == 200 and changed["layer_sizes"] == [2, 5, 4, 1]
    assert changed["config"]["noise"] == 10 and changed["train"] != state["train"]
    status, _ = call(web, "PUT", f"/api/runs/{run_id}/config", {"config": {"hidden": [99]}})
    assert status == 400
    assert call(web, "GET", f"/api/runs/{run_id}")[1]["layer_sizes"] == [2, 5, 4, 1]
    # Without regenerate the points stay: a network change does not redraw the data.
    status, same = call(
        web,
        "PUT",
        f"/api/runs/{run_id}/config",
        {"config": {"hidden": [2]}, "regenerate": False},
    )
    assert status == 200 and same["train"] == changed["train"]
    # Features change the network's inputs and every picture, not the points.
    status, same = call(
        web,
        "PUT",
        f"/api/runs/{run_id}/config",
        {"config": {"features": ["x1", "x2", "sin_x1"]}, "regenerate": False},
    )
    assert status == 200 and same["train"] == changed["train"]
    assert same["layer_sizes"] == [3, 2, 1] and len(same["frame"]["heatmaps"][0]) == 3
    assert call(web, "PUT", f"/api/runs/{run_id}/config", {"regenerate": "yes"})[0] == 400
    # Other data whatever regenerate says: a new split.
    status, split = call(
        web,
        "PUT",
        f"/api/runs/{run_id}/config",
        {"config": {"train_ratio": 80}, "regenerate": False},
    )
    assert status == 200 and len(split["train"]) == 400


# ---- training ---------------------------------------------------------------------------------


def test_play_streams_frames_that_advance_and_the_test_loss_falls(web):
    state = new_run(web, hidden=[8, 8], learning_rate=0.1, epochs_per_frame=10)
    run_id = state["id"]
    first_loss = state["frame"]["test_loss"]
    assert call(web, "POST", f"/api/runs/{run_id}/play")[1] == {"playing": True}
    frames = read_frames(web, run_id, 6, after=state["frame"]["seq"])
    seqs = [f["seq"] for f in frames]
    epochs = [f["epoch"] for f in frames]
    assert seqs == sorted(set(seqs)) and epochs == sorted(epochs) and epochs[-1] > epochs[0]
    wait_for(lambda: frame_of(web, run_id)["epoch"] >= 150, "150 epochs")
    assert call(web, "POST", f"/api/runs/{run_id}/pause")[1] == {"playing": False}
    paused = frame_of(web, run_id)
    assert paused["playing"] is False
    assert paused["test_loss"] < 0.5 * first_loss
    assert paused["test_accuracy"] > 0.9
    time.sleep(0.2)  # nothing trains while paused
    assert frame_of(web, run_id)["epoch"] == paused["epoch"]
    history = call(web, "GET", f"/api/runs/{run_id}")[1]["history"]
    assert history[0][0] == 0 and history[-1][0] == paused["epoch"]


def test_learning_rate_and_batch_size_apply_to_the_running_network(web):
    state = new_run(web, hidden=[4])
    run_id = state["id"]
    for expected in (1, 2):
        call(web, "POST", f"/api/runs/{run_id}/step")
        wait_for(lambda e=expected: frame_of(web, run_id)["epoch"] == e, "a step")
    before = frame_of(web, run_id)
    status, after = call(
        web,
        "PUT",
        f"/api/runs/{run_id}/config",
        {"config": {"learning_rate": 0.3, "batch_size": 25}, "regenerate": False},
    )
    assert status == 200 and after["frame"]["epoch"] == 2
    assert after["frame"]["weights"] == before["weights"] and len(after["history"]) == 3
    run = web.runs[run_id]
    assert run.model.optimizer.learning_rate == 0.3 and run.config["batch_size"] == 25
    call(web, "POST", f"/api/runs/{run_id}/step")
    wait_for(lambda: frame_of(web, run_id)["epoch"] == 3, "a step at the new rate")
    assert b"changed during training" in call(web, "GET", f"/api/runs/{run_id}/code.py")[1]
    # Anything else starts the network over.
    status, after = call(
        web, "PUT", f"/api/runs/{run_id}/config", {"config": {"activation": "relu"}}
    )
    assert status == 200 and after["frame"]["epoch"] == 0


def test_a_frame_stops_training_after_its_time(monkeypatch):
    # A frame starts no new piece of training past FRAME_SECONDS: with none left, one piece
    # (the first is one epoch) however many epochs a frame may hold.
    run = server.Run("direct", server.validate_config({"epochs_per_frame": 1000}))
    try:
        monkeypatch.setattr(server, "FRAME_SECONDS", 0.0)
        run._train(1000)
        assert run.epoch == 1
        monkeypatch.setattr(server, "FRAME_SECONDS", 60.0)
        monkeypatch.setattr(server, "PIECE_SECONDS", 60.0)
        run._train(50)
        assert run.epoch == 51  # a second piece of all the rest
    finally:
        run.close()


def test_step_trains_exactly_one_epoch(web):
    run_id = new_run(web)["id"]
    for expected in (1, 2):
        assert call(web, "POST", f"/api/runs/{run_id}/step")[0] == 200
        wait_for(lambda e=expected: frame_of(web, run_id)["epoch"] == e, f"epoch {expected}")
    assert frame_of(web, run_id)["playing"] is False


def test_reset_starts_over_with_the_same_weights(web):
    state = new_run(web, seed=7)
    run_id = state["id"]
    call(web, "POST", f"/api/runs/{run_id}/step")
    wait_for(lambda: frame_of(web, run_id)["epoch"] == 1, "a step")
    status, again = call(web, "POST", f"/api/runs/{run_id}/reset")
    assert status == 200 and again["frame"]["epoch"] == 0
    assert again["frame"]["weights"] == state["frame"]["weights"]
    assert again["history"] == [[0, state["frame"]["train_loss"], state["frame"]["test_loss"]]]


def test_stop_conditions_pause_the_run(web):
    run_id = new_run(web, stop_epoch=12, epochs_per_frame=5)["id"]
    call(web, "POST", f"/api/runs/{run_id}/play")
    frame = wait_for(
        lambda: (f := frame_of(web, run_id))["playing"] is False and f["epoch"] > 0 and f,
        "the stop epoch",
    )
    assert frame["epoch"] == 12 and "stop" in frame["stopped"]
    status, body = call(web, "POST", f"/api/runs/{run_id}/play")
    assert status == 409 and "stop epoch" in body["error"]

    run_id = new_run(web, hidden=[8], learning_rate=0.3, stop_test_loss=0.3)["id"]
    call(web, "POST", f"/api/runs/{run_id}/play")
    frame = wait_for(
        lambda: (f := frame_of(web, run_id))["playing"] is False and f["epoch"] > 0 and f,
        "the target loss",
    )
    assert frame["test_loss"] <= 0.3 and "test loss" in frame["stopped"]


def test_a_diverging_run_pauses_with_a_message(web):
    run_id = new_run(web, dataset="plane", hidden=[8], learning_rate=10, activation="relu")["id"]
    call(web, "POST", f"/api/runs/{run_id}/play")
    frame = wait_for(lambda: (f := frame_of(web, run_id))["stopped"] and f, "the NaN stop")
    assert "NaN" in frame["stopped"] and frame["playing"] is False
    assert call(web, "GET", "/api/options")[0] == 200  # the server lives on


# ---- editing ----------------------------------------------------------------------------------


def test_setting_a_weight_changes_that_weight_only(web):
    state = new_run(web, hidden=[4])
    run_id = state["id"]
    before = state["frame"]
    status, frame = call(
        web, "POST", f"/api/runs/{run_id}/weight", {"layer": 1, "from": 2, "to": 0, "value": -3.5}
    )
    assert status == 200 and frame["weights"][1][2][0] == -3.5
    expected = [np.array(w) for w in before["weights"]]
    expected[1][2, 0] = -3.5
    for got, want in zip(frame["weights"], expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert frame["output"] != before["output"]  # the picture follows the weight
    status, frame = call(
        web, "POST", f"/api/runs/{run_id}/weight", {"layer": 0, "from": "bias", "to": 3, "value": 1}
    )
    assert status == 200 and frame["biases"][0][3] == 1.0


@pytest.mark.parametrize(
    "body",
    [
        {"layer": 2, "from": 0, "to": 0, "value": 1},
        {"layer": 0, "from": 2, "to": 0, "value": 1},
        {"layer": 0, "from": 0, "to": 4, "value": 1},
        {"layer": 0, "from": 0, "to": 0, "value": "big"},
        {"layer": 0, "from": 0, "to": 0, "value": 1e9},
        {"layer": 0, "from": 0, "to": 0},
        {"layer": 0, "from": 0, "to": 0, "value": 1, "colour": "red"},
    ],
)
def test_bad_weights_are_refused(web, body):
    run_id = new_run(web, hidden=[4])["id"]
    status, answer = call(web, "POST", f"/api/runs/{run_id}/weight", body)
    assert status == 400 and answer["error"]


def test_points_added_by_click(web):
    state = new_run(web)
    run_id = state["id"]
    status, after = call(web, "POST", f"/api/runs/{run_id}/points", {"x": 1.5, "y": -2, "label": 1})
    assert status == 200 and len(after["train"]) == len(state["train"]) + 1
    assert after["train"][-1] == [1.5, -2.0, 1]
    status, after = call(
        web, "POST", f"/api/runs/{run_id}/points", {"x": 0, "y": 0, "label": 0, "set": "test"}
    )
    assert status == 200 and len(after["test"]) == len(state["test"]) + 1
    for bad in (
        {"x": 0, "y": 0, "label": 2},
        {"x": 0, "label": 1},
        {"x": 0, "y": 0, "label": 1, "set": "x"},
    ):
        assert call(web, "POST", f"/api/runs/{run_id}/points", bad)[0] == 400


def test_reset_keeps_the_points_added(web):
    run_id = new_run(web)["id"]
    added = call(web, "POST", f"/api/runs/{run_id}/points", {"x": 1, "y": 1, "label": 0})[1]
    status, state = call(web, "POST", f"/api/runs/{run_id}/reset")
    assert status == 200 and state["train"] == added["train"]


def test_multiclass_spiral_has_a_softmax_output(web):
    state = new_run(web, dataset="spiral", classes=4, hidden=[8])
    assert state["class_labels"] == ["0", "1", "2", "3"]
    assert state["output_activation"] == "softmax"
    assert state["loss"] == "sparse_categorical_crossentropy"
    assert len(state["frame"]["output"]) == 4
    assert np.shape(state["frame"]["confusion"]) == (4, 4)
    assert {p[2] for p in state["train"]} == {0, 1, 2, 3}


def test_up_to_twelve_classes_each_with_its_own_colour(web):
    _, options = call(web, "GET", "/api/options")
    assert options["max_classes"] == server.MAX_CLASSES == 12
    colours = options["class_colors"]
    assert len(colours) == 12 and len(set(colours)) == 12  # one colour per class, all distinct
    assert colours[:2] == ["#f59322", "#0877bd"]  # Playground's orange and blue first
    state = new_run(web, dataset="gauss", classes=12, hidden=[8])
    assert len(state["class_labels"]) == 12 and state["layer_sizes"][-1] == 12
    assert np.shape(state["frame"]["confusion"]) == (12, 12)
    assert len(state["frame"]["output"]) == 12
    assert {p[2] for p in state["train"]} == set(range(12))
    status, body = call(web, "POST", "/api/runs", {"config": {"dataset": "spiral", "classes": 13}})
    assert status == 400 and "classes must be between 2 and 12, got 13" in body["error"]


def csv_of_classes(names, rows_per_class=6):
    """Two inputs and a label column of the given class names, each at its own spot."""
    lines = ["a,b,kind"]
    for i in range(rows_per_class):
        for c, name in enumerate(names):
            lines.append(f"{c + 0.1 * i:.2f},{(c * 7) % 5 - 0.1 * i:.2f},{name}")
    return "\n".join(lines).encode()


def test_a_csv_of_many_classes_up_to_the_cap(web):
    run_id = new_run(web)["id"]
    names = [f"k{c:02d}" for c in range(12)][::-1]  # in the file in reverse order
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv", raw=csv_of_classes(names))
    assert status == 200, state
    assert state["class_labels"] == sorted(names) and state["layer_sizes"][-1] == 12
    assert np.shape(state["frame"]["confusion"]) == (12, 12)
    # Past the cap: a message that says the cap, and the run keeps what it had.
    names = [f"w{c}" for c in range(13)]
    status, body = call(web, "POST", f"/api/runs/{run_id}/csv", raw=csv_of_classes(names))
    assert status == 400
    assert "the label column has 13 classes; the page shows at most 12" in body["error"]
    assert call(web, "GET", f"/api/runs/{run_id}")[1]["class_labels"] == sorted(
        f"k{c:02d}" for c in range(12)
    )
    # Whole numbers of more than 12 values are a quantity: regression, unless asked.
    numbers = [str(c) for c in range(15)]
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv", raw=csv_of_classes(numbers))
    assert status == 200 and state["problem"] == "regression"
    status, body = call(
        web, "POST", f"/api/runs/{run_id}/csv?problem=classification", raw=csv_of_classes(numbers)
    )
    assert status == 400 and "at most 12 (or choose problem type regression)" in body["error"]


def test_regression_sets(web):
    state = new_run(web, dataset="multi_gauss", hidden=[6])
    assert state["problem"] == "regression" and state["frame"]["confusion"] is None
    assert state["frame"]["metric"] == "mae" and "test_mae" in state["frame"]


# ---- CSV --------------------------------------------------------------------------------------

CSV3 = "\n".join(
    ["width,height,depth,kind"]
    + [
        f"{a:.3f},{b:.3f},{c:.3f},{k}"
        for a, b, c, k in zip(
            np.linspace(0, 1, 60),
            np.cos(np.arange(60)),
            np.sin(np.arange(60)),
            ["cat", "dog", "bird"] * 20,
            strict=True,
        )
    ]
).encode()


def test_csv_with_word_labels_and_three_inputs(web):
    run_id = new_run(web)["id"]
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv", raw=CSV3)
    assert status == 200, state
    assert state["config"]["dataset"] == "csv" and state["problem"] == "classification"
    assert state["class_labels"] == ["bird", "cat", "dog"]
    assert state["layer_sizes"][0] == 3 and state["layer_sizes"][-1] == 3
    assert state["columns"] == ["width", "height", "depth"] and state["plane"] == [0, 1]
    assert state["feature_pictures"] is None  # 3 columns: no Playground features
    upload = state["upload"]
    assert upload["rows"] == 60 and upload["columns"] == ["width", "height", "depth"]
    assert upload["target"] == "kind" and upload["column"] == 3 and upload["bytes"] == len(CSV3)
    # The plane shows another pair of columns; the others sit at their means.
    status, state = call(web, "PUT", f"/api/runs/{run_id}/config", {"config": {"plane": [0, 2]}})
    assert status == 200 and state["plane"] == [0, 2]
    assert call(web, "PUT", f"/api/runs/{run_id}/config", {"config": {"plane": [0, 5]}})[0] == 400


def test_csv_target_column_and_regression(web):
    run_id = new_run(web)["id"]
    text = b"y,a,b\n" + b"\n".join(f"{i * 0.37:.2f},{i},{i % 7}".encode() for i in range(30))
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv?target=y", raw=text)
    assert status == 200, state
    assert state["problem"] == "regression" and state["columns"] == ["a", "b"]
    assert state["upload"]["target"] == "y"
    # No header: x1, x2, ... and the last column; numeric classes.
    text = b"\n".join(f"{i},{i % 3},{i % 2}".encode() for i in range(30))
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv", raw=text)
    assert (
        status == 200 and state["class_labels"] == ["0", "1"] and state["columns"] == ["x1", "x2"]
    )


def test_csv_with_one_input_column(web):
    run_id = new_run(web)["id"]
    text = b"size,label\n" + b"\n".join(f"{i},{int(i > 10)}".encode() for i in range(20))
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv", raw=text)
    assert status == 200, state
    assert state["layer_sizes"][0] == 1 and len(state["extent"]) == 2
    assert len(state["train"][0]) == 2  # [x, label]
    status, body = call(web, "POST", f"/api/runs/{run_id}/points", {"x": 1, "y": 0, "label": 0})
    assert status == 400 and "one input column" in body["error"]
    call(web, "POST", f"/api/runs/{run_id}/step")
    wait_for(lambda: frame_of(web, run_id)["epoch"] == 1, "a step")


@pytest.mark.parametrize(
    ("raw", "status", "words"),
    [
        (b"", 400, "empty"),
        (b"\n\n# nothing\n", 400, "empty"),
        (b"a,b,c\n1,2,0\n3,4\n5,6,1\n7,8,0\n", 400, "line 3: expected 3 fields, found 2"),
        (b"a,b,c\n1,2,0\n3,x,1\n5,6,1\n7,8,0\n", 400, "line 3, column 2"),
        (b"a,b,c\n1,inf,0\n3,4,1\n5,6,1\n7,8,0\n", 400, "finite"),
        (b"a\n1\n2\n", 400, "two columns"),
        (b"a,b,c\n1,2,0\n3,4,0\n5,6,0\n7,8,0\n", 400, "2 classes"),
        (b"a,b,c\n1,2,0\n", 400, "4 data rows"),
        (b"a,b\xff,c\n1,2,0\n", 400, "UTF-8"),
        (b"1,2,0\n" * (server.MAX_CSV_BYTES // 6 + 1), 413, "over 2097152 bytes"),
    ],
)
def test_bad_csv_files_are_refused_and_the_run_keeps_working(web, raw, status, words):
    state = new_run(web)
    run_id = state["id"]
    got, body = call(web, "POST", f"/api/runs/{run_id}/csv", raw=raw)
    assert got == status and words in body["error"]
    after = call(web, "GET", f"/api/runs/{run_id}")
    assert after[0] == 200 and after[1]["config"]["dataset"] == "circle"
    assert call(web, "POST", f"/api/runs/{run_id}/step")[0] == 200


# ---- an uploaded CSV in the page's link ----------------------------------------------------


def test_a_small_csv_travels_in_the_link_and_comes_back_the_same(web):
    run_id = new_run(web, hidden=[5], seed=7)["id"]
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv?name=../x/zoo%0A.csv", raw=CSV3)
    assert status == 200, state
    upload = state["upload"]
    assert upload["name"] == "zoo.csv"  # the base name, no control characters
    assert upload["max_link"] == server.MAX_LINK_CSV and len(upload["link"]) <= server.MAX_LINK_CSV
    assert set(upload["link"]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert len(upload["link"]) == upload["packed_size"] < len(CSV3)  # packed smaller
    assert server.unpack_csv(upload["link"].encode()) == CSV3
    # Another page opens the link: the packed file, its label column and problem.
    other = new_run(web, hidden=[5], seed=7)["id"]
    query = f"?packed=1&target={upload['column']}&problem=classification&name=zoo.csv"
    status, again = call(web, "POST", f"/api/runs/{other}/csv{query}", raw=upload["link"].encode())
    assert status == 200, again
    for key in ("class_labels", "columns", "train", "test", "layer_sizes", "upload"):
        assert again[key] == state[key], key
    assert again["frame"]["weights"] == state["frame"]["weights"]


def test_a_large_csv_is_left_out_of_the_link(web):
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.6f},{b:.6f},{int(a > b)}" for a, b in rng.normal(size=(3000, 2)))
    data = ("a,b,y\n" + rows).encode()
    run_id = new_run(web)["id"]
    status, state = call(web, "POST", f"/api/runs/{run_id}/csv?name=big.csv", raw=data)
    assert status == 200, state
    upload = state["upload"]
    assert upload["link"] is None and upload["packed_size"] > server.MAX_LINK_CSV
    assert upload["name"] == "big.csv" and upload["bytes"] == len(data)


@pytest.mark.parametrize(
    ("raw", "status", "words"),
    [
        (b"not base64 at all!", 400, "damaged"),
        (server.pack_csv(CSV3).encode()[:-40], 400, "cut short"),
        (server.pack_csv(b"1,2,0\n" * 400_000).encode(), 413, "over 2048 KiB"),  # a zip bomb
        (b"A" * (4 * server.MAX_LINK_CSV + 1), 413, "over 28000 characters"),
    ],
)
def test_bad_packed_csv_data_is_refused(web, raw, status, words):
    run_id = new_run(web)["id"]
    got, body = call(web, "POST", f"/api/runs/{run_id}/csv?packed=1", raw=raw)
    assert got == status and words in body["error"], body
    assert call(web, "GET", f"/api/runs/{run_id}")[1]["config"]["dataset"] == "circle"


def test_the_csv_upload_refuses_unknown_query_fields(web):
    run_id = new_run(web)["id"]
    status, body = call(web, "POST", f"/api/runs/{run_id}/csv?colour=red", raw=CSV3)
    assert status == 400 and "unknown field 'colour'" in body["error"]
    status, body = call(web, "POST", f"/api/runs/{run_id}/csv?packed=yes", raw=CSV3)
    assert status == 400 and "packed must be one of 0, 1" in body["error"]


# ---- downloads --------------------------------------------------------------------------------


def test_the_model_download_loads_with_fastnn(web, tmp_path):
    run_id = new_run(web, hidden=[5, 3])["id"]
    for expected in (1, 2):
        call(web, "POST", f"/api/runs/{run_id}/step")
        wait_for(lambda e=expected: frame_of(web, run_id)["epoch"] == e, "a step")
    status, data = call(web, "GET", f"/api/runs/{run_id}/model.fnn")
    assert status == 200
    path = tmp_path / "playground.fnn"
    path.write_bytes(data)
    model = fastnn.load_model(path)
    assert [layer.units for layer in model.layers] == [5, 3, 1]
    frame = frame_of(web, run_id)
    np.testing.assert_allclose(model.layers[0].kernel, frame["weights"][0], atol=1e-5)
    assert model.optimizer is not None and model.loss == "binary_crossentropy"  # compiled


def test_the_python_code_rebuilds_the_same_network(web, tmp_path):
    state = new_run(
        web,
        dataset="xor",
        hidden=[4],
        noise=10,
        optimizer="adam",
        learning_rate=0.01,
        regularization="l2",
        reg_rate=0.001,
        features=["x1", "x2", "x1x2"],
    )
    run_id = state["id"]
    for expected in (1, 2, 3):
        call(web, "POST", f"/api/runs/{run_id}/step")
        wait_for(lambda e=expected: frame_of(web, run_id)["epoch"] == e, "a step")
    status, code = call(web, "GET", f"/api/runs/{run_id}/code.py")
    assert status == 200 and b"epochs=3" in code
    (tmp_path / "playground.py").write_bytes(code)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run(
        [sys.executable, "playground.py"], cwd=tmp_path, env=env, check=True, capture_output=True
    )
    rebuilt = fastnn.load_model(tmp_path / "playground.fnn")
    frame = frame_of(web, run_id)
    for layer, weights in zip(rebuilt.layers, frame["weights"], strict=True):
        np.testing.assert_allclose(layer.kernel, weights, atol=2e-5)


SEMICOLONS = b"# a comment\n\n" + b"\n".join(
    f"{'ab'[i % 2]};{i * 0.1:.1f};{(i * 7) % 5}".encode() for i in range(40)
)


@pytest.mark.parametrize(
    ("data", "query", "classes"), [(CSV3, "", 3), (SEMICOLONS, "?target=0", 2)]
)
def test_code_for_a_csv_run_reads_the_file(web, tmp_path, data, query, classes):
    run_id = new_run(web)["id"]
    assert call(web, "POST", f"/api/runs/{run_id}/csv{query}", raw=data)[0] == 200
    call(web, "POST", f"/api/runs/{run_id}/step")
    wait_for(lambda: frame_of(web, run_id)["epoch"] == 1, "a step")
    status, code = call(web, "GET", f"/api/runs/{run_id}/code.py")
    assert status == 200
    (tmp_path / "data.csv").write_bytes(data)
    (tmp_path / "playground.py").write_bytes(code)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run(
        [sys.executable, "playground.py"], cwd=tmp_path, env=env, check=True, capture_output=True
    )
    rebuilt = fastnn.load_model(tmp_path / "playground.fnn")
    assert rebuilt.layers[-1].units == (1 if classes == 2 else classes)
    frame = frame_of(web, run_id)
    for layer, weights in zip(rebuilt.layers, frame["weights"], strict=True):
        np.testing.assert_allclose(layer.kernel, weights, atol=2e-5)


# ---- runs side by side, and the bounded stream ------------------------------------------------


def test_two_runs_at_once_do_not_touch_each_other(web):
    a = new_run(web, hidden=[4], seed=3)
    b = new_run(web, hidden=[4], seed=3)
    assert a["id"] != b["id"] and a["frame"]["weights"] == b["frame"]["weights"]
    call(web, "POST", f"/api/runs/{a['id']}/play")
    errors = []

    def hammer():
        for value in np.linspace(-2, 2, 20):
            status, _ = call(
                web,
                "POST",
                f"/api/runs/{b['id']}/weight",
                {"layer": 0, "from": 0, "to": 0, "value": float(value)},
            )
            if status != 200:
                errors.append(status)

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_for(lambda: frame_of(web, a["id"])["epoch"] >= 20, "run a training")
    call(web, "POST", f"/api/runs/{a['id']}/pause")
    assert errors == []
    fb = frame_of(web, b["id"])
    assert fb["epoch"] == 0 and fb["weights"][0][0][0] == 2.0
    fa = frame_of(web, a["id"])
    assert fa["weights"][0][0][0] != 2.0 and fa["epoch"] >= 20
    expected = np.array(b["frame"]["weights"][0])
    expected[0, 0] = 2.0
    np.testing.assert_array_equal(fb["weights"][0], expected)


def test_pages_that_go_away_mid_stream_harm_nothing(web):
    run_id = new_run(web, epochs_per_frame=1)["id"]
    call(web, "POST", f"/api/runs/{run_id}/play")
    host, port = web.server_address[:2]
    request = f"GET /api/runs/{run_id}/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    for _ in range(5):  # read a frame, then hang up without a word
        with socket.create_connection((host, port), timeout=WAIT) as raw:
            raw.sendall(request)
            received = b""
            while b"data: " not in received:
                received += raw.recv(65536)
            raw.shutdown(socket.SHUT_RDWR)
    # A request that hangs up before its answer.
    with socket.create_connection((host, port), timeout=WAIT) as raw:
        raw.sendall(f"GET /api/runs/{run_id} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        raw.shutdown(socket.SHUT_RDWR)
    wait_for(lambda: frame_of(web, run_id)["epoch"] >= 30, "training on")
    call(web, "POST", f"/api/runs/{run_id}/pause")
    assert web.errors == []


def test_the_frame_slot_keeps_the_latest_frame_only():
    slot = server.FrameSlot()
    for i in range(1, 101):
        slot.publish(f"frame {i}")
    # A reader that fell behind gets the newest frame, not a backlog of 100.
    assert slot.next_after(0, timeout=0) == (100, "frame 100")
    assert slot.next_after(100, timeout=0) == (100, None)
    assert vars(slot).keys() == {"_cond", "seq", "text", "closed"}
    slot.close()
    assert slot.next_after(100, timeout=WAIT) == (100, None)


def test_a_slow_reader_skips_frames(web):
    state = new_run(web, epochs_per_frame=1)
    run_id = state["id"]
    run = web.runs[run_id]
    call(web, "POST", f"/api/runs/{run_id}/play")
    wait_for(lambda: run.slot.seq >= state["frame"]["seq"] + 10, "ten frames")
    # A client that last saw the first frame gets the newest, many frames on.
    newest = read_frames(web, run_id, 1, after=state["frame"]["seq"])[0]
    call(web, "POST", f"/api/runs/{run_id}/pause")
    assert newest["seq"] >= state["frame"]["seq"] + 10


def test_fastnn_playground_serve_prints_its_url_and_serves(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "fastnn", "playground", "--serve", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("fastnn playground: http://127.0.0.1:"), line
        url = line.split()[2]
        host, port = url[len("http://") :].rstrip("/").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=WAIT)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200 and b"fastnn playground" in response.read()
        connection.close()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    assert "stopped" in out


def test_an_ipv6_loopback_server():
    try:
        srv = server.make_server("::1", 0)
    except OSError as error:  # a machine without IPv6
        pytest.skip(f"no IPv6 loopback: {error}")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        assert srv.url.startswith("http://[::1]:")
        connection = http.client.HTTPConnection("::1", srv.server_address[1], timeout=WAIT)
        connection.request("GET", "/api/options")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_port_in_use_is_one_line_and_status_1(web, capsys):
    port = web.server_address[1]
    assert cli.main(["playground", "--serve", "--no-browser", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fastnn playground: error:") and "in use" in err
    assert len(err.strip().splitlines()) == 1


def test_the_serve_options_of_the_command_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["playground", "--serve", "--port", "70000"])
    assert exit_info.value.code == 2
    assert "port" in capsys.readouterr().err


# ---- fastnn playground --serve with the command line's other options -------------------------


def serve_link(monkeypatch, capsys, *argv):
    """(exit status, the page's fragment --serve would open, stderr) of fastnn playground."""
    opened = {}

    def fake_serve(host, port, open_browser=True, fragment=""):
        opened.update(host=host, port=port, fragment=fragment)
        return 0

    monkeypatch.setattr(server, "serve", fake_serve)
    try:
        code = cli.main(["playground", "--serve", *argv])
    except SystemExit as exit_:
        code = exit_.code
    return code, opened.get("fragment"), capsys.readouterr().err


def test_serve_opens_the_page_on_the_options_given(monkeypatch, capsys):
    from urllib.parse import parse_qs

    code, fragment, err = serve_link(
        monkeypatch, capsys, "--dataset", "spiral", "--hidden", "8,8", "--activation", "relu",
        "--learning-rate", "0.1", "--optimizer", "adam", "--features", "x1,x2,sin_x1",
        "--noise", "10", "--train-ratio", "0.7", "--batch-size", "5", "--seed", "3",
        "--regularization", "l2", "--reg-rate", "0.01", "--epochs", "300", "--discretize",
    )  # fmt: skip
    assert code == 0, err
    params = {k: v[0] for k, v in parse_qs(fragment).items()}
    assert params == {
        "dataset": "spiral", "hidden": "8,8", "activation": "relu", "learning_rate": "0.1",
        "optimizer": "adam", "noise": "10.0", "train_ratio": "70", "batch_size": "5",
        "features": "x1,x2,sin_x1", "regularization": "l2", "reg_rate": "0.01", "seed": "3",
        "stop_epoch": "300", "discretize": "1",
    }  # fmt: skip
    # No options: the page's defaults, no fragment.
    assert serve_link(monkeypatch, capsys)[:2] == (0, "")


def test_serve_takes_a_small_csv_file_in_the_link(monkeypatch, capsys, tmp_path):
    path = tmp_path / "zoo.csv"
    path.write_bytes(CSV3)
    code, fragment, err = serve_link(
        monkeypatch, capsys, "--data", str(path), "--plane", "width,depth", "--hidden", "6"
    )
    assert code == 0, err
    from urllib.parse import parse_qs

    params = {k: v[0] for k, v in parse_qs(fragment).items()}
    assert params["dataset"] == "csv" and params["problem"] == "classification"
    assert params["plane"] == "0,2" and params["csv_name"] == "zoo.csv"
    assert params["csv_target"] == "3" and server.unpack_csv(params["csv"].encode()) == CSV3


@pytest.mark.parametrize(
    ("argv", "status", "words"),
    [
        (["--out", "x.png"], 2, "--out applies to the command line's run, not to the page"),
        (["--no-standardize"], 2, "--no-standardize applies to the command line's run"),
        (["--dataset", "weather"], 2, "the page has no data set 'weather'"),
        (["--hidden", "40"], 2, "the page refuses the settings: a hidden layer's size"),
        (["--hidden", ",".join(["2"] * 9)], 2, "at most 8 layer sizes"),
        (["--train-ratio", "0.05"], 2, "train_ratio must be between 10 and 90"),
        (["--train-ratio", "0.555"], 2, "whole percents"),
        (["--dataset", "plane", "--problem", "classification"], 2, "is a regression data set"),
        (["--plane", "x1,x2"], 2, "--plane applies to a CSV file"),
        (["--target", "y"], 2, "--target applies to a CSV file"),
    ],
)
def test_serve_refuses_what_the_page_cannot_take(monkeypatch, capsys, argv, status, words):
    code, fragment, err = serve_link(monkeypatch, capsys, *argv)
    assert code == status and fragment is None
    assert words in err and err.count("\n") == 1


def test_serve_refuses_a_csv_too_large_for_a_link_and_page_options_alone(
    monkeypatch, capsys, tmp_path
):
    rng = np.random.default_rng(0)
    path = tmp_path / "big.csv"
    rows = "\n".join(f"{a:.6f},{b:.6f},{int(a > b)}" for a, b in rng.normal(size=(3000, 2)))
    path.write_text("a,b,y\n" + rows)
    code, _, err = serve_link(monkeypatch, capsys, "--data", str(path))
    assert code == 1 and "more than the page's link carries (7,000)" in err
    path.write_text("a,b,y\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n")
    code, _, err = serve_link(monkeypatch, capsys, "--data", str(path), "--problem", "regression")
    assert code == 1 and "regression needs a numeric label column; line 2 has 'cat'" in err
    # The page's options without --serve are refused too, not ignored.
    assert cli.main(["playground", "--port", "8000", "--no-plot"]) == 2
    assert "--port applies to the page (--serve)" in capsys.readouterr().err

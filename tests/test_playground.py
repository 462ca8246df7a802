"""The playground: networks learn Playground's data sets, plot draws them, the command line runs
end to end and reports bad input on one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastnn as fnn
from fastnn.datasets import PLAYGROUND_DOMAIN, make_playground, playground_features
from fastnn.datasets import train_test_split as split
from fastnn.playground import network_values, plot
from fastnn.playground.cli import main

matplotlib_image = pytest.importorskip("matplotlib.image")

ROOT = Path(__file__).resolve().parent.parent
ALL_FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"]


def train(name, hidden=(4, 2), activation="tanh", features=("x1", "x2"), epochs=1000, seed=0):
    """Playground's set-up: 500 points, half to train, SGD 0.03, batches of 10."""
    X, y = make_playground(name, n_samples=500, noise=0, seed=seed)
    X_train, X_test, y_train, y_test = split(X, y, test_ratio=0.5, seed=seed)
    model = fnn.Sequential(seed=seed)
    for i, units in enumerate(hidden):
        model.add(
            fnn.Dense(units, activation=activation, input_dim=len(features) if i == 0 else None)
        )
    model.add(fnn.Dense(1, activation="sigmoid", input_dim=None if hidden else len(features)))
    model.compile(
        optimizer=fnn.optimizers.SGD(learning_rate=0.03),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    F_train = playground_features(X_train, features)
    F_test = playground_features(X_test, features)
    history = model.fit(
        F_train,
        y_train,
        epochs=epochs,
        batch_size=10,
        validation_data=(F_test, y_test),
        verbose=0,
    )
    accuracy = model.evaluate(F_test, y_test)[1]
    return model, (X_train, y_train, X_test, y_test), history, accuracy


# ---- Playground's experiments learn ----------------------------------------------------------


@pytest.mark.parametrize("name", ["circle", "xor", "gauss"])
def test_playgrounds_default_network_learns(name):
    # Inputs x1, x2; hidden 4, 2 tanh; learning rate 0.03; batch size 10; half for training.
    *_, accuracy = train(name)
    assert accuracy >= 0.9


def test_two_tanh_layers_with_the_extra_features_learn_the_spiral():
    *_, accuracy = train("spiral", hidden=(8, 8), features=ALL_FEATURES)
    assert accuracy >= 0.85


# ---- plot ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained():
    """Two different networks on the circle, trained briefly."""
    a = train("circle", hidden=(4, 2), epochs=60, seed=0)
    b = train("circle", hidden=(3,), activation="relu", epochs=60, seed=1)
    return a, b


def draw(tmp_path, model, data, history=None, name="picture.png", **kwargs) -> np.ndarray:
    X_train, y_train, X_test, y_test = data
    path = tmp_path / name
    plot(model, X_train, y_train, X_test, y_test, history, path, **kwargs)
    assert path.exists()
    return matplotlib_image.imread(path)


def test_plot_writes_a_picture_that_is_not_blank(tmp_path, trained):
    model, data, history, _ = trained[0]
    image = draw(tmp_path, model, data, history, domain=PLAYGROUND_DOMAIN)
    assert image.shape[0] > 300 and image.shape[1] > 600
    rgb = image[..., :3]
    assert rgb.std() > 0.1  # not one colour
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 50  # heatmaps, not a few flat areas
    # Playground's blue and orange are both there.
    blue = (rgb[..., 2] > 0.6) & (rgb[..., 0] < 0.2)
    orange = (rgb[..., 0] > 0.9) & (rgb[..., 2] < 0.3)
    assert blue.mean() > 0.005 and orange.mean() > 0.005


def test_plot_differs_between_two_models(tmp_path, trained):
    (model_a, data, history_a, _), (model_b, _, history_b, _) = trained
    a = draw(tmp_path, model_a, data, history_a, "a.png", title="same title")
    b = draw(tmp_path, model_b, data, history_b, "b.png", title="same title")
    assert a.shape == b.shape
    assert np.abs(a - b).mean() > 0.01


def test_plot_writes_svg_and_returns_the_figure(tmp_path, trained):
    model, (X_train, y_train, *_), _, _ = trained[0]
    figure = plot(model, X_train, y_train, path=tmp_path / "p.svg")
    text = (tmp_path / "p.svg").read_text()
    assert "<svg" in text and "<image" in text  # the heatmaps are embedded images
    assert len(figure.axes) == 2  # the network and the output; no history, no loss panel


def test_plot_without_a_path_writes_nothing(tmp_path, trained, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model, (X_train, y_train, *_), _, _ = trained[0]
    plot(model, X_train, y_train)
    assert list(tmp_path.iterdir()) == []


def test_network_values_end_with_predict(trained):
    model, (X_train, *_), _, _ = trained[0]
    values = network_values(model, X_train)
    assert [v.shape[1] for v in values] == [4, 2, 1]
    np.testing.assert_allclose(values[-1], model.predict(X_train), rtol=1e-6, atol=1e-7)


def test_plot_features_and_transform(tmp_path):
    # The model sees Playground's features of standardised points; the picture is in X's units.
    X, y = make_playground("weather", n_samples=200, seed=0)
    mean, std = X.mean(axis=0), X.std(axis=0)
    features = ["x1", "x2", "x1x2"]
    model = fnn.Sequential([fnn.Dense(3, "tanh", input_dim=3), fnn.Dense(1, "sigmoid")], seed=0)
    model.compile("sgd", "binary_crossentropy")
    model.fit(playground_features((X - mean) / std, features), y, epochs=5, verbose=0)
    transform = lambda P: (P - mean) / std  # noqa: E731
    figure = plot(
        model,
        X,
        y,
        path=tmp_path / "w.png",
        features=features,
        transform=transform,
        input_names=["temperature", "pressure"],
        class_names=["rainy", "sunny"],
    )
    out = figure.axes[1]
    assert out.get_xlabel() == "temperature" and out.get_xlim()[1] > 30
    legend = [t.get_text() for t in out.get_legend().get_texts()]
    assert "rainy" in legend and "sunny" in legend
    with pytest.raises(ValueError, match="the model takes 3 inputs but the points give 2"):
        plot(model, X, y, transform=transform)


def test_plot_multiclass_colours_each_region_by_its_class(tmp_path):
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 3.0], [-3.0, -2.0], [3.0, -2.0]])
    y = rng.integers(0, 3, 300)
    X = centers[y] + rng.normal(0, 0.8, (300, 2))
    model = fnn.Sequential([fnn.Dense(6, "tanh", input_dim=2), fnn.Dense(3, "softmax")], seed=0)
    model.compile(fnn.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    history = model.fit(X, y, epochs=30, batch_size=10, verbose=0)
    image = plot(model, X, y, history=history, path=tmp_path / "m.png")
    picture = matplotlib_image.imread(tmp_path / "m.png")[..., :3]
    r, g, b = picture[..., 0], picture[..., 1], picture[..., 2]
    green = (g > r + 0.15) & (g > b + 0.15)
    assert green.mean() > 0.005  # the third class's colour
    legend = [t.get_text() for t in image.axes[1].get_legend().get_texts()]
    assert legend[-3:] == ["class 0", "class 1", "class 2"]


def test_plot_regression_and_more_than_two_inputs(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 3))
    y = X[:, 0] - 2 * X[:, 1] + X[:, 2]
    model = fnn.Sequential([fnn.Dense(4, "relu", input_dim=3), fnn.Dense(1)], seed=0)
    model.compile("sgd", "mse")
    history = model.fit(X, y, epochs=20, verbose=0)
    figure = plot(model, X, y, history=history, path=tmp_path / "r.png")
    assert "the other input at its mean" in figure.axes[1].get_title()
    assert len(figure.axes) == 4  # network, output, its colour bar, loss


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"path": "picture.txt"}, ValueError, "end it with .png, .svg, .pdf"),
        ({"y": np.full(250, 2)}, ValueError, r"y\[0\] = 2 is not a class label in 0..1"),
        ({"X": np.zeros((250, 1))}, ValueError, "d >= 2"),
        ({"X_test": np.zeros((5, 2))}, ValueError, "give both X_test and y_test"),
        ({"domain": (1, -1)}, ValueError, "low < high"),
        ({"history": [1, 2]}, TypeError, "History"),
        ({"features": ["x1", "x2", "x1^2"]}, ValueError, "the model takes 2 inputs"),
        ({"resolution": 1}, ValueError, "resolution"),
    ],
)
def test_plot_rejects(trained, kwargs, error, message):
    model, (X_train, y_train, *_), _, _ = trained[0]
    arguments = {"X": X_train, "y": y_train, **kwargs}
    with pytest.raises(error, match=message):
        plot(model, **arguments)


def test_plot_without_matplotlib_says_how_to_get_it(trained, monkeypatch):
    model, (X_train, y_train, *_), _, _ = trained[0]
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(ImportError, match=r'pip install "fastnn\[plot\]"'):
        plot(model, X_train, y_train)


def test_import_fastnn_does_not_load_matplotlib():
    code = (
        "import sys, fastnn; fastnn.datasets, fastnn.playground; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- the command line, end to end ------------------------------------------------------------


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastnn", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_cli_on_a_named_data_set(tmp_path):
    out = tmp_path / "spiral.png"
    run = cli("playground", "--dataset", "spiral", "--hidden", "8,8", "--features",
              "x1,x2,sin_x1,sin_x2", "--epochs", "5", "--seed", "0", "--out", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "250 training and 250 test samples" in run.stdout
    assert "network 4 → 8 → 8 → 1" in run.stdout
    assert "train: loss" in run.stdout and "test:  loss" in run.stdout
    assert "accuracy" in run.stdout and f"wrote {out}" in run.stdout
    assert matplotlib_image.imread(out)[..., :3].std() > 0.1


def test_cli_is_reproducible_with_a_seed(tmp_path):
    args = ("playground", "--dataset", "xor", "--epochs", "5", "--seed", "3", "--no-plot", "-q")
    first, second = cli(*args), cli(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


def test_cli_on_a_csv_with_three_classes(tmp_path):
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 30.0], [-30.0, -20.0], [30.0, -20.0]])  # not standardised
    labels = rng.integers(0, 3, 150)
    X = centers[labels] + rng.normal(0, 8, (150, 2))
    lines = ["width,height,kind"] + [
        f"{a:.3f},{b:.3f},{c + 1}" for (a, b), c in zip(X, labels, strict=True)
    ]
    (tmp_path / "kinds.csv").write_text("\n".join(lines) + "\n")
    run = cli("playground", "--data", "kinds.csv", "--epochs", "20", "--seed", "0",
              "--optimizer", "adam", "--learning-rate", "0.05", "-q", cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "3 classes (1, 2, 3)" in run.stdout and "inputs standardized" in run.stdout
    assert "network 2 → 4 → 2 → 3" in run.stdout
    accuracy = float(run.stdout.split("test:")[1].split("accuracy")[1].split()[0])
    assert accuracy > 0.8
    assert (tmp_path / "kinds.png").exists()  # named after the data


def test_cli_on_a_csv_with_word_labels(tmp_path):
    # Classes named by words: sorted (bird, cat, dog), whatever order the rows come in, and
    # named in the printed output and in the picture's legend.
    rng = np.random.default_rng(1)
    centers = {"dog": (0.0, 30.0), "cat": (-30.0, -20.0), "bird": (30.0, -20.0)}
    lines = ["width,height,animal"]
    for i in range(150):
        name = ("dog", "cat", "bird")[i % 3]
        a, b = np.array(centers[name]) + rng.normal(0, 8, 2)
        lines.append(f"{a:.3f},{b:.3f},{name}")
    (tmp_path / "animals.csv").write_text("\n".join(lines) + "\n")
    run = cli("playground", "--data", "animals.csv", "--epochs", "20", "--seed", "0",
              "--optimizer", "adam", "--learning-rate", "0.05", "-q", "--out", "a.svg",
              cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "3 classes (bird, cat, dog)" in run.stdout and "network 2 → 4 → 2 → 3" in run.stdout
    accuracy = float(run.stdout.split("test:")[1].split("accuracy")[1].split()[0])
    assert accuracy > 0.8
    svg = (tmp_path / "a.svg").read_text()
    for name in ("bird", "cat", "dog"):
        assert f"<!-- {name} -->" in svg  # the legend's entries and the output neurons' names


def test_cli_word_labels_two_classes_a_target_and_the_problem(tmp_path, capsys):
    path = tmp_path / "days.csv"
    rows = [f"{t},{p},{'sunny' if t + p > 1028 else 'rainy'}" for t, p in
            zip(range(0, 40, 2), range(1000, 1040, 2), strict=True)]  # fmt: skip
    path.write_text("temperature,pressure,weather\n" + "\n".join(rows) + "\n")
    code, out, err = run_main(
        ["playground", "--data", str(path), "--epochs", "2", "--seed", "0", "-q", "--no-plot"],
        capsys,
    )
    assert code == 0, err
    assert "2 classes (rainy, sunny)" in out and "network 2 → 4 → 2 → 1" in out
    # The label picked by name from another column, and a refused regression on words.
    path.write_text("kind,a,b\n" + "\n".join(f"{'xy'[i % 2]},{i},{i % 3}" for i in range(20)))
    code, out, err = run_main(
        ["playground", "--data", str(path), "--target", "kind", "--epochs", "1", "-q",
         "--no-plot"], capsys)  # fmt: skip
    assert code == 0 and "2 classes (x, y)" in out and "inputs a, b" in out
    # A header's name that looks like a number is that column; other numbers are indices.
    path.write_text("a,2020,b\n" + "\n".join(f"{i},{i % 3},{i % 5}" for i in range(20)))
    code, out, err = run_main(["playground", "--data", str(path), "--target", "2020",
                               "--epochs", "1", "-q", "--no-plot"], capsys)  # fmt: skip
    assert code == 0 and "3 classes (0, 1, 2)" in out and "inputs a, b" in out, err
    code, out, err = run_main(["playground", "--data", str(path), "--target", "1",
                               "--epochs", "1", "-q", "--no-plot"], capsys)  # fmt: skip
    assert code == 0 and "3 classes (0, 1, 2)" in out and "inputs a, b" in out, err
    path.write_text("kind,a,b\n" + "\n".join(f"{'xy'[i % 2]},{i},{i % 3}" for i in range(20)))
    code, out, err = run_main(
        ["playground", "--data", str(path), "--target", "0", "--problem", "regression",
         "-q", "--no-plot"], capsys)  # fmt: skip
    assert code == 1
    assert "--problem regression needs numeric labels, but data row 1 has kind = 'x'" in one_line(
        err
    )
    # Numbers mixed with words: classes by their text, and a note says so.
    path.write_text("a,b,c\n1,2,0\n3,4,1\n5,6,n/a\n7,8,1\n9,1,0\n")
    code, out, err = run_main(["playground", "--data", str(path), "--epochs", "1", "-q",
                               "--no-plot"], capsys)  # fmt: skip
    assert code == 0, err
    assert "3 classes (0, 1, n/a)" in out and "note: the label c holds numbers (0) and words" in out


def test_cli_on_a_csv_regression(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (100, 2))
    y = X[:, 0] + 0.5 * X[:, 1]
    np.savetxt(tmp_path / "r.csv", np.column_stack([X, y]), delimiter=",", fmt="%.5f")
    run = cli("playground", "--data", str(tmp_path / "r.csv"), "--epochs", "5",
              "--seed", "0", "--out", str(tmp_path / "r.svg"), "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "regression of y" in run.stdout and "mae" in run.stdout
    assert "<svg" in (tmp_path / "r.svg").read_text()


def test_cli_script_and_python_m_are_the_same_command():
    script = Path(sys.executable).with_name("fastnn")
    if not script.exists():
        pytest.skip("the fastnn script is not installed next to this Python")
    run = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("fastnn ")


def test_cli_bad_input_in_a_real_process_is_one_line_without_traceback(tmp_path):
    run = cli("playground", "--dataset", "moons")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "invalid choice: 'moons'" in run.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5\n")
    run = cli("playground", "--data", str(bad), "-q")
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "bad.csv, line 3: expected 3 fields, found 2" in run.stderr


# ---- the command line's errors, in process ---------------------------------------------------


def run_main(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors and --help
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "moons"], "invalid choice: 'moons'"),
        (["--hidden", "4,x"], "whole numbers >= 1"),
        (["--hidden", "4,0"], "whole numbers >= 1"),
        (["--activation", "softmax"], "invalid choice: 'softmax'"),
        (["--learning-rate", "-1"], "-1 must be in (0, 10]"),
        (["--learning-rate", "nan"], "not a finite number"),
        (["--batch-size", "0"], "not a whole number >= 1"),
        (["--epochs", "ten"], "not a whole number >= 1"),
        (["--noise", "60"], "noise scale, 0 to 50"),
        (["--train-ratio", "1"], "between 0 and 1"),
        (["--features", "x1,x3"], "unknown feature 'x3'"),
        (["--features", "x1,x1"], "listed twice"),
        (["--regularization", "l3"], "invalid choice: 'l3'"),
        (["--seed", "-2"], "not a whole number >= 0"),
        (["--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["--dataset", "xor", "--data", "x.csv"], "not allowed with argument"),
        (["--target", "a"], "--target applies to a CSV file"),
        (["--data", "x.csv", "--noise", "5"], "--noise applies to a generated data set"),
        (["--out", "picture.jpg"], "must end with .png, .svg, .pdf"),
        (["--out", "/no/such/folder/p.png"], "does not exist"),
        (["--no-plot", "--out", "p.png"], "contradict"),
        (["--dataset", "plane", "--problem", "classification"], "is a regression data set"),
        (["--reg-rate", "1e300"], "1e300 must be in [0, 10]"),
        (["--learning-rate", "1e9"], "1e9 must be in (0, 10]"),
        (["--samples", str(10**12)], "more than this command generates (at most 1,000,000)"),
    ],
)
def test_cli_usage_errors(argv, message, capsys):
    code, _, err = run_main(["playground", *argv], capsys)
    assert code == 2
    assert message in one_line(err)
    assert err.startswith("fastnn playground: error: ")


def test_cli_bad_files(tmp_path, capsys):
    def fails(text_or_none, *extra) -> str:
        path = tmp_path / "data.csv"
        if text_or_none is not None:
            path.write_text(text_or_none)
        elif path.exists():
            path.unlink()
        code, _, err = run_main(["playground", "--data", str(path), "-q", *extra], capsys)
        assert code == 1
        return one_line(err)

    assert "No such file or directory" in fails(None) and "data.csv" in fails(None)
    assert "line 3, column 1: 'oops' is not a number" in fails("a,b,c\n1,2,0\noops,2,1\n")
    assert "no data (the file is empty)" in fails("")
    assert "every sample has the label 1" in fails("1,2,1\n3,4,1\n5,6,1\n7,8,1\n")
    assert "needs whole-number labels" in fails(
        "1,2,0.5\n3,4,1\n5,6,0\n7,8,1\n", "--problem", "classification"
    )
    assert "needs 2 or more input columns" in fails("1,0\n2,1\n3,0\n4,1\n")
    assert "Playground's features of 2 inputs" in fails(
        "1,2,3,0\n2,3,4,1\n3,4,5,0\n4,5,6,1\n", "--features", "x1,x2"
    )
    assert "no column 'z'" in fails("a,b,c\n1,2,0\n3,4,1\n", "--target", "z")
    assert "line 3, column 3: the label is empty" in fails("a,b,c\n1,2,cat\n3,4,\n")
    assert "every sample has the label cat" in fails("a,b,c\n1,2,cat\n3,4,cat\n")


def test_cli_refuses_what_cannot_fit_and_names_bad_encodings(tmp_path, capsys):
    code, _, err = run_main(["playground", "--hidden", "100000,100000", "--no-plot", "-q"], capsys)
    assert code == 1
    assert "a network of 10,000,600,002 weights" in one_line(err)
    assert "at most 10,000,000" in one_line(err)
    path = tmp_path / "latin1.csv"
    path.write_bytes("x1,x2,y\n1,2,0\n3,4,1\ncaf\xe9,5,0\n".encode("latin-1"))
    code, _, err = run_main(["playground", "--data", str(path), "-q", "--no-plot"], capsys)
    assert code == 1
    assert f"{path}: not UTF-8 text (byte 23 is 0xe9)" in one_line(err)


def test_cli_a_directory_as_data_is_one_line(tmp_path, capsys):
    code, _, err = run_main(["playground", "--data", str(tmp_path), "-q"], capsys)
    assert code == 1
    assert str(tmp_path) in one_line(err)


def test_cli_reports_a_diverging_loss_as_a_warning(capsys, tmp_path):
    code, out, err = run_main(
        ["playground", "--dataset", "plane", "--learning-rate", "10", "--epochs", "3",
         "--seed", "0", "-q", "--no-plot"],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert err.startswith("warning: fit: the loss became NaN or infinite")
    assert "train:" in out


def test_cli_without_a_command_prints_help(capsys):
    code, _, err = run_main([], capsys)
    assert code == 2 and "playground" in err


# ---- the classic experiments -----------------------------------------------------------------


def test_the_experiments_script_draws_four_pictures(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples/playground_experiments.py"), "--out-dir",
         str(tmp_path), "--epochs", "30"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    pictures = sorted(p.name for p in tmp_path.glob("experiment_*.png"))
    assert pictures == [
        "experiment_1_sigmoid_2.png",
        "experiment_2_sigmoid_4_2.png",
        "experiment_3_relu_2.png",
        "experiment_4_relu_3.png",
    ]
    assert run.stdout.count("accuracy") == 4


def test_the_committed_experiment_pictures_are_small():
    pictures = sorted((ROOT / "docs/images").glob("experiment_*.png"))
    assert len(pictures) == 4
    for picture in pictures:
        assert picture.stat().st_size < 200_000, picture.name


def test_cli_plane_and_discretize(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    path = tmp_path / "three.csv"
    rows = "\n".join(f"{a:.3f},{b:.3f},{c:.3f},{int(a * c > 0)}" for a, b, c in X)
    path.write_text("a,b,c,y\n" + rows + "\n")
    out = tmp_path / "p.png"
    code, _, err = run_main(
        ["playground", "--data", str(path), "--plane", "a,3", "--epochs", "2", "-q",
         "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert out.exists() and out.stat().st_size > 1000
    code, _, err = run_main(
        ["playground", "--data", str(path), "--plane", "a,z", "-q", "--no-plot"], capsys
    )
    assert code == 1 and "'z' is not an input; the inputs are a, b, c" in one_line(err)
    code, _, err = run_main(
        ["playground", "--dataset", "plane", "--discretize", "--epochs", "1", "-q"], capsys
    )
    assert code == 1 and "--discretize paints classes" in one_line(err)


def test_cli_many_classes_note_only_for_numbers(tmp_path, capsys):
    # More than 20 whole-number classes may be a quantity: a note says so; words never are.
    path = tmp_path / "many.csv"
    for labels, noted in ((range(25), True), ([f"k{c}" for c in range(25)], False)):
        rows = [f"{i},{i % 7},{label}" for i, label in enumerate(list(labels) * 2)]
        path.write_text("a,b,c\n" + "\n".join(rows) + "\n")
        code, out, err = run_main(
            ["playground", "--data", str(path), "--epochs", "1", "-q", "--no-plot"], capsys
        )
        assert code == 0, err
        assert "25 classes" in out and ("use --problem regression" in out) == noted

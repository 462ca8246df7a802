"""fastnn.datasets: Playground's generators and features, the split and the CSV reader."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fastnn import datasets
from fastnn.datasets import load_csv, make_playground, playground_features, train_test_split

# ---- the generators: shapes, labels, balance -------------------------------------------------


@pytest.mark.parametrize("name", datasets.DATASETS)
@pytest.mark.parametrize("n", [2, 7, 500])
def test_shapes_and_dtypes(name, n):
    X, y = make_playground(name, n_samples=n, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (n,)
    if name in datasets.CLASSIFICATION:
        assert y.dtype == np.int64 and set(np.unique(y)) <= {0, 1}
    else:
        assert y.dtype == np.float64
    assert np.isfinite(X).all() and np.isfinite(y).all()


@pytest.mark.parametrize("name", ["circle", "gauss", "spiral"])
@pytest.mark.parametrize("n", [500, 501])
def test_classes_are_drawn_half_and_half(name, n):
    # Without noise every point keeps the label it was drawn for: ceil(n/2) ones.
    _, y = make_playground(name, n_samples=n, noise=0, seed=1)
    assert y.sum() == n - n // 2


@pytest.mark.parametrize("name", ["xor", "weather"])
def test_uniform_data_sets_are_roughly_balanced(name):
    _, y = make_playground(name, n_samples=4000, seed=2)
    assert 0.4 < y.mean() < 0.6


def test_samples_come_shuffled():
    _, y = make_playground("gauss", n_samples=500, seed=0)
    assert 0.3 < y[:100].mean() < 0.7  # not all ones first, as generated


def test_same_seed_same_data_other_seed_other_data():
    for name in datasets.DATASETS:
        a, b = make_playground(name, seed=5), make_playground(name, seed=5)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert not np.array_equal(a[0], make_playground(name, seed=6)[0])


def test_a_generator_can_be_the_seed():
    X1, _ = make_playground("xor", seed=np.random.default_rng(3))
    X2, _ = make_playground("xor", seed=np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X2)


def test_playground_regression_names_are_aliases():
    np.testing.assert_array_equal(
        make_playground("reg-plane", seed=0)[1], make_playground("plane", seed=0)[1]
    )
    np.testing.assert_array_equal(
        make_playground("reg-gauss", seed=0)[1], make_playground("multi_gauss", seed=0)[1]
    )


# ---- the generators: Playground's formulas without noise -------------------------------------


def test_circle_formula():
    X, y = make_playground("circle", n_samples=1000, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].max() < 2.5  # inside: radius 0 .. 5 * 0.5
    assert r[y == 0].min() >= 3.5 and r[y == 0].max() <= 5  # the ring: 5 * 0.7 .. 5


def test_xor_formula():
    X, y = make_playground("xor", n_samples=1000, seed=0)
    assert (np.abs(X) >= 0.3).all() and (np.abs(X) <= 5.3).all()  # padding 0.3
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))


def test_gauss_formula():
    X, y = make_playground("gauss", n_samples=20000, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.05)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.05)
    np.testing.assert_allclose(X[y == 1].var(axis=0), [0.5, 0.5], rtol=0.05)  # variance 0.5


def test_spiral_formula():
    X, y = make_playground("spiral", n_samples=500, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() < 5
    # Point i of an arm of n: r = 5 i / n, angle t = 1.75 * 2 pi * r / 5 (+ pi for label 0),
    # x = r sin t, y = r cos t.
    for label, delta in ((1, 0.0), (0, math.pi)):
        arm = y == label
        expected = 1.75 * 2 * math.pi * r[arm] / 5 + delta
        t = np.arctan2(X[arm, 0], X[arm, 1])
        difference = np.angle(np.exp(1j * (t - expected)))  # wrapped to (-pi, pi]
        assert np.abs(difference[r[arm] > 1e-9]).max() < 1e-9


def test_plane_formula():
    X, y = make_playground("plane", n_samples=1000, seed=0)
    assert (np.abs(X) <= 6).all()
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10)


def test_multi_gauss_formula():
    X, y = make_playground("multi_gauss", n_samples=1000, seed=0)
    # Playground's loop: each bump gives sign * clamp(1 - distance / 2, 0, 1); keep the first
    # one strictly larger in absolute value.
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    for (x1, x2), label in zip(X, y, strict=True):
        expected = 0.0
        for cx, cy, sign in bumps:
            value = sign * min(max(1 - math.hypot(x1 - cx, x2 - cy) / 2, 0), 1)
            if abs(value) > abs(expected):
                expected = value
        assert label == pytest.approx(expected, abs=1e-12)
    assert np.abs(y).max() <= 1 and (y > 0.5).any() and (y < -0.5).any()


def test_weather_formula():
    X, y = make_playground("weather", n_samples=1000, seed=0)
    temperature, pressure = X[:, 0], X[:, 1]
    assert temperature.min() >= -5 and temperature.max() <= 35
    assert pressure.min() >= 990 and pressure.max() <= 1040
    np.testing.assert_array_equal(y, (temperature + pressure > 1028).astype(int))


# ---- noise: Playground's 0-50 scale ----------------------------------------------------------


def _disagreement(name: str, noise: float) -> float:
    """How many labels differ from the noiseless rule at the points' own positions."""
    X, y = make_playground(name, n_samples=4000, noise=noise, seed=0)
    rule = {
        "circle": np.hypot(X[:, 0], X[:, 1]) < 2.5,
        "xor": X[:, 0] * X[:, 1] >= 0,
        "weather": X[:, 0] + X[:, 1] > 1028,
    }[name]
    return float(np.mean(y != rule))


@pytest.mark.parametrize("name", ["circle", "xor", "weather"])
def test_noise_flips_labels_more_as_it_grows(name):
    flipped = [_disagreement(name, noise) for noise in (0, 10, 30, 50)]
    assert flipped[0] == 0
    assert 0 < flipped[1] < flipped[2] < flipped[3] < 0.5


def test_noise_widens_the_gaussians():
    # Playground: variance 0.5 at noise 0 up to 4 at noise 50, linearly.
    for noise, variance in ((0, 0.5), (25, 2.25), (50, 4.0)):
        X, y = make_playground("gauss", n_samples=20000, noise=noise, seed=0)
        np.testing.assert_allclose(X[y == 1].var(axis=0), [variance] * 2, rtol=0.05)


def test_noise_moves_spiral_points_by_at_most_noise_over_100():
    X0, y0 = make_playground("spiral", n_samples=500, noise=0, seed=0)
    X1, y1 = make_playground("spiral", n_samples=500, noise=40, seed=0)
    # Same seed: the same shuffle, so the same points before the noise moved them.
    shift = np.abs(X1 - X0)
    np.testing.assert_array_equal(y0, y1)
    assert shift.max() <= 0.4 and shift.max() > 0.3


@pytest.mark.parametrize("name", ["plane", "multi_gauss"])
def test_noise_perturbs_regression_labels(name):
    _, y0 = make_playground(name, n_samples=2000, noise=0, seed=0)
    X, y = make_playground(name, n_samples=2000, noise=30, seed=0)
    if name == "plane":
        exact = (X[:, 0] + X[:, 1]) / 10
        difference = np.abs(y - exact)
        assert difference.max() <= 2 * 6 * 0.3 / 10 + 1e-12  # each noise term up to 6 * 0.3
        assert difference.mean() > 0.05
    else:
        assert np.abs(y).max() <= 1 and not np.allclose(y, y0)


# ---- bad arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "moons"}, "unknown data set 'moons'"),
        ({"name": 3}, "name must be a string"),
        ({"name": "xor", "n_samples": 1}, "n_samples must be an int >= 2"),
        ({"name": "xor", "n_samples": True}, "n_samples"),
        ({"name": "xor", "n_samples": 10.0}, "n_samples"),
        ({"name": "xor", "noise": -1}, r"noise must be a number in \[0, 50\]"),
        ({"name": "xor", "noise": 51}, "Playground's scale"),
        ({"name": "xor", "noise": "a"}, "noise"),
        ({"name": "xor", "seed": -1}, "seed must be an int >= 0"),
        ({"name": "xor", "seed": 1.5}, "seed"),
    ],
)
def test_make_playground_rejects(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make_playground(**kwargs)


# ---- features --------------------------------------------------------------------------------


def test_features_are_playgrounds_formulas():
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    F = playground_features(X, list(datasets.FEATURES))
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(F, expected)


def test_features_keep_the_order_given_and_take_a_string():
    X = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(playground_features(X, "x1x2, x1"), [[2.0, 1.0]])
    np.testing.assert_allclose(playground_features(X, ["sin_x2", "x2^2"]), [[math.sin(2), 4]])


def test_features_keep_float32_and_widen_integers():
    assert playground_features(np.ones((3, 2), np.float32), ["x1"]).dtype == np.float32
    assert playground_features(np.ones((3, 2), np.int64), ["x1"]).dtype == np.float64


@pytest.mark.parametrize(
    "X, names, message",
    [
        (np.ones((3, 2)), ["x3"], "unknown feature 'x3'"),
        (np.ones((3, 2)), ["x1", "x1"], "listed twice"),
        (np.ones((3, 2)), [], "names is empty"),
        (np.ones((3, 3)), ["x1"], r"shape \(n, 2\)"),
        (np.ones(3), ["x1"], r"shape \(n, 2\)"),
        (np.array([["a", "b"]]), ["x1"], "must hold numbers"),
    ],
)
def test_features_reject(X, names, message):
    with pytest.raises((ValueError, TypeError), match=message):
        playground_features(X, names)


# ---- train_test_split ------------------------------------------------------------------------


def test_split_sizes_and_pairs():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_ratio=0.3, seed=0)
    assert len(X_train) == 7 and len(X_test) == 3  # floor(10 * 0.7), as Playground
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay with their labels
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    assert sorted([*y_train, *y_test]) == list(range(10))
    again = train_test_split(X, y, test_ratio=0.3, seed=0)
    np.testing.assert_array_equal(again[2], y_train)


def test_split_ratio_one_minus_a_float_rounds_as_meant():
    X, y = np.zeros((10, 2)), np.zeros(10)
    assert len(train_test_split(X, y, test_ratio=1 - 0.7, seed=0)[0]) == 7


@pytest.mark.parametrize(
    "X, y, ratio, message",
    [
        (np.zeros((10, 2)), np.zeros(9), 0.5, "X has 10 samples but y has 9"),
        (np.zeros((10, 2)), np.zeros(10), 0.0, r"test_ratio must be in \(0, 1\)"),
        (np.zeros((10, 2)), np.zeros(10), 1.0, "test_ratio"),
        (np.zeros((10, 2)), np.zeros(10), "half", "test_ratio"),
        (np.zeros((2, 2)), np.zeros(2), 0.9, "leaves no training or no test samples"),
    ],
)
def test_split_rejects(X, y, ratio, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(X, y, test_ratio=ratio)


# ---- load_csv --------------------------------------------------------------------------------


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_header(tmp_path):
    path = write(tmp_path, "temp,pressure,sunny\n20,1015,1\n5.5,1000,0\n")
    X, y, names, target = load_csv(path, return_names=True)
    np.testing.assert_array_equal(X, [[20, 1015], [5.5, 1000]])
    np.testing.assert_array_equal(y, [1, 0])
    assert X.dtype == y.dtype == np.float64
    assert names == ["temp", "pressure"] and target == "sunny"


def test_csv_without_header_comments_blank_lines_and_bom(tmp_path):
    path = write(tmp_path, "\ufeff# days\n1,2,3\n\n4,5,6\n   \n")
    X, y, names, target = load_csv(path, return_names=True)
    np.testing.assert_array_equal(X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(y, [3, 6])
    assert names == ["x1", "x2"] and target == "y"


def test_csv_target_by_index_and_by_name(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n")
    X, y = load_csv(path, target=0)
    np.testing.assert_array_equal(y, [1, 4])
    np.testing.assert_array_equal(X, [[2, 3], [5, 6]])
    X, y = load_csv(path, target="b")
    np.testing.assert_array_equal(y, [2, 5])
    np.testing.assert_array_equal(load_csv(path, target=-2)[1], [2, 5])


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_other_separators(tmp_path, delimiter):
    path = write(tmp_path, f"x{delimiter}y\n1{delimiter}2\n3{delimiter}4\n")
    X, y = load_csv(path)
    np.testing.assert_array_equal(X, [[1], [3]])
    np.testing.assert_array_equal(y, [2, 4])


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b\n1,2\n3\n", r"data.csv, line 3: expected 2 fields, found 1"),
        ("1,2\n3,4,5\n", r"line 2: expected 2 fields, found 3"),
        ("a,b,c\n1,2,0\n3,x,1\n", r"line 3, column 2: 'x' is not a number"),
        ("a,b,c\n1,2,cat\n3,4,\n", r"line 3, column 3: the label is empty"),
        ("a,b,c\n1,2,cat\n3,4,nan\n", r"line 3, column 3: 'nan' is not a finite number"),
        ("1,2\nnan,4\n", r"line 2, column 1: 'nan' is not a finite number"),
        ("inf,2\n1,4\n", r"line 1, column 1: 'inf' is not a finite number"),
        ("", r"no data \(the file is empty\)"),
        ("# only a comment\n", "no data"),
        ("a,b\n", r"no data rows after the header \(line 1\)"),
        ("1\n2\n", "line 1: found 1 column"),
    ],
)
def test_csv_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_csv(write(tmp_path, text))


def test_csv_target_errors(tmp_path):
    with_header = write(tmp_path, "a,b\n1,2\n", "h.csv")
    without = write(tmp_path, "1,2\n", "n.csv")
    with pytest.raises(ValueError, match="no column 'c'; its columns: a, b"):
        load_csv(with_header, target="c")
    with pytest.raises(ValueError, match="has no header row"):
        load_csv(without, target="a")
    with pytest.raises(ValueError, match="target=2 is not a column"):
        load_csv(without, target=2)
    with pytest.raises(TypeError, match="column index or name"):
        load_csv(without, target=1.0)


def test_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "nope.csv")


def test_an_unclosed_quote_does_not_swallow_the_next_lines(tmp_path):
    # Found by tests/test_fuzz.py: the reader once parsed all lines as one CSV stream, so a
    # quote left open joined lines and failed with an error naming neither file nor line.
    path = tmp_path / "quote.csv"
    path.write_text(',"\n0\n')
    with pytest.raises(ValueError, match=r"quote\.csv, line 1: found 1 column|quote\.csv"):
        datasets.load_csv(path)


# ---- word labels, and the one reader the page and the command line share --------------------


def test_csv_word_labels_come_back_as_text(tmp_path):
    path = write(tmp_path, "width,height,kind\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,bird\n")
    X, y, names, target = load_csv(path, return_names=True)
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6], [7, 8]])
    assert y.dtype.kind == "U" and list(y) == ["cat", "dog", "cat", "bird"]
    assert names == ["width", "height"] and target == "kind"
    # Without a header, words in the label column do not make the first row one.
    X, y = load_csv(write(tmp_path, "1,2,cat\n3,4,dog\n", "n.csv"))
    assert X.shape == (2, 2) and list(y) == ["cat", "dog"]


def test_label_classes_have_a_fixed_order():
    indices, names = datasets.label_classes(np.array(["dog", "cat", "emu", "cat"]))
    assert names == ["cat", "dog", "emu"] and indices.tolist() == [1, 0, 2, 0]
    assert indices.dtype == np.int64
    # Numbers in increasing order (not as text: 10 after 9), named as %g.
    indices, names = datasets.label_classes(np.array([10.0, 9.0, -1.0, 2.5, 9.0]))
    assert names == ["-1", "2.5", "9", "10"] and indices.tolist() == [3, 2, 0, 1, 2]
    # The order does not depend on the order the labels come in.
    rng = np.random.default_rng(0)
    words = np.array(["b", "a", "c"] * 5)
    shuffled = rng.permutation(words)
    assert datasets.label_classes(words)[1] == datasets.label_classes(shuffled)[1]
    with pytest.raises(ValueError, match="one label per sample"):
        datasets.label_classes(np.zeros((2, 2)))


def test_guess_problem():
    assert datasets.guess_problem(np.array(["a", "b"])) == "classification"
    assert datasets.guess_problem(np.array([0.0, 1.0, 2.0])) == "classification"
    assert datasets.guess_problem(np.array([0.5, 1.0])) == "regression"
    assert datasets.guess_problem(np.arange(30.0)) == "classification"
    assert datasets.guess_problem(np.arange(30.0), max_classes=12) == "regression"


def test_parse_csv_reads_bytes_and_text_with_limits():
    table = datasets.parse_csv(b"\xef\xbb\xbfa;b;kind\n1;2;x\n3;4;y\n")
    assert table.delimiter == ";" and table.has_header and table.lines == [2, 3]
    assert table.column == 2 and table.target_name == "kind" and list(table.y) == ["x", "y"]
    assert datasets.parse_csv("1,2\n3,4\n").y.tolist() == [2.0, 4.0]
    # A string of digits is an index, unless the header has a column of that name.
    assert datasets.parse_csv("a,b,c\n1,2,3\n", target="0").column == 0
    assert datasets.parse_csv("a,0,c\n1,2,3\n", target="0").column == 1
    with pytest.raises(datasets.CSVTooLarge, match="over 2 rows"):
        datasets.parse_csv("1,2\n3,4\n5,6\n", max_rows=2)
    with pytest.raises(datasets.CSVTooLarge, match="3 input columns besides the label; at most 2"):
        datasets.parse_csv("1,2,3,4\n", max_inputs=2)
    with pytest.raises(ValueError, match=r"upload: not UTF-8 text \(byte 1 is 0xff\)"):
        datasets.parse_csv(b"1\xff,2\n", source="upload")


def test_the_page_and_the_command_line_share_the_reader():
    # One CSV reader (one fact in one place): the server's upload goes through parse_csv.
    import inspect

    from fastnn.playground import cli, server

    assert "datasets.parse_csv(" in inspect.getsource(server.parse_csv)
    assert "import csv" not in inspect.getsource(server) and "csv.reader" not in inspect.getsource(
        cli
    )
    assert "datasets.load_csv(" in inspect.getsource(cli)

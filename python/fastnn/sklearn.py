"""scikit-learn estimators over :class:`fastnn.Sequential` (``pip install "fastnn[sklearn]"``).

:class:`MLPClassifier` and :class:`MLPRegressor` take scikit-learn's MLP parameters, with its
names and defaults, and train a :class:`~fastnn.Sequential` of :class:`~fastnn.Dense` layers
through the fused C++ loop; :class:`Perceptron` is one-vs-rest over :class:`fastnn.Perceptron`.
They are scikit-learn estimators: ``get_params``/``set_params``, ``clone``, ``Pipeline``,
``GridSearchCV``, pickling (through fastnn's own model file, no pickled C++ objects), pandas
input. docs/sklearn.md has the parameter mapping, in particular how ``alpha`` becomes the
layers' L2 regularizer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Self

import io
import numbers
import warnings
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils.class_weight import compute_sample_weight
    from sklearn.utils.multiclass import type_of_target, unique_labels
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d
except ImportError as exc:  # pragma: no cover - the optional extra is missing
    raise ImportError(
        "fastnn.sklearn needs scikit-learn >= 1.3: pip install 'fastnn[sklearn]'"
    ) from exc

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data

    _OLD_TAGS = False
except ImportError:  # pragma: no cover - scikit-learn 1.3 to 1.5
    _OLD_TAGS = True

    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)


import fastnn
from fastnn import activations as _activations
from fastnn import optimizers as _optimizers
from fastnn import regularizers as _regularizers

__all__ = ["MLPClassifier", "MLPRegressor", "Perceptron"]

#: scikit-learn's activation names -> fastnn's; fastnn's own names are accepted as they are.
SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid"}
#: The output activations by fastnn's name -> scikit-learn's ``out_activation_``.
_OUT_ACTIVATION_NAMES = {"linear": "identity", "sigmoid": "logistic", "softmax": "softmax"}
#: solver -> the fastnn optimizer class (by :data:`fastnn.optimizers.OPTIMIZERS`).
SOLVERS = tuple(_optimizers.OPTIMIZERS)

_LEARNING_RATES = ("constant", "invscaling", "adaptive")


# ---- checking parameters ---------------------------------------------------------------------


def _where(estimator) -> str:
    return type(estimator).__name__


def _check_number(estimator, name, low=None, high=None, low_open=False, high_open=False):
    value = getattr(estimator, name)
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    ok = ok and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else f"{'(' if low_open else '['}{low}"
        hi = "" if high is None else f"{high}{')' if high_open else ']'}"
        bounds = f"in {lo}, {hi}" if low is not None and high is not None else f">= {low}"
        if low_open and high is None:
            bounds = f"> {low}"
        raise ValueError(
            f"{_where(estimator)}: {name} must be a finite number {bounds}, got {value!r}"
        )
    return float(value)


def _check_int(estimator, name, low):
    value = getattr(estimator, name)
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Integral)
        or value < low
    ):
        raise ValueError(f"{_where(estimator)}: {name} must be an int >= {low}, got {value!r}")
    return int(value)


def _check_flag(estimator, name):
    value = getattr(estimator, name)
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{_where(estimator)}: {name} must be True or False, got {value!r}")
    return bool(value)


def _random_seed(rng: np.random.RandomState) -> int:
    """A seed for fastnn (weights and batch order) drawn from scikit-learn's random state."""
    return int(rng.randint(0, 2**31 - 1))


def _model_to_bytes(model) -> bytes:
    """The model as fastnn's own file (docs/file_format.md), in memory."""
    buffer = io.BytesIO()
    model.save(buffer)
    return buffer.getvalue()


def _model_from_bytes(data: bytes):
    return fastnn.load_model(io.BytesIO(data))


class _ModelBytes:
    """A pickled fastnn model: the bytes of its ``.fnn`` file, never a C++ object."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __getstate__(self):
        return {"data": self.data}

    def __setstate__(self, state):
        self.data = state["data"]


# ---- the epoch monitor ----------------------------------------------------------------------


class _Monitor(fastnn.callbacks.Callback):
    """scikit-learn's bookkeeping after every epoch of ``Sequential.fit``.

    ``loss_curve_``, ``n_iter_``, ``t_``, the no-improvement count on the training loss or on
    the validation score (``tol``, ``n_iter_no_change``), the best weights for early stopping,
    and SGD's ``invscaling``/``adaptive`` learning rates: ``_fit_stochastic`` and
    ``_update_no_improvement_count`` of ``sklearn/neural_network/_multilayer_perceptron.py``,
    step for step.
    """

    def __init__(self, estimator, n_samples, validation, incremental) -> None:
        super().__init__()
        self.estimator = estimator
        self.n_samples = n_samples
        self.validation = validation  # (X_val, y_val, sample_weight_val) or None
        self.incremental = incremental
        self.stopped = False  # the tol rule stopped training
        self.error = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        try:
            self._epoch_end(logs or {})
        except BaseException as exc:  # raised after fit returns, with its traceback
            self.error = exc
            self.model.stop_training = True

    def _epoch_end(self, logs) -> None:
        est = self.estimator
        est.n_iter_ += 1
        est.loss_ = float(logs["loss"]) / est._report_scale
        est.t_ += self.n_samples
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if self.validation is not None:
            X_val, y_val, sw_val = self.validation
            score = est._validation_score(X_val, y_val, sw_val)
            est.validation_scores_.append(score)
            if est.verbose:
                print(f"Validation score: {score:f}")
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_weights = self.model.get_weights()
        else:
            if est.loss_curve_[-1] > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if est.loss_curve_[-1] < est.best_loss_:
                est.best_loss_ = est.loss_curve_[-1]
        optimizer = self.model.optimizer
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            est._learning_rate = est.learning_rate_init / (est.t_ + 1) ** est.power_t
            optimizer.learning_rate = est._learning_rate / est._loss_scale
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.validation is not None else "Training loss"
            message = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs."
            )
            if est.solver == "sgd" and est.learning_rate == "adaptive":
                if est._learning_rate <= 1e-6:
                    stopping = True
                    message += f" Learning rate too small. Stopping. ({est._learning_rate})"
                else:
                    est._learning_rate /= 5.0
                    optimizer.learning_rate = est._learning_rate / est._loss_scale
                    stopping = False
                    message += f" Setting learning rate to {est._learning_rate:f}"
            else:
                stopping = True
            if est.verbose:
                print(message)
            if stopping:
                self.stopped = True
                if not self.incremental:
                    self.model.stop_training = True
            else:
                est._no_improvement_count = 0


# ---- the MLPs -------------------------------------------------------------------------------


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share: parameters, the network, the training loop."""

    #: scikit-learn's checks that fail by design, with the reason.
    _xfail_checks: ClassVar[dict[str, str]] = {
        "check_sample_weight_equivalence_on_dense_data": (
            "stochastic mini-batch training: weights of 2 are not equivalent to repeating the "
            "sample twice (scikit-learn runs this check on its MLPs with lbfgs, which fastnn lacks)"
        ),
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        dtype="float32",
        solver_params=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.solver_params = solver_params

    # ---- parameters ----------------------------------------------------------------------

    def _check_params(self) -> None:
        where = _where(self)
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, (bool, np.bool_)):
            sizes = [sizes]
        try:
            sizes = list(sizes)
        except TypeError:
            raise ValueError(
                f"{where}: hidden_layer_sizes must be an int or a sequence of ints >= 1, got {self.hidden_layer_sizes!r}"
            ) from None
        for size in sizes:
            if (
                isinstance(size, (bool, np.bool_))
                or not isinstance(size, numbers.Integral)
                or size < 1
            ):
                raise ValueError(
                    f"{where}: hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes!r}"
                )
        self._hidden_sizes = [int(s) for s in sizes]
        name = self.activation
        if not isinstance(name, str):
            raise ValueError(f"{where}: activation must be a string, got {name!r}")
        try:
            self._hidden_activation = _activations.get(SKLEARN_ACTIVATIONS.get(name, name))
        except ValueError:
            known = ", ".join([*SKLEARN_ACTIVATIONS, *_activations.ACTIVATIONS])
            raise ValueError(f"{where}: activation must be one of {known}; got {name!r}") from None
        if self.solver == "lbfgs":
            raise ValueError(
                f"{where}: solver='lbfgs' is not available in fastnn (it trains with stochastic "
                f"solvers only); use one of {', '.join(SOLVERS)}"
            )
        if self.solver not in SOLVERS:
            raise ValueError(
                f"{where}: solver must be one of {', '.join(SOLVERS)}; got {self.solver!r}"
            )
        _check_number(self, "alpha", 0.0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _check_int(self, "batch_size", 1)
        if self.learning_rate not in _LEARNING_RATES:
            raise ValueError(
                f"{where}: learning_rate must be one of {', '.join(_LEARNING_RATES)}; got {self.learning_rate!r}"
            )
        _check_number(self, "learning_rate_init", 0.0, low_open=True)
        _check_number(self, "power_t", 0.0)
        _check_int(self, "max_iter", 1)
        _check_flag(self, "shuffle")
        _check_number(self, "tol", 0.0)
        _check_flag(self, "warm_start")
        _check_number(self, "momentum", 0.0, 1.0)
        _check_flag(self, "nesterovs_momentum")
        _check_flag(self, "early_stopping")
        _check_number(self, "validation_fraction", 0.0, 1.0, low_open=True, high_open=True)
        _check_number(self, "beta_1", 0.0, 1.0, high_open=True)
        _check_number(self, "beta_2", 0.0, 1.0, high_open=True)
        _check_number(self, "epsilon", 0.0, low_open=True)
        _check_int(self, "n_iter_no_change", 1)
        try:
            self._dtype = np.dtype(self.dtype)
        except TypeError:
            self._dtype = None
        if self._dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"{where}: dtype must be 'float32' or 'float64', got {self.dtype!r}")
        if self.solver_params is not None and not isinstance(self.solver_params, dict):
            raise ValueError(
                f"{where}: solver_params must be a dict of the fastnn optimizer's hyper-parameters or None, got {self.solver_params!r}"
            )

    def _optimizer(self):
        """The fastnn optimizer for ``solver``, with scikit-learn's hyper-parameters."""
        extra = dict(self.solver_params or {})
        lr = self._learning_rate / self._loss_scale if self.solver == "sgd" else self._learning_rate
        if self.solver == "sgd":
            args = {
                "momentum": float(self.momentum),
                "nesterov": bool(self.nesterovs_momentum) and self.momentum > 0,
            }
        elif self.solver in ("adam", "adamw"):
            args = {"beta_1": self.beta_1, "beta_2": self.beta_2, "eps": self.epsilon}
        else:
            args = {}
        args.update(extra)
        try:
            return _optimizers.OPTIMIZERS[self.solver](learning_rate=lr, **args)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{_where(self)}: solver={self.solver!r}: {exc}") from None

    # ---- data ----------------------------------------------------------------------------

    def _validate_fit_data(self, X, y, reset):
        X, y = _validate_data(
            self,
            X,
            y,
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=not isinstance(self, ClassifierMixin),
            reset=reset,
        )
        return X, y

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        return _validate_data(self, X, dtype=(np.float64, np.float32), reset=False)

    def _sample_weight(self, sample_weight, X, y_labels):
        """Per-sample weights from sample_weight and class_weight, checked; None if uniform."""
        if sample_weight is not None:
            try:
                sample_weight = _check_sample_weight(
                    sample_weight, X, dtype=np.float64, ensure_non_negative=True
                )
            except TypeError:  # pragma: no cover - scikit-learn < 1.6
                sample_weight = _check_sample_weight(
                    sample_weight, X, dtype=np.float64, only_non_negative=True
                )
        class_weight = getattr(self, "class_weight", None)
        if class_weight is not None:
            if isinstance(class_weight, dict):
                unknown = [c for c in class_weight if c not in set(self.classes_.tolist())]
                if unknown:
                    raise ValueError(
                        f"{_where(self)}: class_weight names classes that are not in y's classes "
                        f"{self.classes_.tolist()}: {unknown}"
                    )
            elif class_weight != "balanced":
                raise ValueError(
                    f"{_where(self)}: class_weight must be a dict, 'balanced' or None, got {class_weight!r}"
                )
            per_class = compute_sample_weight(class_weight, y_labels)
            sample_weight = per_class if sample_weight is None else sample_weight * per_class
        if sample_weight is None:
            return None
        if isinstance(self, ClassifierMixin) and not self._multilabel:
            weighted = np.unique(y_labels[sample_weight > 0])
            if weighted.shape[0] < 2:
                raise ValueError(
                    f"{_where(self)} needs samples of at least 2 classes with a sample_weight > 0; "
                    f"got {weighted.shape[0]} class: {weighted.tolist()}"
                )
        total = float(sample_weight.sum())
        if total <= 0:
            raise ValueError(f"{_where(self)}: sample_weight sums to zero: there is nothing to fit")
        # scikit-learn's MLP divides each batch's loss by its sum of weights; Keras' fit by the
        # batch's rows: scaled to a mean of 1, the two agree on average over the batches.
        sample_weight = sample_weight * (sample_weight.shape[0] / total)
        if np.all(sample_weight == 1.0):
            return None
        return sample_weight

    # ---- the network ---------------------------------------------------------------------

    def _build_model(self, n_features, n_outputs, out_activation, loss, seed):
        layers = [
            fastnn.Dense(units, self._hidden_activation, input_dim=n_features if i == 0 else None)
            for i, units in enumerate(self._hidden_sizes)
        ]
        if not layers:
            layers.append(fastnn.Dense(n_outputs, out_activation, input_dim=n_features))
        else:
            layers.append(fastnn.Dense(n_outputs, out_activation))
        model = fastnn.Sequential(layers, dtype=self._dtype.name, seed=seed)
        model.compile(optimizer=self._optimizer(), loss=loss)
        return model

    def _set_regularization(self, batch_size) -> None:
        # scikit-learn's batch objective is loss_s + alpha / (2 B) * sum(W**2); fastnn's is
        # loss_f + l2 * sum(W**2) with loss_f = scale * loss_s: l2 = scale * alpha / (2 B).
        l2 = self._loss_scale * float(self.alpha) / (2.0 * batch_size)
        regularizer = _regularizers.l2(l2) if l2 > 0 else None
        for layer in self.model_.layers:
            layer.kernel_regularizer = regularizer

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        if first_pass and hasattr(self, "model_"):
            del self.model_  # a new fit that fails leaves no model of the last one's classes
        X, y = self._validate_fit_data(X, y, reset=first_pass)
        targets, y_labels, n_outputs = self._encode_targets(y, first_pass, incremental, classes)
        sample_weight = self._sample_weight(sample_weight, X, y_labels)
        n_features = X.shape[1]
        rng = check_random_state(self.random_state)
        # Everything that can refuse the data runs before the model exists.
        seed = _random_seed(rng)
        if self.early_stopping:
            # scikit-learn stratifies classification, except multi-label
            classifier = isinstance(self, ClassifierMixin)
            stratify = y_labels if classifier and not self._multilabel else None
            arrays = [X, targets, y_labels] + ([sample_weight] if sample_weight is not None else [])
            parts = train_test_split(
                *arrays, random_state=rng, test_size=self.validation_fraction, stratify=stratify
            )
            X, X_val, targets, _, _, y_val = parts[:6]
            sample_weight, sw_val = (
                (parts[6], parts[7]) if sample_weight is not None else (None, None)
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the size "
                    "of your dataset."
                )
            validation = (X_val, y_val, sw_val)
        else:
            validation = None
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                    "clipped",
                    stacklevel=3,
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        if first_pass:
            out_activation, loss, self._loss_scale, self._report_scale = self._output(n_outputs)
            self._learning_rate = float(self.learning_rate_init)
            model = self._build_model(n_features, n_outputs, out_activation, loss, seed)
            self.model_ = model  # fitted from here on (__sklearn_is_fitted__)
            self.n_outputs_ = n_outputs
            self.n_layers_ = len(self._hidden_sizes) + 2
            self.out_activation_ = _OUT_ACTIVATION_NAMES[out_activation]
            self._epochs = 0
            self.n_iter_ = 0
            self.t_ = 0
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None
        elif not incremental:
            # scikit-learn starts a new solver (its moments, its learning rate) on every fit,
            # warm_start keeping only the weights.
            self._learning_rate = float(self.learning_rate_init)
            self.model_.compile(optimizer=self._optimizer(), loss=self.model_.loss)
            if self.early_stopping and self.validation_scores_ is None:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
        self._set_regularization(batch_size)
        monitor = _Monitor(self, n_samples, validation, incremental)
        epochs = 1 if incremental else int(self.max_iter)
        self.n_iter_ = 0
        fit_args = {"sample_weight": sample_weight} if sample_weight is not None else {}
        history = self.model_.fit(
            X,
            targets,
            epochs=self._epochs + epochs,
            initial_epoch=self._epochs,
            batch_size=batch_size,
            shuffle=bool(self.shuffle),
            callbacks=[monitor],
            verbose=0,
            **fit_args,
        )
        self._epochs += len(history.epoch)
        if monitor.error is not None:
            raise monitor.error
        if not incremental and not monitor.stopped and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        if validation is not None and getattr(self, "_best_weights", None) is not None:
            self.model_.set_weights(self._best_weights)
            self._best_weights = None
        return self

    def _forward(self, X):
        # In X's dtype (float32 or float64), as scikit-learn's MLP answers; computed in dtype.
        X = self._validate_predict_data(X)
        out = self.model_.predict(np.ascontiguousarray(X, dtype=self.model_.dtype))
        return out.astype(X.dtype, copy=False)

    # ---- fitted attributes over the model ----------------------------------------------------

    def __sklearn_is_fitted__(self) -> bool:
        # classes_ and friends are set before a fit can still fail; the model is set last.
        return hasattr(self, "model_")

    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices, (n_in, n_out) each: copies of the model's kernels."""
        check_is_fitted(self)
        weights = self.model_.get_weights()
        return weights[0::2]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors, (n_out,) each: copies of the model's biases."""
        check_is_fitted(self)
        weights = self.model_.get_weights()
        return weights[1::2]

    # ---- pickling through fastnn's model file ---------------------------------------------

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else dict(self.__dict__)
        state = dict(state)
        if "model_" in state:
            state["model_"] = _ModelBytes(_model_to_bytes(state["model_"]))
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("model_"), _ModelBytes):
            state["model_"] = _model_from_bytes(state["model_"].data)
        if hasattr(super(), "__setstate__"):
            super().__setstate__(state)
        else:  # pragma: no cover
            self.__dict__.update(state)

    # ---- tags ------------------------------------------------------------------------------

    @classmethod
    def _expected_failed_checks(cls) -> dict[str, str]:
        """The estimator checks expected to fail, each with the reason (see the tests)."""
        return dict(cls._xfail_checks)

    if _OLD_TAGS:  # pragma: no cover - scikit-learn < 1.6 reads these instead of the tags

        def _more_tags(self):
            return {"_xfail_checks": self._expected_failed_checks(), "multioutput": True}


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """scikit-learn's ``MLPClassifier`` on fastnn: the same parameters and fitted attributes.

    Binary problems train one sigmoid output with binary cross-entropy, multi-class ones a
    softmax output with cross-entropy, multi-label ones (``y`` a 2-D 0/1 indicator) a sigmoid
    per label with binary cross-entropy, as scikit-learn does. ``classes_`` can be any labels
    (strings, non-contiguous integers). fastnn's additions: ``solver`` also ``'rmsprop'``,
    ``'adagrad'``, ``'adadelta'``, ``'adamw'``; ``activation`` any fastnn activation;
    ``dtype`` ``'float32'`` (default) or ``'float64'``; ``solver_params`` (a dict of the fastnn
    optimizer's other hyper-parameters); ``class_weight`` (a dict label -> weight, or
    ``'balanced'``). docs/sklearn.md has the mapping of every parameter.
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        dtype="float32",
        solver_params=None,
        class_weight=None,
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            dtype=dtype,
            solver_params=solver_params,
        )
        self.class_weight = class_weight

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Train on (X, y) for up to ``max_iter`` epochs; returns self.

        ``sample_weight`` (n_samples,), non-negative, scaled to mean 1 (see docs/sklearn.md).
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> Self:
        """One epoch over (X, y); ``classes`` (every label there will be) on the first call."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True, classes=classes)

    def _encode_targets(self, y, first_pass, incremental, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target_type = type_of_target(y)
        multilabel = target_type == "multilabel-indicator"
        if not multilabel and target_type not in ("binary", "multiclass"):
            raise ValueError(f"Unknown label type: {target_type!r} ({_where(self)} needs classes)")
        if multilabel:
            labels = np.arange(y.shape[1])
        elif incremental and classes is not None:
            labels = unique_labels(classes)
        else:
            labels = unique_labels(y)
        if first_pass:
            if incremental and classes is None and not multilabel:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            if not multilabel and labels.shape[0] < 2:
                raise ValueError(
                    f"{_where(self)} needs samples of at least 2 classes in y; got one class: "
                    f"{labels.tolist()}"
                )
            if not multilabel and len(np.setdiff1d(unique_labels(y), labels)):
                raise ValueError(
                    f"`y` has classes not in `classes`: {labels.tolist()}; 'y' has "
                    f"{unique_labels(y).tolist()}."
                )
            self.classes_ = labels
            self._multilabel = multilabel
        else:
            if multilabel != self._multilabel or (
                multilabel and y.shape[1] != self.classes_.shape[0]
            ):
                raise ValueError(
                    f"{_where(self)}: y has another kind of target than the fitted model "
                    f"({target_type!r})"
                )
            if (
                incremental
                and classes is not None
                and not np.array_equal(unique_labels(classes), self.classes_)
            ):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                    f"was: {self.classes_!r}"
                )
            if not multilabel:
                present = unique_labels(y)
                if self.warm_start and not incremental:
                    if set(present.tolist()) != set(self.classes_.tolist()):
                        raise ValueError(
                            "warm_start can only be used where `y` has the same classes as in "
                            f"the previous call to fit. Previously got {self.classes_}, `y` "
                            f"has {present}"
                        )
                elif len(np.setdiff1d(present, self.classes_)):
                    raise ValueError(
                        f"`y` has classes not in `self.classes_`. `self.classes_` has "
                        f"{self.classes_}. 'y' has {present}."
                    )
        if self._multilabel:
            return y.astype(np.float64), y, y.shape[1]
        index = np.searchsorted(self.classes_, y)
        n_classes = self.classes_.shape[0]
        if n_classes == 2:
            return index.astype(np.float64).reshape(-1, 1), y, 1
        return index.astype(np.int64), y, n_classes

    def _output(self, n_outputs):
        """(output activation, fastnn loss, scale, report scale).

        fastnn's loss is ``scale`` times the one scikit-learn's gradient descends; its
        ``loss_curve_`` is fastnn's divided by ``report scale`` (here the same).
        """
        if self._multilabel or n_outputs == 1:
            # fastnn averages binary cross-entropy over the outputs, scikit-learn sums them.
            return "sigmoid", "binary_crossentropy", 1.0 / n_outputs, 1.0 / n_outputs
        return "softmax", "sparse_categorical_crossentropy", 1.0, 1.0

    def _validation_score(self, X, y, sample_weight):
        return float(
            accuracy_score(y, self._labels(self.model_.predict(X)), sample_weight=sample_weight)
        )

    def _labels(self, proba):
        if self._multilabel:
            return (proba > 0.5).astype(np.int64)
        if proba.shape[1] == 1:
            return self.classes_[(proba[:, 0] > 0.5).astype(np.int64)]
        return self.classes_[np.argmax(proba, axis=1)]

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of each sample (for multi-label: a 0/1 row per sample)."""
        return self._labels(self._forward(X))

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, (n_samples, n_classes) in the order of ``classes_``."""
        proba = self._forward(X)
        if not self._multilabel and proba.shape[1] == 1:
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """The log of :meth:`predict_proba`."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    if _OLD_TAGS:  # pragma: no cover

        def _more_tags(self):
            return {**super()._more_tags(), "multilabel": True}


class MLPRegressor(RegressorMixin, _BaseMLP):
    """scikit-learn's ``MLPRegressor`` on fastnn: the same parameters and fitted attributes.

    The output is linear (``out_activation_ == 'identity'``) with squared error, one unit per
    target column (multi-output regression with a 2-D ``y``). fastnn's additions as in
    :class:`MLPClassifier` (but no ``class_weight``). ``loss`` is scikit-learn's parameter;
    fastnn has ``'squared_error'`` only (no ``'poisson'``).
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="squared_error",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        dtype="float32",
        solver_params=None,
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            dtype=dtype,
            solver_params=solver_params,
        )
        self.loss = loss

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Train on (X, y) for up to ``max_iter`` epochs; returns self."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """One epoch over (X, y)."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _encode_targets(self, y, first_pass, incremental, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        targets = y.reshape(-1, 1) if y.ndim == 1 else y
        if first_pass:
            self._y_ndim = y.ndim
        elif targets.shape[1] != self.n_outputs_:
            raise ValueError(
                f"{_where(self)}: y has {targets.shape[1]} columns but the model was fitted "
                f"with {self.n_outputs_}"
            )
        return targets, y, targets.shape[1]

    def _check_params(self) -> None:
        super()._check_params()
        if self.loss != "squared_error":
            raise ValueError(
                f"{_where(self)}: loss must be 'squared_error' (fastnn has no poisson loss), "
                f"got {self.loss!r}"
            )

    def _output(self, n_outputs):
        # fastnn's mse is the mean of squares over the outputs; scikit-learn's gradient is
        # that of half their sum, so fastnn's loss = 2 / n_outputs * the one it descends. Its
        # loss_curve_ reports half their mean, fastnn's mse / 2 (the penalty aside).
        return "linear", "mse", 2.0 / n_outputs, 2.0

    def _validation_score(self, X, y, sample_weight):
        return float(r2_score(y, self._shape(self.model_.predict(X)), sample_weight=sample_weight))

    def _shape(self, out):
        return out[:, 0] if self._y_ndim == 1 else out

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The predicted targets, (n_samples,) or (n_samples, n_outputs) as y was."""
        return self._shape(self._forward(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ---- the perceptron -------------------------------------------------------------------------


class Perceptron(ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron (:class:`fastnn.Perceptron`) as a scikit-learn classifier.

    Any two labels, or more classes one-vs-rest (one :class:`fastnn.Perceptron` per class,
    the class of the largest ``decision_function`` wins), as scikit-learn's ``Perceptron``.
    Parameters by scikit-learn's names: ``eta0`` the learning rate, ``max_iter`` the most
    epochs, ``shuffle``, ``random_state``. Each binary problem stops after its first epoch
    without a mistake (the perceptron rule; scikit-learn's stops by ``tol`` instead).
    """

    def __init__(self, *, eta0=1.0, max_iter=1000, shuffle=True, random_state=None):
        self.eta0 = eta0
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Train one perceptron (two classes) or one per class; returns self."""
        _check_number(self, "eta0", 0.0, low_open=True)
        _check_int(self, "max_iter", 1)
        _check_flag(self, "shuffle")
        X, y = _validate_data(self, X, y, dtype=(np.float64, np.float32), reset=True)
        target_type = type_of_target(y)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(f"Unknown label type: {target_type!r} (Perceptron needs classes)")
        self.classes_ = unique_labels(y)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"Perceptron needs samples of at least 2 classes in y; got one class: "
                f"{self.classes_.tolist()}"
            )
        rng = check_random_state(self.random_state)
        problems = [self.classes_[1]] if self.classes_.shape[0] == 2 else list(self.classes_)
        coefs, intercepts, epochs, converged = [], [], [], []
        for positive in problems:
            neuron = fastnn.Perceptron(
                learning_rate=self.eta0,
                max_epochs=self.max_iter,
                shuffle=self.shuffle,
                seed=_random_seed(rng),
            )
            neuron.fit(X, (y == positive).astype(np.int64))
            coefs.append(neuron.coef_)
            intercepts.append(neuron.intercept_)
            epochs.append(neuron.n_epochs_)
            converged.append(neuron.converged_)
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts, dtype=self.coef_.dtype)
        self.n_iter_ = max(epochs)
        self.converged_ = all(converged)
        if not self.converged_:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider increasing "
                "max_iter to improve the fit.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """``w.x + b`` per sample (n_samples,), or per class (n_samples, n_classes)."""
        check_is_fitted(self)
        X = _validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        scores = X @ self.coef_.T.astype(X.dtype) + self.intercept_.astype(X.dtype)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of each sample."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.int64)]
        return self.classes_[np.argmax(scores, axis=1)]

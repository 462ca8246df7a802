"""The twin of ``cpp/fastnn/network.hpp``: the fused training loop, in plain NumPy."""

from __future__ import annotations

import numpy as np

from fastnn import tables
from fastnn.reference import activations as _activations
from fastnn.reference import losses as _losses
from fastnn.reference.batch_norm import (
    batch_norm_backward,
    batch_norm_forward,
    batch_norm_inference,
)
from fastnn.reference.dense import dense_backward, dense_forward
from fastnn.reference.dropout import dropout_backward, dropout_forward
from fastnn.reference.optimizers import clip_gradients, optimizer_update
from fastnn.reference.random import dropout_key, permutation

#: AUC's thresholds (Keras' default): i / 199 for i in 0..199, as the core's Sums.
AUC_THRESHOLDS = 200


def _empty_sums(auc: bool = False) -> dict:
    sums = {
        "loss": 0.0,
        "regularization": 0.0,
        "samples": 0.0,
        "correct": 0.0,
        "judged": 0.0,
        "true_positives": 0.0,
        "false_positives": 0.0,
        "false_negatives": 0.0,
        "abs_error": 0.0,
        "squared_error": 0.0,
        "elements": 0.0,
        "argmax_correct": 0.0,
        "threshold_correct": 0.0,
        "top_k_correct": 0.0,
        "finite": True,
        "batches": 0,
    }
    if auc:
        sums["auc_positives"] = np.zeros(AUC_THRESHOLDS)
        sums["auc_negatives"] = np.zeros(AUC_THRESHOLDS)
    return sums


def auc_buckets(p: np.ndarray) -> np.ndarray:
    """The AUC histogram's bucket of each output p: max(ceil(p * 199) - 1, 0), so that the
    outputs above threshold i / 199 are those of buckets i and up (NaN: bucket 0)."""
    at = np.ceil(np.asarray(p, dtype=np.float64) * (AUC_THRESHOLDS - 1)) - 1
    at = np.where(at > 0, np.minimum(at, AUC_THRESHOLDS - 1), 0)
    return at.astype(np.int64)


class Network:
    """The NumPy twin of ``fastnn._core.Network``: the same layers, the same batch order, the
    same update rules, step for step, for testing the fused C++ loop against.

    It trains the given arrays in place: ``weights[l]`` (in, out), ``biases[l]`` (out,) or
    None, and the optimizer states (``slots`` arrays of the parameter's size each).
    """

    def __init__(
        self,
        layers: list[dict],
        loss: str,
        optimizer: dict,
        weights: list[np.ndarray],
        biases: list[np.ndarray | None],
        weight_states: list[np.ndarray],
        bias_states: list[np.ndarray | None],
        max_batch: int,
        *,
        trainable: bool = True,
        batch_norm: list[dict | None] | None = None,
        top_k: int = 0,
        auc: bool = False,
    ) -> None:
        self.layers = [self._layer(dict(layer), l) for l, layer in enumerate(layers)]
        last = len(self.layers) - 1
        if self.layers[last]["batch_norm"] is not None or self.layers[last]["dropout"] > 0:
            raise ValueError(
                f"Network(): the output layer ({last}) cannot have batch normalization or "
                "dropout: the loss reads its activations"
            )
        #: per layer None or its arrays: gamma, beta (None without scale, center), their
        #: states (gamma_state, beta_state), moving_mean, moving_variance; trained in place
        self.batch_norm = [
            (batch_norm[l] if batch_norm is not None else None)
            if spec["batch_norm"] is not None
            else None
            for l, spec in enumerate(self.layers)
        ]
        for l, spec in enumerate(self.layers):
            if spec["batch_norm"] is not None and self.batch_norm[l] is None:
                raise ValueError(
                    f"Network(): layer {l} normalizes its batches: batch_norm must be a list "
                    "with an entry per layer"
                )
        self.loss = loss
        self.optimizer = dict(optimizer)
        self.weights, self.biases = list(weights), list(biases)
        self.weight_states, self.bias_states = list(weight_states), list(bias_states)
        self.max_batch = max_batch
        self.trainable = trainable
        if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 0:
            raise ValueError(f"Network(): top_k must be an int in [0, 2**62], got {top_k!r}")
        self.top_k, self.auc = int(top_k), bool(auc)
        if trainable:  # the same refusal as the core's, before anything is written
            named = zip(
                ("weights", "biases", "weight_states", "bias_states"),
                (self.weights, self.biases, self.weight_states, self.bias_states),
                strict=True,
            )
            for name, arrays in named:
                for l, a in enumerate(arrays):
                    if a is not None and not (a.flags.c_contiguous and a.flags.writeable):
                        raise ValueError(
                            f"Network(): {name}[{l}] must be C-contiguous and writable: the "
                            "network updates it in place"
                        )
        self.step = 0
        # The loss's row says which kernel runs: the fused one on the logits when the output
        # activation is the one it fuses with, else the plain one on the output's values.
        self.loss_row = tables.LOSSES[loss]
        last = self.layers[-1]["activation"]
        self.fused = self.loss_row.fuses(last)
        if self.loss_row.kernel is None and not self.fused:
            raise ValueError(
                f"Network(): the loss '{loss}' needs a {self.loss_row.fused_with} output layer, "
                f"got '{last}'"
            )
        row = tables.OPTIMIZERS[self.optimizer["kind"]]
        hyper = {k: v for k, v in self.optimizer.items() if k != "kind"}
        clipping = {k: hyper.pop(k) for k in tables.CLIPPING if k in hyper}
        self.clipping = tables.check_clipping(clipping, "Network()")
        self.optimizer = {"kind": row.name, **row.check(hyper, "Network()")}

    @staticmethod
    def _layer(spec: dict, l: int) -> dict:
        """The layer dict with its batch normalization (None or every parameter, checked by
        its row) and dropout rate and stream filled in, as the core reads them."""
        bn = spec.get("batch_norm")
        if bn is not None:
            unknown = set(bn) - set(tables.BATCH_NORM)
            if unknown:
                raise ValueError(
                    f"Network(): layer {l}: batch_norm has no parameter {sorted(unknown)[0]!r}"
                )
            spec["batch_norm"] = {
                name: row.check(bn[name], "Network()") if name in bn else row.default
                for name, row in tables.BATCH_NORM.items()
            }
        else:
            spec["batch_norm"] = None
        after = spec.get("norm_activation")
        if after is not None and spec["batch_norm"] is None:
            raise ValueError(
                f"Network(): layer {l}: norm_activation applies after a batch normalization"
            )
        if after is not None and after not in tables.ACTIVATIONS:
            raise ValueError(
                f"Network(): unknown activation '{after}'; expected one of "
                + ", ".join(tables.ACTIVATIONS)
            )
        spec["norm_activation"] = None if after in (None, "linear") else after
        rate = spec.get("dropout")
        spec["dropout"] = 0.0 if rate is None else tables.DROPOUT["rate"].check(rate, "Network()")
        stream = spec.get("dropout_stream")
        spec["dropout_stream"] = (
            0 if stream is None else tables.DROPOUT["seed"].check(stream, "Network()")
        )
        rate = spec.get("input_dropout")
        if rate is not None and l > 0:
            raise ValueError(
                f"Network(): layer {l}: input_dropout applies to the network's inputs (layer 0)"
            )
        spec["input_dropout"] = (
            0.0 if rate is None else tables.DROPOUT["rate"].check(rate, "Network()")
        )
        stream = spec.get("input_dropout_stream")
        spec["input_dropout_stream"] = (
            0 if stream is None else tables.DROPOUT["seed"].check(stream, "Network()")
        )
        return spec

    def _activation(self, spec: dict, suffix: str, *arrays):
        row = tables.ACTIVATIONS[spec["activation"]]
        kwargs = {}
        if row.alpha is not None:
            alpha = spec.get("alpha")
            kwargs["alpha"] = row.alpha.default if alpha is None else alpha
        return getattr(_activations, f"{row.name}_{suffix}")(*arrays, **kwargs)

    @staticmethod
    def _after_norm(spec: dict) -> dict:
        """The activation after a layer's normalization, as a layer dict _activation reads."""
        return {"activation": spec["norm_activation"], "alpha": spec.get("norm_alpha")}

    def _forward(self, Xb, training: bool = False, seed: int = 0, step: int = 0):
        """Every layer's Z and A, and in training what the backward needs: each layer's
        output (after normalization, its activation and dropout), H and inv_std of its
        normalization, its dropout mask, and the activation's input and output. The masks are
        those of update `step` (1-based) of `seed`."""
        Zs, As, outs, cache, inputs = [], [], [], [], Xb
        first = self.layers[0]
        if training and first["input_dropout"] > 0:
            key = dropout_key(seed, step, first["input_dropout_stream"])
            inputs, _ = dropout_forward(Xb, rate=first["input_dropout"], key=key)
        self._dropped_inputs = inputs
        for l, (W, b, spec) in enumerate(zip(self.weights, self.biases, self.layers, strict=True)):
            Z = dense_forward(inputs, W, b if spec.get("use_bias", True) else None)
            A = self._activation(spec, "forward", Z)
            out, H, inv_std, mask, normalized, activated = A, None, None, None, None, None
            bn, arrays = spec["batch_norm"], self.batch_norm[l]
            if bn is not None:
                gamma, beta = arrays.get("gamma"), arrays.get("beta")
                mean, var = arrays["moving_mean"], arrays["moving_variance"]
                if training:
                    out, H, inv_std = batch_norm_forward(
                        A, gamma, beta, mean, var, momentum=bn["momentum"], epsilon=bn["epsilon"]
                    )
                else:
                    out = batch_norm_inference(A, gamma, beta, mean, var, epsilon=bn["epsilon"])
            if spec["norm_activation"] is not None:
                normalized = out
                out = activated = self._activation(self._after_norm(spec), "forward", normalized)
            if training and spec["dropout"] > 0:
                key = dropout_key(seed, step, spec["dropout_stream"])
                out, mask = dropout_forward(out, rate=spec["dropout"], key=key)
            Zs.append(Z)
            As.append(A)
            cache.append((H, inv_std, mask, normalized, activated))
            outs.append(out)
            inputs = out
        if training:
            return Zs, As, outs, cache
        return Zs, As

    def _output_loss(self, Z, A, T, sums, weights=None):
        """The batch's data loss and dZ of the last layer; adds the metrics to `sums`."""
        if self.fused:
            kernel, Y = self.loss_row.fused_kernel, Z
        else:
            kernel, Y = self.loss_row.kernel, A
        forward = getattr(_losses, f"{kernel}_forward")
        gradient = getattr(_losses, f"{kernel}_backward")(Y, T)
        if weights is None or len(Y) == 0:
            loss = forward(Y, T)
        else:
            # Keras' weighted mean: sum of weight * the sample's own loss, over the rows.
            rows = [
                float(w) * forward(Y[r : r + 1], T[r : r + 1])
                for r, w in enumerate(weights)
                if w != 0
            ]
            loss = sum(rows) / len(Y)
            gradient = gradient * weights[:, None]
        dZ, dA = (gradient, None) if self.fused else (None, gradient)
        if not self.fused:
            dZ = self._activation(self.layers[-1], "backward", Z, A, dA)
        rows, cols = A.shape
        predicted, truth = A > 0.5, T > 0.5
        sums["true_positives"] += float(np.sum(predicted & truth))
        sums["false_positives"] += float(np.sum(predicted & ~truth))
        sums["false_negatives"] += float(np.sum(~predicted & truth))
        threshold_correct = float(np.sum(predicted == truth))
        target = T.argmax(axis=1)
        argmax_correct = float(np.sum(A.argmax(axis=1) == target))
        sums["threshold_correct"] += threshold_correct
        sums["argmax_correct"] += argmax_correct
        if self.top_k > 0:  # the target's class has fewer than k outputs above its own
            above = (A > A[np.arange(rows), target][:, None]).sum(axis=1)
            sums["top_k_correct"] += float(np.sum(above < self.top_k))
        if cols == 1 and "auc_positives" in sums:
            buckets = auc_buckets(A[:, 0])
            positive = T[:, 0] > 0.5
            sums["auc_positives"] += np.bincount(buckets[positive], minlength=AUC_THRESHOLDS)
            sums["auc_negatives"] += np.bincount(buckets[~positive], minlength=AUC_THRESHOLDS)
        if cols == 1 or self.loss == "binary_crossentropy":
            sums["correct"] += threshold_correct
            sums["judged"] += rows * cols
        else:
            sums["correct"] += argmax_correct
            sums["judged"] += rows
        D = A.astype(np.float64) - T
        sums["abs_error"] += float(np.abs(D).sum())
        sums["squared_error"] += float((D * D).sum())
        sums["elements"] += rows * cols
        return loss, dZ

    def _regularization(self, grads=None) -> float:
        penalty = 0.0
        for l, (W, spec) in enumerate(zip(self.weights, self.layers, strict=True)):
            l1, l2 = spec.get("l1", 0.0), spec.get("l2", 0.0)
            if l1 == 0 and l2 == 0:
                continue
            W64 = W.astype(np.float64)
            penalty += l1 * np.abs(W64).sum() + l2 * (W64 * W64).sum()
            if grads is not None:
                grads[l] += W.dtype.type(l1) * np.sign(W) + W.dtype.type(2 * l2) * W
        return float(penalty)

    def _targets(self, Y, rows):
        if self.loss_row.labels:
            width = self.layers[-1]["out"]
            return np.eye(width, dtype=self.weights[0].dtype)[Y[rows]]
        return Y[rows]

    def train_epoch(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        batch_size: int,
        shuffle: bool,
        seed: int,
        epoch: int,
        learning_rate: float,
        first_batch: int = 0,
        last_batch: int = -1,
        metrics: bool = True,
        sample_weight: np.ndarray | None = None,
    ) -> dict:
        """Train batches [first_batch, last_batch) of one epoch; the sums of loss and metrics
        (with ``metrics=False`` the accuracy and error sums stay 0)."""
        if not self.trainable:
            raise ValueError(
                "Network.train_epoch(): this network was made for inference (trainable=False)"
            )
        n = X.shape[0]
        num_batches = -(-n // batch_size)
        last_batch = num_batches if last_batch < 0 else min(last_batch, num_batches)
        order = permutation(n, seed, epoch) if shuffle else np.arange(n)
        config = dict(self.optimizer, learning_rate=learning_rate)
        sums = _empty_sums(self.auc)
        for b in range(first_batch, last_batch):
            rows = order[b * batch_size : min((b + 1) * batch_size, n)]
            Xb, Tb = X[rows], self._targets(Y, rows)
            wb = None if sample_weight is None else sample_weight[rows]
            Zs, As, outs, cache = self._forward(Xb, True, seed, self.step + 1)
            loss, dZ = self._output_loss(
                Zs[-1], As[-1], Tb, sums if metrics else _empty_sums(self.auc), wb
            )
            L = len(self.layers)
            dWs, dbs, dgammas, dbetas = [None] * L, [None] * L, [None] * L, [None] * L
            for l in range(L - 1, -1, -1):  # the chain rule, last layer first
                inputs = self._dropped_inputs if l == 0 else outs[l - 1]
                dX, dWs[l], dbs[l] = dense_backward(inputs, self.weights[l], dZ)
                if l > 0:  # back through the layer below's dropout, normalization, activation
                    k, below = l - 1, self.layers[l - 1]
                    H, inv_std, mask, normalized, activated = cache[k]
                    if below["dropout"] > 0:
                        dX = dropout_backward(dX, mask, rate=below["dropout"])
                    if below["norm_activation"] is not None:
                        post = self._after_norm(below)
                        dX = self._activation(post, "backward", normalized, activated, dX)
                    if below["batch_norm"] is not None:
                        dX, dgammas[k], dbetas[k] = batch_norm_backward(
                            dX, H, inv_std, self.batch_norm[k].get("gamma")
                        )
                    dZ = self._activation(below, "backward", Zs[k], As[k], dX)
            penalty = self._regularization(dWs)
            if not np.isfinite(loss + penalty):
                sums["finite"] = False
                return sums
            sums["loss"] += loss * len(rows)
            sums["regularization"] += penalty * len(rows)
            sums["samples"] += len(rows)
            sums["batches"] += 1
            # (parameter, gradient, state) of every trained array, in the core's order
            updates = []
            for l, spec in enumerate(self.layers):
                updates.append((self.weights[l], dWs[l], self.weight_states[l]))
                if spec.get("use_bias", True):
                    updates.append((self.biases[l], dbs[l], self.bias_states[l]))
                arrays = self.batch_norm[l]
                if arrays is not None and spec["batch_norm"]["scale"]:
                    updates.append((arrays["gamma"], dgammas[l], arrays["gamma_state"]))
                if arrays is not None and spec["batch_norm"]["center"]:
                    updates.append((arrays["beta"], dbetas[l], arrays["beta_state"]))
            clip_gradients([g for _, g, _ in updates], **self.clipping)
            self.step += 1
            for param, grad, state in updates:
                optimizer_update(config, param, grad, state, self.step)
        return sums

    def evaluate(
        self, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> dict:
        """Loss (with the regularization penalty) and metric sums over X, no update."""
        sums = _empty_sums(self.auc)
        n = X.shape[0]
        if n == 0:
            return sums
        Zs, As = self._forward(X)
        loss, _ = self._output_loss(
            Zs[-1], As[-1], self._targets(Y, np.arange(n)), sums, sample_weight
        )
        sums["loss"] = loss * n
        sums["regularization"] = self._regularization() * n
        sums["samples"] = n
        sums["batches"] = -(-n // self.max_batch)
        sums["finite"] = bool(np.isfinite(sums["loss"] + sums["regularization"]))
        return sums

    def _trained(self) -> list[np.ndarray]:
        """Every array training changes, in the core's order."""
        out = []
        for l, spec in enumerate(self.layers):
            out += [self.weights[l], self.weight_states[l]]
            if spec.get("use_bias", True):
                out += [self.biases[l], self.bias_states[l]]
            arrays = self.batch_norm[l]
            if arrays is not None:
                names = ("gamma", "gamma_state", "beta", "beta_state")
                out += [arrays[k] for k in names if arrays.get(k) is not None]
                out += [arrays["moving_mean"], arrays["moving_variance"]]
        return out

    def checkpoint(self) -> bool:
        """If every trained value is finite, keep a copy of them all and return True; else
        keep nothing and return False."""
        if not self.trainable:
            raise ValueError(
                "Network.checkpoint(): this network was made for inference (trainable=False)"
            )
        arrays = self._trained()
        if not all(np.isfinite(a).all() for a in arrays):
            return False
        self._saved = [a.copy() for a in arrays]
        return True

    def restore_checkpoint(self) -> None:
        """Copy the last checkpoint's values back (nothing before the first)."""
        if not self.trainable:
            raise ValueError(
                "Network.restore_checkpoint(): this network was made for inference "
                "(trainable=False)"
            )
        for target, saved in zip(self._trained(), getattr(self, "_saved", []), strict=False):
            target[...] = saved

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's output for X."""
        return self._forward(X)[1][-1]

"""What `compile()` makes of `loss`, `loss_weights`, `metrics` and `weighted_metrics`.

Both containers are built on the first batch, when the structure and shapes of
`y_true` and `y_pred` are known (as Keras does): one loss per output (a single
loss applies to every output), per-output loss trackers when there are several,
and "accuracy" resolved to the binary, categorical or sparse variant.
"""

from ember.backend import tree


def _flat_targets(y, output_names, what):
    """Flattens `y` in the order of the model's outputs (dicts matched by name)."""
    if isinstance(y, dict):
        missing = [name for name in output_names if name not in y]
        if missing or len(y) != len(output_names):
            raise ValueError(
                f"The {what} dict has keys {sorted(y)}, but the model's outputs are "
                f"named {output_names}. Use exactly the output names as keys."
            )
        return [y[name] for name in output_names]
    return tree.flatten(y)


def _per_output(spec, output_names, what):
    """A list with one entry per output from a single value, a list or a dict."""
    if isinstance(spec, dict):
        unknown = [key for key in spec if key not in output_names]
        if unknown:
            raise ValueError(
                f"`{what}` has keys {unknown} that are not model outputs. The model's "
                f"outputs are named {output_names}."
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and len(output_names) > 1:
        if len(spec) != len(output_names):
            raise ValueError(
                f"`{what}` has {len(spec)} entries but the model has "
                f"{len(output_names)} outputs ({output_names}): give one per output, "
                "or a dict keyed by output name."
            )
        return list(spec)
    return [spec] * len(output_names)


class CompileLoss:
    """The total loss: the weighted sum of each output's loss."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._loss = loss
        self._loss_weights = loss_weights
        self._output_names = output_names
        self.built = False
        self.trackers = []

    def build(self, y_true, y_pred):
        from ember import metrics

        flat_pred = tree.flatten(y_pred)
        names = self._output_names or [f"output_{i}" for i in range(len(flat_pred))]
        if len(names) != len(flat_pred):
            names = [f"output_{i}" for i in range(len(flat_pred))]
        self._output_names = names
        self._losses = [
            _make_loss(spec, yt, yp)
            for spec, yt, yp in zip(
                _per_output(self._loss, names, "loss"),
                _flat_targets(y_true, names, "targets"),
                flat_pred,
            )
        ]
        weights = self._loss_weights
        self._weights = (
            [1.0] * len(names)
            if weights is None
            else [
                1.0 if w is None else float(w)
                for w in _per_output(weights, names, "loss_weights")
            ]
        )
        if len([fn for fn in self._losses if fn is not None]) > 1:
            self.trackers = [
                metrics.Mean(name=f"{name}_loss") if fn is not None else None
                for name, fn in zip(names, self._losses)
            ]
        else:
            self.trackers = [None] * len(names)
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        flat_pred = tree.flatten(y_pred)
        flat_true = _flat_targets(y_true, self._output_names, "targets")
        if len(flat_true) != len(flat_pred):
            raise ValueError(
                f"The model has {len(flat_pred)} output(s) but {len(flat_true)} "
                "target(s) were given. Pass one target per output."
            )
        if isinstance(sample_weight, (list, tuple, dict)):
            flat_weights = _flat_targets(
                sample_weight, self._output_names, "sample_weight"
            )
        else:
            flat_weights = [sample_weight] * len(flat_pred)
        total = None
        for fn, weight, tracker, yt, yp, sw in zip(
            self._losses,
            self._weights,
            self.trackers,
            flat_true,
            flat_pred,
            flat_weights,
        ):
            if fn is None:
                continue
            value = fn(yt, yp, sample_weight=sw)
            if tracker is not None:
                tracker.update_state(value, sample_weight=yp.shape[0])
            value = value * weight if weight != 1.0 else value
            total = value if total is None else total + value
        return total


class CompileMetrics:
    """The compiled metrics of every output; `result()` is one flat dict."""

    name = "compile_metrics"

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        self._metrics_spec = metrics
        self._weighted_spec = weighted_metrics
        self._output_names = output_names
        self.built = False
        self._flat = []

    def build(self, y_true, y_pred, loss=None):
        flat_pred = tree.flatten(y_pred)
        names = self._output_names
        if not names or len(names) != len(flat_pred):
            names = [f"output_{i}" for i in range(len(flat_pred))]
        self._output_names = names
        flat_true = _flat_targets(y_true, names, "targets")
        prefix = len(names) > 1
        self._per_output = []
        for index, name in enumerate(names):
            plain = self._specs(self._metrics_spec, names, index, "metrics")
            weighted = self._specs(
                self._weighted_spec, names, index, "weighted_metrics"
            )
            built = []
            for specs, is_weighted in ((plain, False), (weighted, True)):
                for spec in specs:
                    metric = _make_metric(spec, flat_true[index], flat_pred[index])
                    if prefix:
                        metric.name = f"{name}_{metric.name}"
                    if (
                        is_weighted
                        and not prefix
                        and any(m.name == metric.name for m, _ in built)
                    ):
                        metric.name = f"weighted_{metric.name}"
                    built.append((metric, is_weighted))
            self._per_output.append(built)
        self._flat = [m for group in self._per_output for m, _ in group]
        self.built = True

    @staticmethod
    def _specs(spec, names, index, what):
        if spec is None:
            return []
        if isinstance(spec, dict):
            value = spec.get(names[index])
        elif (
            isinstance(spec, (list, tuple))
            and len(names) > 1
            and any(isinstance(s, (list, tuple)) or s is None for s in spec)
        ):
            if len(spec) != len(names):
                raise ValueError(
                    f"`{what}` has {len(spec)} entries but the model has "
                    f"{len(names)} outputs ({names})."
                )
            value = spec[index]
        else:
            value = spec
        if value is None:
            return []
        return list(value) if isinstance(value, (list, tuple)) else [value]

    @property
    def metrics(self):
        return list(self._flat)

    @property
    def variables(self):
        return [v for m in self._flat for v in getattr(m, "variables", [])]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        flat_pred = tree.flatten(y_pred)
        flat_true = _flat_targets(y_true, self._output_names, "targets")
        if isinstance(sample_weight, (list, tuple, dict)):
            weights = _flat_targets(sample_weight, self._output_names, "sample_weight")
        else:
            weights = [sample_weight] * len(flat_pred)
        for group, yt, yp, sw in zip(self._per_output, flat_true, flat_pred, weights):
            for metric, is_weighted in group:
                metric.update_state(yt, yp, sample_weight=sw if is_weighted else None)

    def result(self) -> dict:
        return merged_results(self._flat)

    def reset_state(self):
        for metric in self._flat:
            metric.reset_state()


def merged_results(metrics) -> dict:
    """One flat dict of the metrics' results (dict results are merged in)."""
    results = {}
    for metric in metrics:
        value = metric.result()
        if isinstance(value, dict):
            results.update(value)
        else:
            results[metric.name] = value
    return results


def _make_loss(spec, y_true, y_pred):
    """A `Loss` object for `spec`; functions are wrapped, and "crossentropy"
    picks the binary, categorical or sparse variant from the shapes, as Keras does."""
    from ember import losses

    if spec is None:
        return None
    if isinstance(spec, str) and spec.lower() in ("crossentropy", "ce"):
        from ember.metrics import binary_or_sparse_categorical

        binary, sparse = binary_or_sparse_categorical(y_true.shape, y_pred.shape)
        spec = (
            "binary_crossentropy"
            if binary
            else "sparse_categorical_crossentropy"
            if sparse
            else "categorical_crossentropy"
        )
    loss = losses.get(spec)
    if not isinstance(loss, losses.Loss):
        name = spec if isinstance(spec, str) else getattr(loss, "__name__", "loss")
        loss = losses.LossFunctionWrapper(loss, name=name)
    return loss


def _make_metric(spec, y_true, y_pred):
    from ember import metrics

    if isinstance(spec, str) and spec.lower() in ("accuracy", "acc"):
        return metrics.resolve_accuracy(spec, y_true.shape, y_pred.shape)
    metric = metrics.get(spec)
    if not isinstance(metric, metrics.Metric):
        metric = metrics.MeanMetricWrapper(
            metric, name=getattr(metric, "__name__", None)
        )
    if isinstance(spec, str):
        metric.name = spec
    return metric

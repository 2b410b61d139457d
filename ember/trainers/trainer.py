"""`Trainer`: Keras's `compile` / `fit` / `evaluate` / `predict`, in plain PyTorch.

A training step is the one Keras 3 writes for its torch backend: forward with
`training=True`, `compute_loss`, `zero_grad`, `backward`, `optimizer.apply`,
`compute_metrics`. Loss and metric state stay on the device; logs hold tensors,
and callbacks turn them into numbers only when they need them.
"""

import warnings

import numpy as np
import torch

from ember.backend import tree
from ember.trainers.compile_utils import CompileLoss, CompileMetrics, merged_results
from ember.trainers.data.data_adapter_utils import (
    train_validation_split,
    unpack_x_y_sample_weight,
)
from ember.trainers.data.data_adapters import get_data_adapter
from ember.trainers.distributed import current_run


class Trainer:
    """The training API of `ember.Model` (a mixin; `Model` inherits it)."""

    def _init_trainer(self):
        self.__dict__.update(
            compiled=False,
            optimizer=None,
            loss=None,
            _compile_loss=None,
            _compile_metrics=None,
            _loss_tracker=None,
            _train_fn=None,
            _jit_compile=False,
            steps_per_execution=1,
            stop_training=False,
            history=None,
            _run_eagerly=False,
        )

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configures the model for training.

        Args:
            optimizer: Optimizer name or instance. Defaults to `"rmsprop"`.
            loss: Loss name, function or `Loss`; a list or dict for several
                outputs. Defaults to `None`.
            loss_weights: Scalar weight per output's loss (list or dict).
            metrics: Metrics to evaluate (names, functions or `Metric`s; a
                list, or per output a list of lists or a dict).
            weighted_metrics: Metrics that use `sample_weight`/`class_weight`.
            run_eagerly: Run the step without `torch.compile`. Defaults to `False`.
            steps_per_execution: Batches per call of the batch-level callbacks.
                Defaults to `1`.
            jit_compile: `True` wraps the step in `torch.compile` (if that
                fails, ember warns once and runs eagerly); `"auto"` and `False`
                run eagerly. Defaults to `"auto"`.
            auto_scale_loss: Under the `"mixed_float16"` policy, wrap the
                optimizer in a `LossScaleOptimizer` (dynamic loss scaling).
                Defaults to `True`.
        """
        from ember import metrics as metrics_module
        from ember import optimizers

        self.optimizer = optimizers.get(optimizer)
        if (
            auto_scale_loss
            and self.dtype_policy.name == "mixed_float16"
            and self.optimizer is not None
            and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)
        ):
            self.optimizer = optimizers.LossScaleOptimizer(
                self.optimizer, name="loss_scale_optimizer"
            )
        self.loss = loss
        output_names = self._output_names_for_compile()
        self._compile_loss = (
            CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        )
        self._compile_metrics = (
            CompileMetrics(metrics, weighted_metrics, output_names)
            if metrics is not None or weighted_metrics is not None
            else None
        )
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._run_eagerly = bool(run_eagerly)
        self._jit_compile = jit_compile is True and not run_eagerly
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(
                "Invalid value for argument `steps_per_execution` of `compile`: "
                f"expected a positive integer. Received: {steps_per_execution!r}."
            )
        self.steps_per_execution = steps_per_execution
        self._train_fn = None
        self.compiled = True

    def _output_names_for_compile(self):
        outputs = getattr(self, "_outputs_struct", None)
        if isinstance(outputs, dict):
            return list(outputs)
        flat = tree.flatten(outputs) if outputs is not None else []
        names = []
        for x in flat:
            history = getattr(x, "_keras_history", None)
            names.append(history[0].name if history else getattr(x, "name", None))
        return names if names and all(names) else None

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before calling `{method}()`, e.g. "
                "`model.compile(optimizer='adam', loss='mse')`."
            )

    # ---------------------------------------------------------------- metrics
    @property
    def metrics(self) -> list:
        """The loss tracker, the compiled metrics, then metrics of sublayers."""
        result = []
        if self.compiled:
            result.append(self._loss_tracker)
            if self._compile_loss is not None:
                result.extend(t for t in self._compile_loss.trackers if t is not None)
            if self._compile_metrics is not None:
                result.append(self._compile_metrics)
        return result

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self) -> dict:
        """The current value of every metric, as a flat dict of device tensors."""
        return merged_results(self.metrics)

    # ------------------------------------------------------------------ steps
    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """The total loss: compiled losses plus the losses added by layers."""
        total = None
        if self._compile_loss is not None and y is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self.losses
        if extra:
            extra_sum = torch.stack([torch.as_tensor(v).sum() for v in extra]).sum()
            total = extra_sum if total is None else total + extra_sum
        if total is None:
            if self._compile_loss is None:
                raise ValueError(
                    "No loss to compute: pass `loss=` to `compile()`, or add losses "
                    "in the model's layers with `add_loss()`."
                )
            raise ValueError(
                "The model was compiled with a loss but no targets `y` were given. "
                "Pass `y` (or yield `(x, y)` batches)."
            )
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Updates the compiled metrics; returns every metric's current value."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """One step of training, as Keras 3 writes it for the torch backend."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        self.zero_grad()
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        if self.optimizer is not None:
            loss = self.optimizer.scale_loss(loss)
        trainable = self.trainable_weights
        if trainable:
            loss.backward()
            gradients = [v.grad for v in trainable]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One step of evaluation."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
        )
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """One step of inference."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _step_function(self, kind):
        step = {"train": self.train_step, "test": self.test_step}[kind]
        if kind != "train" or not self._jit_compile:
            return step
        if self._train_fn is None:
            compiled = torch.compile(step)

            def run(data):
                try:
                    return compiled(data)
                except Exception as error:  # noqa: BLE001 - any compiler failure
                    warnings.warn(
                        f"`jit_compile=True`: torch.compile failed ({type(error).__name__}:"
                        f" {error}). Running the training step eagerly instead.",
                        stacklevel=2,
                    )
                    self._train_fn = step
                    return step(data)

            self._train_fn = run
        return self._train_fn

    # -------------------------------------------------------------------- fit
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Trains the model for `epochs` epochs; returns a `History`.

        Under `torchrun` (several processes) this runs data-parallel
        (`DistributedDataParallel`): `batch_size` is the global batch (it must
        divide by the number of processes, each takes its share; a
        DataLoader's `batch_size` likewise), while a `PyDataset`'s items are
        dealt out whole, one per process and step. Shuffles are drawn by rank
        0; the data is padded by repeats so every process runs the same steps.
        Metrics and `History` are global, only rank 0 prints and `CSVLogger`
        writes, and a stop asked for mid-epoch takes effect at the epoch's end.
        """
        from ember.callbacks import CallbackList

        self._assert_compiled("fit")
        run = current_run()
        if validation_split and validation_data is None:
            if not isinstance(x, (np.ndarray, torch.Tensor, list, dict, tuple)):
                raise ValueError(
                    "`validation_split` is only supported for in-memory arrays; for "
                    f"{type(x).__name__} inputs pass `validation_data` instead."
                )
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split
            )
        adapter, device, verbose = self._data_setup(
            run,
            True,
            verbose,
            x,
            y,
            sample_weight,
            batch_size,
            steps_per_epoch,
            shuffle,
            class_weight,
        )
        callbacks = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            verbose=1 if verbose == "auto" else verbose,
            epochs=epochs,
            steps=adapter.num_batches,
            model=self,
        )
        self.stop_training = False
        step_fn = self._step_function("train")
        if run is not None:
            step_fn = run.wrap_train_step(self, step_fn)
        try:
            return self._fit_epochs(
                run,
                adapter,
                device,
                callbacks,
                step_fn,
                epochs,
                initial_epoch,
                validation_data,
                validation_freq,
                validation_steps,
                validation_batch_size or batch_size,
            )
        finally:
            if run is not None:
                run.detach()

    def _fit_epochs(
        self,
        run,
        adapter,
        device,
        callbacks,
        step_fn,
        epochs,
        initial_epoch,
        validation_data,
        validation_freq,
        validation_steps,
        validation_batch_size,
    ):
        if validation_data is not None:
            val_x, val_y, val_sample_weight = unpack_x_y_sample_weight(validation_data)
        training_logs = {}
        callbacks.on_train_begin()
        # A `BackupAndRestore` that found a backup hands over where to go on.
        resume = self.__dict__.pop("_resume", None)
        if resume is not None:
            initial_epoch = resume.epoch
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            self._set_torch_mode(True)
            logs = {}
            batches, first_step = adapter, 0
            if resume is not None:
                first_step, batches = resume.enter_epoch(self, adapter)
                resume = None
            for step, batch in enumerate(batches, first_step):
                self._batch_hook(callbacks.on_train_batch_begin, step, None, True)
                logs = step_fn(_to_device(batch, device))
                self._batch_hook(callbacks.on_train_batch_end, step, logs, False)
                # Under several processes every one must run the same steps:
                # a stop asked for mid-epoch takes effect at the epoch's end.
                if self.stop_training and run is None:
                    break
            adapter.on_epoch_end()
            self._set_torch_mode(False)
            if getattr(adapter, "exhausted", False) and not logs:
                warnings.warn(
                    "Your input ran out of data; interrupting training. Make sure "
                    "your dataset or generator can generate at least "
                    "`steps_per_epoch * epochs` batches.",
                    stacklevel=3,
                )
                break
            if run is not None:
                run.reduce_metrics(self.metrics)
                self.stop_training = run.any(self.stop_training)
            epoch_logs = dict(self.get_metrics_result())
            if validation_data is not None and _should_validate(epoch, validation_freq):
                val_logs = self.evaluate(
                    val_x,
                    val_y,
                    sample_weight=val_sample_weight,
                    batch_size=validation_batch_size,
                    steps=validation_steps,
                    callbacks=callbacks,
                    return_dict=True,
                    verbose=0,
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        if self.optimizer is not None and epochs > 0:
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def _build_compiled(self, get_batch):
        """Builds the compiled losses and metrics as the first training step
        would, from the batch `get_batch()` gives (called only if needed),
        without training: a resumed `fit` restores their state before its
        first step."""
        pending = [
            c
            for c in (self._compile_loss, self._compile_metrics)
            if c is not None and not c.built
        ]
        if not pending:
            return
        device = next((w.device for w in self.weights), torch.device("cpu"))
        x, y, _ = unpack_x_y_sample_weight(_to_device(get_batch(), device))
        if y is None:
            return
        # Inference mode for plain torch modules too (no BatchNorm statistics
        # move), then back to the phase the caller was in.
        phases = [(module, module.training) for module in self.modules()]
        self._set_torch_mode(False)
        try:
            with torch.no_grad():
                y_pred = self(x, training=False)
        finally:
            for module, training in phases:
                module.training = training
        for container in pending:
            container.build(y, y_pred)

    def _batch_hook(self, hook, step, logs, begin):
        every = self.steps_per_execution
        if (
            every == 1
            or (begin and step % every == 0)
            or (not begin and (step + 1) % every == 0)
        ):
            hook(step, logs) if logs is not None else hook(step)

    # --------------------------------------------------------------- evaluate
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """Returns the loss and metric values on the given data."""
        self._assert_compiled("evaluate")
        if kwargs:
            raise TypeError(
                f"Invalid keyword arguments for `evaluate`: {sorted(kwargs)}."
            )
        run, adapter, device, callbacks = self._inference_setup(
            x, y, sample_weight, batch_size, steps, callbacks, verbose
        )
        self.reset_metrics()
        callbacks.on_test_begin()
        logs = {}
        with torch.no_grad():
            for step, batch in enumerate(adapter):
                callbacks.on_test_batch_begin(step)
                logs = self.test_step(_to_device(batch, device))
                callbacks.on_test_batch_end(step, logs)
        if run is not None:
            run.reduce_metrics(self.metrics)
        logs = dict(self.get_metrics_result())
        callbacks.on_test_end(logs)
        return self._format_logs(logs, return_dict)

    # ---------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Returns the model's outputs on `x` as numpy arrays (batched).

        Under several processes each one predicts its share and every process
        returns the full result, in the order of `x`.
        """
        run, adapter, device, callbacks = self._inference_setup(
            x, None, None, batch_size, steps, callbacks, verbose
        )
        callbacks.on_predict_begin()
        outputs = []
        with torch.no_grad():
            for step, batch in enumerate(adapter):
                callbacks.on_predict_batch_begin(step)
                batch_outputs = self.predict_step(_to_device(batch, device))
                outputs.append(
                    tree.map_structure(
                        lambda t: t.detach().cpu().numpy(), batch_outputs
                    )
                )
                callbacks.on_predict_batch_end(step, {"outputs": batch_outputs})
        callbacks.on_predict_end()
        if run is not None and run.auto_shard:
            return run.gather_predictions(outputs)
        if not outputs:
            raise ValueError("`predict` received no data: the input is empty.")
        return tree.map_structure(lambda *parts: np.concatenate(parts), *outputs)

    # --------------------------------------------------------------- on_batch
    def train_on_batch(
        self, x, y=None, sample_weight=None, class_weight=None, return_dict=False
    ):
        """Runs one training step on one batch; returns the metrics.

        Under several processes (`torchrun`) each process passes its own part
        of the global batch: the gradients are averaged across processes and
        the returned metrics are global.
        """
        self._assert_compiled("train_on_batch")
        run = current_run()
        adapter = get_data_adapter(
            x, y, sample_weight, _batch_size(x) or None, None, False, class_weight
        )
        batch = next(iter(adapter))
        step = self._step_function("train")
        if run is not None:
            step = run.wrap_train_step(self, step)
        self._set_torch_mode(True)
        try:
            logs = step(_to_device(batch, self._training_device(run)))
        finally:
            self._set_torch_mode(False)
            if run is not None:
                run.detach()
        return self._on_batch_logs(run, logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluates one batch; returns the metrics (global under several
        processes, each passing its own part of the batch)."""
        self._assert_compiled("test_on_batch")
        run = current_run()
        adapter = get_data_adapter(x, y, sample_weight, _batch_size(x) or None)
        batch = next(iter(adapter))
        with torch.no_grad():
            logs = self.test_step(_to_device(batch, self._training_device(run)))
        return self._on_batch_logs(run, logs, return_dict)

    def predict_on_batch(self, x):
        """Returns the model's outputs on one batch, as numpy arrays. Under
        several processes, each passing its own part of the batch, every
        process gets the outputs of the whole batch, parts in rank order."""
        run = current_run()
        adapter = get_data_adapter(x, None, None, _batch_size(x) or None)
        batch = next(iter(adapter))
        with torch.no_grad():
            outputs = self.predict_step(_to_device(batch, self._training_device(run)))
        outputs = tree.map_structure(lambda t: t.detach().cpu().numpy(), outputs)
        return outputs if run is None else run.gather_predictions([outputs])

    def _on_batch_logs(self, run, logs, return_dict):
        if run is not None:
            # The metrics over all processes' parts; each process's own
            # running state is kept, so later calls add to it as in one process.
            with run.global_metrics(self.metrics):
                logs = dict(self.get_metrics_result())
        return self._format_logs(logs, return_dict)

    def _inference_setup(
        self, x, y, sample_weight, batch_size, steps, callbacks, verbose
    ):
        """What `evaluate` and `predict` start from: the distributed run (or
        `None`), the data adapter (this process's share, in order), the device
        and the callbacks (with a progress bar on rank 0 only)."""
        run = current_run()
        adapter, device, verbose = self._data_setup(
            run, False, verbose, x, y, sample_weight, batch_size, steps
        )
        callbacks = self._inference_callbacks(callbacks, verbose, adapter.num_batches)
        return run, adapter, device, callbacks

    def _data_setup(self, run, training, verbose, *adapter_arguments):
        """The data adapter (this process's share under torchrun), the device
        the model runs on, and the verbosity (silent but on rank 0)."""
        shard = run.shard(training=training) if run else None
        adapter = get_data_adapter(*adapter_arguments, shard=shard)
        if run is not None and run.rank != 0:
            verbose = 0
        return adapter, self._training_device(run), verbose

    def _inference_callbacks(self, callbacks, verbose, steps):
        """The CallbackList of `evaluate`/`predict` (fit passes its own along)."""
        from ember.callbacks import CallbackList

        if isinstance(callbacks, CallbackList):
            return callbacks
        return CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            verbose=1 if verbose == "auto" else verbose,
            epochs=1,
            steps=steps,
            model=self,
        )

    def _format_logs(self, logs, return_dict):
        numbers = {k: _to_number(v) for k, v in logs.items()}
        if return_dict:
            return numbers
        values = list(numbers.values())
        return values[0] if len(values) == 1 else values

    # ----------------------------------------------------------------- device
    def _training_device(self, run=None):
        """CUDA when available, else the CPU (under several processes, this
        process's device); moves the model there once."""
        if run is not None:
            device = run.device
        elif torch.cuda.is_available():
            device = torch.device("cuda", torch.cuda.current_device())
        else:
            device = torch.device("cpu")
        for weight in self.weights:
            if weight.device != device:
                if run is not None:
                    run.check_model_device(weight.device)
                self.to(device)
            break
        return device

    def _set_torch_mode(self, training):
        # Plain torch modules inside (e.g. torch.nn.Dropout) follow fit's phase;
        # ember layers take the explicit `training` argument instead.
        for module in self.modules():
            module.training = training


def _batch_size(x):
    for value in tree.flatten(x):
        if hasattr(value, "shape") and len(value.shape):
            return int(value.shape[0])
    return None


def _to_device(batch, device):
    if device.type == "cpu":
        return batch
    return tree.map_structure(
        lambda t: t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t,
        batch,
    )


def _to_number(value):
    if isinstance(value, torch.Tensor):
        return value.item() if value.ndim == 0 else value.detach().cpu().numpy()
    return value


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq

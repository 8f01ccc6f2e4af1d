"""``chainrule train``: train a network, check the notes' formulas on it, write the outputs.

The loop is ``nn.train``'s; the progress bar and the files are ``nn.app.trainjob``'s.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from nn import train as training
from nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.app import options, trainjob
from nn.app.base import PROG, CommandError, Formatter
from nn.losses import LOSSES

NAME = "train"
HELP = "train a network (by default note 000's, on the built-in digits)"
DESCRIPTION = (
    "Train an MLP by mini-batch SGD and report its test accuracy. The default is the "
    "network of note 000 (eq. 15-18): 64 inputs, 16 sigmoid hidden neurons, 10 sigmoid "
    "outputs, squared error (N000.19), on the 1,797 built-in handwritten digits split "
    "80/20, stratified by class, from --seed. Checks the notes' hand formulas against "
    "the engine on the trained network, then writes loss.svg, network.svg and "
    "model.json to --out."
)
FORMATTER = Formatter


#: (setting, how its text is read, help) for each numeric setting of nn.train.SETTINGS.
_SETTING_OPTIONS: tuple[tuple[str, type[int] | type[float], str], ...] = (
    ("epochs", int, "passes over the data"),
    ("lr", float, "the learning rate α"),
    ("batch_size", int, "examples per SGD step"),
    ("test_fraction", float, "share held out for test"),
    (
        "samples",
        int,
        f"examples to use, 4 to {training.MAX_SAMPLES:,}: moons generates this many "
        "(default 200), digits takes a stratified subset (default all 1,797)",
    ),
    ("noise", float, "moons: Gaussian noise σ"),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``chainrule train``; the defaults are ``nn.train.TrainConfig``'s."""
    d = training.TrainConfig()
    p.add_argument("--dataset", choices=training.DATASETS, default=d.dataset, help="the data")
    p.add_argument(
        "--hidden",
        type=options.layer_sizes,
        default=",".join(map(str, d.hidden)),  # argparse passes a string default through type
        metavar="N[,N...]",
        help="hidden layer sizes, e.g. 16 or 16,8",
    )
    p.add_argument(
        "--activation", choices=ACTIVATIONS, default=d.activation, help="σ of the hidden layers"
    )
    p.add_argument(
        "--output-activation",
        choices=OUTPUT_ACTIVATIONS,
        default=None,
        help="σ of the output layer (default: softmax for cross_entropy, sigmoid for "
        "binary_cross_entropy, otherwise --activation)",
    )
    p.add_argument("--loss", choices=list(LOSSES), default=d.loss, help="the cost of one example")
    # The run's numeric settings: one row each, held to nn.train.SETTINGS by options.setting.
    for name, convert, help_text in _SETTING_OPTIONS:
        default = None if name == "samples" else getattr(d, name)  # samples: the dataset's own
        p.add_argument(
            f"--{name.replace('_', '-')}",
            type=options.setting(name, convert),
            default=default,
            help=help_text,
        )
    p.add_argument(
        "--seed",
        type=options.whole_number,
        default=d.seed,
        help="seeds the split, weights and order",
    )
    p.add_argument(
        "--compile",
        action="store_true",
        help="train through a compiled step (autograd.compile): the same numbers, faster",
    )
    p.add_argument("--out", type=Path, default=Path("out"), help="directory for the outputs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _require(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise CommandError(
            f"this command needs the {module} package: pip install 'chainrule[{extra}]'"
        )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def run(args: argparse.Namespace) -> int:
    """Train, evaluate, check the notes' formulas, write the outputs."""
    config = training.TrainConfig(
        dataset=args.dataset,
        hidden=tuple(args.hidden),
        activation=args.activation,
        output_activation=args.output_activation,
        loss=args.loss,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        test_fraction=args.test_fraction,
        samples=args.samples,
        noise=args.noise,
        compile=args.compile,
    )
    out: Path = args.out
    try:
        return _run(config, out, progress=not args.quiet)
    except training.DivergedError as e:
        raise CommandError(
            f"{e}: try a smaller --lr than {e.lr:g}, or another initialisation (--seed)"
        ) from None
    except (training.TrainError, trainjob.JobError) as e:
        raise CommandError(str(e)) from None


def _run(config: training.TrainConfig, out: Path, progress: bool) -> int:
    # Everything that could stop the run after training is checked before it starts.
    config.validate()
    if progress:
        _require("tqdm", "demo")
    _require("matplotlib", "demo")
    trainjob.check_renderer()
    trainjob.check_writable(out)
    try:
        train_set, test_set = training.load_data(config)
    except (OSError, ValueError) as e:
        raise CommandError(f"cannot load the {config.dataset} data: {e}") from None
    try:
        model = training.build_model(config, len(train_set.inputs[0]), train_set.n_classes)
    except training.TrainError as e:  # too many parameters for these inputs and classes
        raise CommandError(f"--hidden {','.join(map(str, config.hidden))}: {e}") from None
    sizes = "-".join(str(n) for n in model.sizes)
    print(
        f"data: {config.dataset}, {len(train_set) + len(test_set):,} examples, split by class "
        f"(stratified, seed {config.seed}): {len(train_set):,} for training, "
        f"{len(test_set):,} for test"
    )
    print(
        f"network: {sizes}, activations {', '.join(model.activations)}; cost {config.loss}; "
        f"SGD lr {config.lr:g}, batch size {config.batch_size}, {_plural(config.epochs, 'epoch')}, "
        f"seed {config.seed}"
    )
    sys.stdout.flush()
    frames: list[str] = []

    def after_epoch(stats: training.EpochStats) -> None:
        # Two inputs and two classes: the plane can be drawn, one frame per epoch.
        if model.sizes[0] == 2 and model.sizes[-1] == 2:
            frames.append(trainjob.boundary_frame(model, train_set, stats.epoch))

    if progress:
        history = trainjob.train_with_progress(
            model, train_set, test_set, config, on_epoch=after_epoch
        )
    else:
        history = training.train(model, train_set, test_set, config, on_epoch=after_epoch)
    last = history[-1]
    print(
        f"epoch {last.epoch}: training cost {last.train_cost:.4f}, training accuracy "
        f"{last.train_accuracy:.1%}, test cost {last.test_cost:.4f}"
    )
    print(f"test accuracy: {last.test_accuracy:.1%}")

    examples = training.one_per_class(test_set)
    try:
        check = training.check_by_hand(model, test_set, examples, config.loss)
    except (ArithmeticError, ValueError) as e:
        print(f"notes' formulas (nn.byhand.gradients) vs engine: not compared ({e})")
    else:
        print(
            f"notes' formulas (nn.byhand.gradients) vs engine, {check.n_parameters:,} "
            f"gradients on each of {check.n_examples} test examples (one per class): largest "
            f"relative difference {check.max_relative_difference:.1e}, largest absolute "
            f"difference {check.max_absolute_difference:.1e}"
        )

    try:
        written = trainjob.write_outputs(model, history, test_set, examples, config, out)
        written += trainjob.write_pictures(model, test_set, frames, out)
    except (OSError, RuntimeError) as e:  # RuntimeError: viz.RenderError, RendererNotFound
        raise CommandError(f"cannot write the outputs to '{out}': {e}") from None
    print("wrote:")
    width = max(len(str(path)) for path, _ in written)
    for path, what in written:
        print(f"  {path!s:<{width}}  {what}")
    hint = training.at_chance(history, test_set.n_classes)
    if hint is not None:
        print(
            f"{PROG} {NAME}: error: {hint}: the run learned nothing; try a smaller --lr than "
            f"{config.lr:g}, or another initialisation (--seed)",
            file=sys.stderr,
        )
        return 1
    return 0

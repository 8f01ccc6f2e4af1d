"""The ``chainrule`` command (also ``python -m nn``): train, explain, graph.

``chainrule train`` trains the network of note 000 on the built-in handwritten digits and writes
a loss curve, a picture of the network and the model; ``chainrule explain`` prints the notes'
chain of factors for one weight beside the engine's gradient; ``chainrule graph`` draws a
computation graph (``viz.cli``). Bad input ends with one line on stderr, ``chainrule <command>:
error: ...``, and a non-zero exit status (2 for a bad command line, 1 for anything else), never
a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TypeVar

from nn import train as training
from nn.losses import LOSSES
from nn.module import ACTIVATIONS, MLP, OUTPUT_ACTIVATIONS, refuse_huge

PROG = "chainrule"

T = TypeVar("T")


class CommandError(Exception):
    """A problem with the user's input or files, reported as one line on stderr."""


class UsageError(Exception):
    """A command line that does not parse; ``prog`` names the (sub)command."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised, so ``main`` decides the exit)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, f"{message} (see {self.prog} --help)")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show (None, a flag)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


# -- option values ------------------------------------------------------------------------------


def _int_list(text: str, what: str, example: str, lowest: int) -> list[int]:
    """Comma-separated whole numbers >= lowest, or ArgumentTypeError quoting ``text``."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or any(v < lowest for v in values):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {what} "
            f"(whole numbers >= {lowest} separated by commas, e.g. {example})"
        )
    return values


def layer_sizes(text: str) -> list[int]:
    """--hidden: one size per hidden layer, e.g. "16" or "16,8"."""
    return _int_list(text, "a list of layer sizes", "16 or 16,8", 1)


def architecture(text: str) -> list[int]:
    """--arch: n_0,n_1,...,n_L, the inputs then each layer's size, e.g. "2,3,2"."""
    sizes = _int_list(text, "an architecture", "2,3,2", 1)
    if len(sizes) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an architecture: give the number of inputs and at least one "
            "layer size, separated by commas (e.g. 2,3,2)"
        )
    try:
        refuse_huge(sizes)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return sizes


def _indices(count: int, names: str, example: str) -> Callable[[str], tuple[int, ...]]:
    def parse(text: str) -> tuple[int, ...]:
        values = _int_list(text, f"an index {names}", example, 0)
        if len(values) != count:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an index {names}: give {count} whole numbers separated by "
                f"commas (e.g. {example})"
            )
        return tuple(values)

    return parse


def numbers(text: str) -> list[float]:
    """--input/--target: comma-separated finite numbers, e.g. "0.5,-1"."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of finite numbers separated by commas (e.g. 0.5,-1)"
        )
    return values


def _checked(convert: Callable[[str], T], ok: Callable[[T], bool], what: str) -> Callable[[str], T]:
    """An argparse type: ``convert`` the text and require ``ok`` of the result."""

    def parse(text: str) -> T:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    parse.__doc__ = f"Parse {what}."
    return parse


positive_int = _checked(int, lambda v: v >= 1, "a whole number >= 1")
positive_float = _checked(float, lambda v: math.isfinite(v) and v > 0, "a positive number")
fraction = _checked(float, lambda v: 0 < v < 1, "a number strictly between 0 and 1")
non_negative_float = _checked(float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")
whole_number = _checked(int, lambda v: True, "a whole number")  # a seed: any integer


# -- the parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``chainrule`` parser with its three subcommands."""
    parser = _Parser(
        prog=PROG,
        description="chainrule: a scalar autograd engine for learning and testing backpropagation.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{train,explain,graph,explore}", parser_class=_Parser
    )
    _add_train(commands)
    _add_explain(commands)
    _add_graph(commands)
    _add_explore(commands)
    return parser


def _add_train(commands: argparse._SubParsersAction[_Parser]) -> None:
    d = training.TrainConfig()
    p = commands.add_parser(
        "train",
        help="train a network (by default note 000's, on the built-in digits)",
        description=(
            "Train an MLP by mini-batch SGD and report its test accuracy. The default is the "
            "network of note 000 (eq. 15-18): 64 inputs, 16 sigmoid hidden neurons, 10 sigmoid "
            "outputs, squared error (N000.19), on the 1,797 built-in handwritten digits split "
            "80/20, stratified by class, from --seed. Checks the notes' hand formulas against "
            "the engine on the trained network, then writes loss.svg, network.svg and "
            "model.json to --out."
        ),
        formatter_class=_Formatter,
    )
    p.add_argument("--dataset", choices=training.DATASETS, default=d.dataset, help="the data")
    p.add_argument(
        "--hidden",
        type=layer_sizes,
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
    p.add_argument("--epochs", type=positive_int, default=d.epochs, help="passes over the data")
    p.add_argument("--lr", type=positive_float, default=d.lr, help="the learning rate α")
    p.add_argument(
        "--batch-size", type=positive_int, default=d.batch_size, help="examples per SGD step"
    )
    p.add_argument(
        "--seed", type=whole_number, default=d.seed, help="seeds the split, weights and order"
    )
    p.add_argument(
        "--test-fraction", type=fraction, default=d.test_fraction, help="share held out for test"
    )
    p.add_argument(
        "--samples",
        type=positive_int,
        default=None,
        help="examples to use: moons generates this many (default 200), digits takes a "
        "stratified subset (default all 1,797)",
    )
    p.add_argument(
        "--noise", type=non_negative_float, default=d.noise, help="moons: Gaussian noise σ"
    )
    p.add_argument("--out", type=Path, default=Path("out"), help="directory for the outputs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_train)


def _add_explain(commands: argparse._SubParsersAction[_Parser]) -> None:
    p = commands.add_parser(
        "explain",
        help="one gradient as the notes' chain of factors, beside the engine's",
        description=(
            "Print ∂C/∂w_jk^(l) (or ∂C/∂b_j^(l)) as the notes' per-index chain of factors with "
            "their numbers, next to the gradient the engine computes, for a network given by "
            "--arch (weights drawn from --seed) or loaded from --model."
        ),
        formatter_class=_Formatter,
    )
    net = p.add_mutually_exclusive_group(required=True)
    net.add_argument(
        "--arch", type=architecture, metavar="N0,N1,...", help="layer sizes, inputs first: 2,3,2"
    )
    net.add_argument("--model", type=Path, metavar="FILE", help="a model saved by train")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--weight",
        type=_indices(3, "l,j,k", "2,1,0"),
        metavar="L,J,K",
        help="the weight w_jk^(l): layer l (from 1), neuron j, input k (from 0)",
    )
    which.add_argument(
        "--bias", type=_indices(2, "l,j", "2,1"), metavar="L,J", help="the bias b_j^(l)"
    )
    p.add_argument(
        "--input",
        type=numbers,
        metavar="X0,X1,...",
        help="the input x (default: drawn from --seed, uniform in [-1, 1])",
    )
    p.add_argument(
        "--target",
        type=numbers,
        metavar="Y0,Y1,...",
        help="the target y (default: a one-hot vector, its class drawn from --seed)",
    )
    p.add_argument(
        "--activation", choices=ACTIVATIONS, default="sigmoid", help="σ of every layer (--arch)"
    )
    p.add_argument(
        "--output-activation",
        choices=OUTPUT_ACTIVATIONS,
        default=None,
        help="σ of the output layer (--arch; default: softmax for cross_entropy, else "
        "--activation)",
    )
    p.add_argument("--loss", choices=list(LOSSES), default="squared_error", help="the cost C")
    p.add_argument("--seed", type=whole_number, default=0, help="seeds the weights, x and y")
    p.set_defaults(run=run_explain)


def _add_graph(commands: argparse._SubParsersAction[_Parser]) -> None:
    description = (
        "Draw the computation graph of a small network after one forward and one backward "
        "pass, every value with its gradient, to SVG (viz.cli)."
    )
    try:
        import viz.cli
    except ImportError as e:  # the viz extra (the graphviz package) is not installed
        missing = str(e)
        # No options at all ('+' is never typed): every argument, --arch or --help included,
        # lands in `rest`, so the user reads how to install viz, not "unrecognized arguments".
        p = commands.add_parser(
            "graph",
            help="draw a computation graph to SVG",
            description=description,
            prefix_chars="+",
            add_help=False,
        )
        p.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
        p.set_defaults(run=lambda _args: _missing_viz(missing))
        return
    p = commands.add_parser(
        "graph", help="draw a computation graph to SVG", description=description
    )
    viz.cli.add_arguments(p)
    p.set_defaults(run=run_graph)


def _add_explore(commands: argparse._SubParsersAction[_Parser]) -> None:
    try:
        from viz import explore_command as command
    except ImportError as e:  # the viz extra is not installed: say so, whatever the options
        missing = str(e)
        p = commands.add_parser("explore", prefix_chars="+", add_help=False)
        p.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
        p.set_defaults(run=lambda _args: _missing_viz(missing))
        return
    p = commands.add_parser(command.NAME, help=command.HELP, description=command.DESCRIPTION)
    command.add_arguments(p)
    p.set_defaults(run=command.run)


def _missing_viz(reason: str) -> int:
    raise CommandError(
        f"drawing graphs needs the viz extra ({reason}): pip install 'chainrule[viz]'"
    )


# -- the commands -------------------------------------------------------------------------------


def _require(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise CommandError(
            f"this command needs the {module} package: pip install 'chainrule[{extra}]'"
        )


def run_train(args: argparse.Namespace) -> int:
    """``chainrule train``: train, evaluate, check the notes' formulas, write the outputs."""
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
    )
    out: Path = args.out
    # Everything that could stop the run after training is checked before it starts.
    try:
        config.validate()
    except training.TrainError as e:
        raise CommandError(str(e)) from None
    if not args.quiet:
        _require("tqdm", "demo")
    _require("matplotlib", "demo")
    training.check_renderer()
    training.check_writable(out)
    try:
        train_set, test_set = training.load_data(config)
    except (OSError, ValueError) as e:
        raise CommandError(f"cannot load the {config.dataset} data: {e}") from None
    model = training.build_model(config, len(train_set.inputs[0]), train_set.n_classes)
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
    history = training.train(model, train_set, test_set, config, progress=not args.quiet)
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
        written = training.write_outputs(model, history, test_set, examples, config, out)
    except (OSError, RuntimeError) as e:  # RuntimeError: viz.RenderError, RendererNotFound
        raise CommandError(f"cannot write the outputs to '{out}': {e}") from None
    print("wrote:")
    width = max(len(str(path)) for path, _ in written)
    for path, what in written:
        print(f"  {path!s:<{width}}  {what}")
    return 0


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _default_input(rng: random.Random, n: int) -> list[float]:
    return [round(rng.uniform(-1.0, 1.0), 2) for _ in range(n)]


def _default_target(rng: random.Random, n: int) -> list[float]:
    if n == 1:
        return [float(rng.randrange(2))]
    y = [0.0] * n
    y[rng.randrange(n)] = 1.0
    return y


def _load_model(path: Path) -> MLP:
    try:
        return MLP.load(path)
    except FileNotFoundError:
        raise CommandError(f"no model file '{path}' (train writes one: chainrule train)") from None
    except OSError as e:
        raise CommandError(f"cannot read the model file '{path}': {e.strerror or e}") from None
    except ValueError as e:
        raise CommandError(f"cannot load the model file: {e}") from None


def _index_problem(sizes: Sequence[int], l: int, j: int, k: int | None) -> str:
    """Why (l, j, k) names no parameter of a network with these sizes ("" if it does one)."""
    L = len(sizes) - 1
    if not 1 <= l <= L:
        return f"l={l} is out of range: valid l are 1..{L} (the layers)"
    if not 0 <= j < sizes[l]:
        return f"j={j} is out of range: valid j are 0..{sizes[l] - 1} (layer {l}'s neurons)"
    if k is not None and not 0 <= k < sizes[l - 1]:
        return (
            f"k={k} is out of range: valid k are 0..{sizes[l - 1] - 1} "
            f"(the {sizes[l - 1]} inputs of layer {l})"
        )
    return ""


def run_explain(args: argparse.Namespace) -> int:
    """``chainrule explain``: the notes' chain of factors for one parameter, and the engine's."""
    from nn import byhand

    if args.model is not None:
        model = _load_model(args.model)
    else:
        sizes: list[int] = args.arch
        output = args.output_activation
        if output is None:
            output = training.OUTPUT_FOR_LOSS.get(args.loss, args.activation)
        model = MLP(sizes[0], sizes[1:], args.activation, output_activation=output, seed=args.seed)
    rng = random.Random(args.seed)
    x = args.input if args.input is not None else _default_input(rng, model.sizes[0])
    y = args.target if args.target is not None else _default_target(rng, model.sizes[-1])
    if len(x) != model.sizes[0]:
        raise CommandError(
            f"--input has {len(x)} numbers but the network has {model.sizes[0]} inputs"
        )
    if len(y) != model.sizes[-1]:
        raise CommandError(
            f"--target has {len(y)} numbers but the network has {model.sizes[-1]} outputs"
        )
    if args.weight is not None:
        layer, j, k = args.weight
        option = f"--weight {layer},{j},{k}"
    else:
        (layer, j), k = args.bias, None
        option = f"--bias {layer},{j}"
    problem = _index_problem(model.sizes, layer, j, k)
    if problem:
        sizes_text = "-".join(str(n) for n in model.sizes)
        raise CommandError(f"{option} is not in the network {sizes_text}: {problem}")
    try:
        text = byhand.explain(model, x, y, layer, j, k, loss=args.loss)
    except (ValueError, ArithmeticError) as e:
        raise CommandError(str(e)) from None
    print(f"network {'-'.join(str(n) for n in model.sizes)} ({', '.join(model.activations)})")
    print(f"x = {x}")
    print(f"y = {y}")
    print(f"C = {args.loss}")
    print(text)
    return 0


def run_graph(args: argparse.Namespace) -> int:
    """``chainrule graph``: ``viz.cli`` draws the graph."""
    import viz.cli

    return viz.cli.run(args, prog=f"{PROG} graph")


# -- entry point --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chainrule`` with ``argv`` (default: the process's); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"{e.prog}: error: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help prints, then exits
        return e.code if isinstance(e.code, int) else 0
    command = f"{PROG} {args.command}"
    try:
        status: int = args.run(args)
    except (CommandError, training.TrainError) as e:
        print(f"{command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`chainrule train | head`): say nothing more, and keep
        # Python from failing again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status

"""``chainrule table``: the notes' backward pass for one example, layer by layer, as a table."""

from __future__ import annotations

import argparse

from nn import byhand
from nn.app import explained as example
from nn.app.base import CommandError, Formatter
from nn.formulas.table import FORMATS
from nn.notation import CONVENTIONS

NAME = "table"
HELP = "z, a, σ'(z), ∂C/∂a, δ and ∂C/∂b of every neuron, by hand and checked by the engine"
DESCRIPTION = (
    "Print, layer by layer, z_j^(l), a_j^(l), σ'(z_j^(l)), ∂C/∂a_j^(l), δ_j^(l) and "
    "∂C/∂b_j^(l) (with --weights every ∂C/∂w_jk^(l)) computed with the notes' formulas, "
    "and a verdict line saying how well they agree with the engine's gradients."
)
FORMATTER = Formatter


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``chainrule table``."""
    example.add_arguments(p)
    p.add_argument("--format", choices=FORMATS, default="text", help="how to print it")
    p.add_argument("--weights", action="store_true", help="add ∂C/∂w_jk^(l) for every k")
    p.add_argument(
        "--digits",
        type=int,
        choices=range(1, 18),
        default=6,
        metavar="1..17",
        help="significant digits of text and Markdown (CSV has every digit)",
    )
    p.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="w",
        help="w: the notes' w_jk^(l); theta: note 002's Θ_kj^(l) = w_jk^(l)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the table."""
    model, x, y = example.build(args)
    try:
        t = byhand.table(model, x, y, args.loss, weights=args.weights, convention=args.convention)
    except (ValueError, ArithmeticError) as e:
        raise CommandError(str(e)) from None
    if args.format != "csv":
        print(example.describe(model, x, y, args.loss).split("\n", 1)[1])
    print(t.render(args.format, args.digits), end="" if args.format == "csv" else "\n")
    return 0

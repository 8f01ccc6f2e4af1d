"""``chainrule explain``: one gradient as the notes' chain of factors, beside the engine's."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from nn import byhand
from nn.app import explained as example
from nn.app import options
from nn.app.base import BadOptionError, CommandError, Formatter
from nn.formulas.explanation import ORDERS
from nn.notation import CONVENTIONS

NAME = "explain"
HELP = "one gradient as the notes' chain of factors, beside the engine's"
DESCRIPTION = (
    "Print ∂C/∂w_jk^(l) (or ∂C/∂b_j^(l)) as the notes' whole chain of factors: the Leibniz "
    "form, the factors with their numbers next to the gradient the engine computes, every "
    "δ down to the cost, and a verdict, for a network given by --arch (weights drawn from "
    "--seed) or loaded from --model."
)
FORMATTER = Formatter


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``chainrule explain``."""
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--weight",
        type=options.indices(3, "l,j,k", "2,1,0"),
        metavar="L,J,K",
        help="the weight w_jk^(l): layer l (from 1), neuron j, input k (from 0)",
    )
    which.add_argument(
        "--bias", type=options.indices(2, "l,j", "2,1"), metavar="L,J", help="the bias b_j^(l)"
    )
    example.add_arguments(p)
    p.add_argument(
        "--order",
        choices=ORDERS,
        default="000",
        help="000: ∂z/∂w first, as note 000; 002: ∂C/∂a first, as notes 002 and 003",
    )
    p.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="w",
        help="w: the notes' w_jk^(l); theta: note 002's Θ_kj^(l) = w_jk^(l), s for δ",
    )
    p.add_argument(
        "--examples",
        type=options.examples,
        default=1,
        metavar="N",
        help="a batch of N examples drawn from --seed: their mean gradient (N002.m)",
    )


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


def run(args: argparse.Namespace) -> int:
    """Print the notes' chain of factors for one parameter, and the engine's gradient."""
    model, x, y = example.build(args)
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
    if args.examples > 1 and (args.input is not None or args.target is not None):
        raise BadOptionError("--examples draws its inputs and targets: leave out --input/--target")
    try:
        if args.examples > 1:
            xs, ys = example.draw(model, args.seed, args.examples)
            text = byhand.explain(
                model, xs, ys, layer, j, k, args.loss, order=args.order,
                convention=args.convention,
            )  # fmt: skip
            head = example.describe(model, x, y, args.loss).splitlines()
            print("\n".join([head[0], f"{args.examples} examples drawn from --seed", head[3]]))
        else:
            text = byhand.explain(
                model, x, y, layer, j, k, args.loss, order=args.order,
                convention=args.convention,
            )  # fmt: skip
            print(example.describe(model, x, y, args.loss))
    except (ValueError, ArithmeticError) as e:
        raise CommandError(str(e)) from None
    print(text)
    return 0

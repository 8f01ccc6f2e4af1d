"""``chainrule check``: a learner's formula for a gradient, put to the engine on drawn networks."""

from __future__ import annotations

import argparse

from nn.activations import ACTIVATIONS
from nn.app import options
from nn.app.base import BadOptionError, Formatter
from nn.formula_check import OF, FormulaSyntaxError, check, parse_formula
from nn.losses import LOSSES
from nn.notation import CONVENTIONS

NAME = "check"
HELP = "check your own formula for ∂C/∂w, ∂C/∂b, δ or ∂C/∂a against the engine"
DESCRIPTION = (
    "Compare a formula, written in the notes' notation, with the engine's gradient on "
    "networks drawn by Hypothesis, and print the smallest counterexample if there is one. "
    "Vocabulary: a(l,k), z(l,j), w(l,j,k), b(l,j), y(j), dsigma(l,j) for σ'(z_j^(l)), n(l), "
    "L, l, j, k, numbers, + - * / ** (constant exponent) and sum(... for m in range(n(l+1))). "
    "Exit status: 0 the formula agrees, 1 a counterexample was found, 2 the formula cannot "
    "be read."
)
EPILOG = "example: chainrule check 'a(l-1,k) * dsigma(l,j) * 2*(a(L,j) - y(j))' --of w --layer L"
FORMATTER = Formatter


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``chainrule check``."""
    p.add_argument("formula", help="the formula, in the vocabulary above (quote it)")
    p.add_argument("--of", choices=list(OF), default="w", help="what the formula is of")
    p.add_argument(
        "--layer",
        action="append",
        metavar="L",
        help="a layer to check it at: a number, L or L-1 (repeatable; default: every layer)",
    )
    p.add_argument(
        "--activation",
        type=options.names(ACTIVATIONS, "activation"),
        default=None,
        metavar="NAME,...",
        help=f"activations to draw for the layers, of {','.join(ACTIVATIONS)} (default: all)",
    )
    p.add_argument(
        "--loss",
        type=options.names(tuple(LOSSES), "loss"),
        default=None,
        metavar="NAME,...",
        help=f"costs to draw, of {','.join(LOSSES)} (default: all)",
    )
    p.add_argument("--examples", type=options.examples, default=200, help="networks to draw")
    p.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="w",
        help="w: w(l,j,k) is w_jk^(l); theta: w(l,k,j) is note 002's Θ_kj^(l) = w_jk^(l)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 if the formula agrees, 1 if not (2 via BadOptionError)."""
    try:
        parse_formula(args.formula)
    except FormulaSyntaxError as e:
        raise BadOptionError(str(e)) from None
    try:
        report = check(
            args.formula,
            of=args.of,
            layers=args.layer,
            activations=args.activation,
            losses=args.loss,
            examples=args.examples,
            derandomize=True,  # the same report for the same command, as a document shows it
            convention=args.convention,
        )
    except ValueError as e:
        raise BadOptionError(str(e)) from None
    print(report)
    return 0 if report.ok else 1

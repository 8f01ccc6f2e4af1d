"""Helpers the tests share (never test functions): numbers, the notes' comparisons, SVG.

Test modules import helpers from here only, never from one another.
"""

"""symdiff's exception classes; each subclasses the builtin a user would catch."""

from __future__ import annotations


class SymdiffError(Exception):
    """Base class of every error symdiff raises on purpose."""


class ShapeError(SymdiffError, ValueError):
    """Shapes that do not fit an op: raised when the node is built, naming the op and the shapes."""


class DTypeError(SymdiffError, TypeError):
    """A dtype an op cannot take (an integer where a float is needed, ...)."""


class NotDifferentiableError(SymdiffError, TypeError):
    """Differentiation asked of something that has no derivative (an integer variable, ...)."""


class InputError(SymdiffError, ValueError):
    """A value given at evaluation does not fit its variable (missing, wrong shape or dtype)."""


class UnknownVariableError(InputError, KeyError):
    """A variable named (to differentiate by, or as an input of generated code) that the
    expression does not have; the message lists the ones it has."""

    def __str__(self) -> str:  # the message as written, not quoted as KeyError's would be
        return str(self.args[0]) if self.args else ""


class ParseError(SymdiffError, ValueError):
    """Text that is not a symdiff expression; the message shows where, with a caret line."""


class OutOfBoundsError(SymdiffError, IndexError):
    """A static index outside its dimension."""


class IndexingError(SymdiffError, IndexError):
    """An index NumPy would not take either, an IndexError as NumPy's: a float or a string, an
    index array of floats, a boolean mask of another shape than the axes it indexes."""


class UnsupportedError(SymdiffError, NotImplementedError):
    """A conversion that has no counterpart on the other side (an op SymPy cannot express, ...)."""

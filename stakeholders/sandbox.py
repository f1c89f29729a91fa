"""The template language staff write thank-yous and canned replies in: Jinja's immutable sandbox,
with limits.

The sandbox already keeps a template away from attributes, settings and other tenants' data; these
limits keep it from hurting the server (a template is rendered at save, in previews and in the
nightly batch). A template can't make a number of more than ``MAX_DIGITS`` digits or a text, list
or output of more than ``MAX_SIZE`` characters: each operation that could (``*``, ``**``, ``+``,
``~``, the filters and text methods that stay available) is checked before it runs, so nothing
huge is ever made. Whatever does too much work within those sizes (loops in loops, recursive
macros) is stopped after ``RENDER_SECONDS``. The globals Jinja adds (``range``, ``lipsum``,
``dict``, ``cycler``, ``joiner``, ``namespace``) and the filters and text methods that can
multiply sizes or that a letter has no use for are left out. (Jinja's maintainers warn that no
limit inside the process covers everything: a memory limit on the process stays the last line.)
"""

import threading
import time
from functools import wraps

from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, TemplateError, TemplateRuntimeError, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.filters import do_replace, sync_do_join
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment

from stakeholders import formats

MAX_SOURCE = 50_000  # characters of one part of a template (the default letters use ~600)
MAX_SIZE = 100_000  # characters (or items) of any value a template makes, and of what it renders
MAX_DIGITS = 100
RENDER_SECONDS = 1.0  # a letter renders in well under a millisecond
_MAX_BITS = int(MAX_DIGITS * 3.33)
_rendering = threading.local()  # .deadline: when the render on this thread must stop

FILTERS = {  # what staff may need to present a merge field; none can multiply a size
    "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float",
    "forceescape", "int", "join", "last", "length", "list", "lower", "max", "min", "replace",
    "reverse", "round", "safe", "sort", "string", "striptags", "title", "trim", "truncate",
    "unique", "upper", "wordcount",
}  # fmt: skip
TEXT_METHODS = {  # of str; none makes a text more than a few times longer
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "lower",
    "lstrip", "partition", "removeprefix", "removesuffix", "rfind", "rindex", "rpartition",
    "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title",
    "upper",
}  # fmt: skip
COLLECTION_METHODS = {"count", "index", "get", "items", "keys", "values"}


class LimitExceeded(TemplateRuntimeError):
    """The template asked for more than a letter ever needs; the message says what."""


def _size(value):
    """About how many characters ``value`` makes as text, nested items included (counted up to
    just past ``MAX_SIZE``): a list of one long text, repeated, is long."""
    total, pending = 0, [value]
    while pending and total <= MAX_SIZE:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            pending.extend(item)
        else:
            total += 1
    return total


def _check_size(characters):
    if characters > MAX_SIZE:
        raise LimitExceeded(
            _("This would make a text or list of more than %(limit)s characters.")
            % {"limit": _number(MAX_SIZE)}
        )


def _number(value):
    """A count in the reader's conventions: "50,000", "50 000", "۵۰٬۰۰۰"."""
    return formats.format_number(value)


def _too_big_a_number():
    return LimitExceeded(
        _("This would make a number of more than %(digits)s digits.")
        % {"digits": _number(MAX_DIGITS)}
    )


def _bounded(value):
    """``value`` if it is within the limits."""
    if isinstance(value, int):
        if value.bit_length() > _MAX_BITS:
            raise _too_big_a_number()
    else:
        _check_size(_size(value))
    return value


def _repeats(value):
    return isinstance(value, (str, list, tuple))


def _check_binop(operator, left, right):
    """Refuse, before it runs, an operation whose result would be too big."""
    numbers = isinstance(left, int) and isinstance(right, int)
    if operator == "**":
        if numbers and right > 0 and (abs(left).bit_length() - 1) * right > _MAX_BITS:
            raise _too_big_a_number()
    elif operator == "*":
        if isinstance(left, int) and _repeats(right):
            left, right = right, left
        if _repeats(left) and isinstance(right, int):
            _check_size(_size(left) * max(right, 0))
        elif numbers and left.bit_length() + right.bit_length() > _MAX_BITS + 1:
            raise _too_big_a_number()
    elif operator == "+":
        if _repeats(left) and _repeats(right):
            _check_size(_size(left) + _size(right))
    elif operator == "%" and isinstance(left, str):
        # "%999999999s" % x: the width would make the text; a merge field needs no formatting.
        raise LimitExceeded(_("Text can't be formatted with the percent sign in a template."))


def _checked_filter(function):
    @wraps(function)  # keeps Jinja's marks (pass_eval_context…)
    def checked(*args, **kwargs):
        _tick()
        return _bounded(function(*args, **kwargs))

    return checked


@pass_eval_context
def _join(eval_ctx, value, d="", attribute=None):
    """The ``join`` filter, refused before it runs when the separators would make it huge."""
    items = list(value)
    _check_size(_size(items) + len(str(d)) * len(items))
    return sync_do_join(eval_ctx, items, d, attribute)


@pass_eval_context
def _replace(eval_ctx, s, old, new, count=None):
    """The ``replace`` filter, refused before it runs when the result would be huge."""
    text, old_text, new_text = str(s), str(old), str(new)
    times = text.count(old_text) if old_text else len(text) + 1
    if count is not None and count >= 0:
        times = min(times, count)
    _check_size(len(text) + times * max(len(new_text) - len(old_text), 0))
    return do_replace(eval_ctx, s, old, new, count)


class _CheckedCode(CodeGenerator):
    def visit_For(self, node, frame):
        """Each turn of a loop (of a recursive one too) first checks the render's time."""
        tick = nodes.ExprStmt(nodes.EnvironmentAttribute("tick"), lineno=node.lineno)
        node.body = [tick, *node.body]
        super().visit_For(node, frame)

    def visit_ExprStmt(self, node, frame):
        """The statement ``visit_For`` adds (Jinja allows no node types of our own) is written
        as a plain call of ``LetterEnvironment.tick``."""
        if not (isinstance(node.node, nodes.EnvironmentAttribute) and node.node.name == "tick"):
            return super().visit_ExprStmt(node, frame)
        self.writeline("environment.tick()", node)
        return None

    @optimizeconst
    def visit_Concat(self, node, frame):
        """``a ~ b``: the pieces' sizes are added up before they are joined."""
        markup = (  # as Jinja's own code chooses markup_join or str_join
            "context.eval_ctx.volatile"
            if frame.eval_ctx.volatile
            else repr(bool(frame.eval_ctx.autoescape))
        )
        self.write("environment.join_pieces((")
        for piece in node.nodes:
            self.visit(piece, frame)
            self.write(", ")
        self.write(f"), {markup})")


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox with the limits above; merge fields only, no globals."""

    code_generator_class = _CheckedCode
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options):
        super().__init__(undefined=StrictUndefined, **options)
        self.globals.clear()
        checked = {"join": _join, "replace": _replace}
        self.filters = {
            name: _checked_filter(checked.get(name, self.filters[name])) for name in FILTERS
        }

    def tick(self):
        _tick()

    def call(self, context, obj, /, *args, **kwargs):
        """Every call (a macro, a block, a text method) checks the render's time: recursion
        repeats work as loops do."""
        _tick()
        return super().call(context, obj, *args, **kwargs)

    def call_binop(self, context, operator, left, right):
        _tick()
        _check_binop(operator, left, right)
        return _bounded(super().call_binop(context, operator, left, right))

    def join_pieces(self, pieces, markup):
        _tick()
        _check_size(sum(map(_size, pieces)))
        return markup_join(pieces) if markup else str_join(pieces)

    def concat(self, pieces):
        """What a template, macro or block renders, refused as soon as it grows too long."""
        kept, total = [], 0
        for piece in pieces:
            total += len(piece)
            _check_size(total)
            kept.append(piece)
        return "".join(kept)

    def is_safe_attribute(self, obj, attr, value):
        if isinstance(obj, str):
            return attr in TEXT_METHODS
        if isinstance(obj, (int, float)):
            return False
        if isinstance(obj, (list, tuple, dict, set, frozenset)):
            return attr in COLLECTION_METHODS
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value):
        """``str.format`` is not offered (widths like ``{:>999999999}``; see ``TEXT_METHODS``)."""
        return None

    def compile_checked(self, source):
        if len(source) > MAX_SOURCE:
            raise LimitExceeded(
                _("Keep this under %(limit)s characters (it has %(count)s).")
                % {"limit": _number(MAX_SOURCE), "count": _number(len(source))}
            )
        return self.from_string(source)


def render(template, fields):
    """Render within ``RENDER_SECONDS``; whatever the template's own code raises (a division by
    zero, a text where a number belongs…) is a template error, never a crash of the caller."""
    _rendering.deadline = time.monotonic() + RENDER_SECONDS
    try:
        return template.render(**fields)
    except TemplateError:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as error:
        raise TemplateRuntimeError(str(error)) from error
    finally:
        _rendering.deadline = None


def _tick():
    """Stop a render that has run out of time. Python can't stop a thread from outside, so the
    template stops itself: each step that can be repeated (a turn of a loop, a call, a filter,
    an operator the sandbox intercepts) comes here first, and nothing between two steps can
    take long (see the limits of size)."""
    deadline = getattr(_rendering, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise LimitExceeded(
            _("This takes too long to render (more than %(seconds)s s).")
            % {"seconds": _number(RENDER_SECONDS)}
        )

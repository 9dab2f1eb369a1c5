"""Restricted template engine for the letters staff edit in the admin: validation.

Letter templates are data, not code (docs/architecture.md): they may only print the fields
of a documented plain-dict context (CONTEXT_SCHEMA) with a short list of tags and filters.
Validation happens before anything renders, so a bad template is refused with a line
number and a plain reason instead of failing in front of a patient's letter.
docs/templates.md is the user-facing description of everything here.
"""

from __future__ import annotations

import functools
import re
from collections import ChainMap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import (
    Engine,
    Library,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
    loader_tags,
)
from django.template.base import (
    FilterExpression,
    Lexer,
    Node,
    NodeList,
    Origin,
    TextNode,
    TokenType,
    Variable,
    VariableNode,
)
from django.template.loaders.filesystem import Loader as FilesystemLoader

from .context_schema import CONTEXT_SCHEMA

LAYOUT_NAME = "documents/layout.html"

# Names Django itself puts in scope inside loops and blocks.
_FORLOOP: dict[str, Any] = dict.fromkeys(("counter", "counter0", "revcounter", "revcounter0"), int)
_FORLOOP |= {"first": bool, "last": bool}
_FORLOOP["parentloop"] = _FORLOOP
_BLOCK = {"block": {"super": str}}

# --- Allow-lists. ----------------------------------------------------------------------
# Tag libraries a template may {% load %}: none today. Anything listed here must only
# define tags and filters that keep autoescaping on and touch nothing but their arguments.
ALLOWED_LIBRARIES: dict[str, str] = {}
# {% autoescape %} only "on" and {% extends %} only the layout: both checked in _check_tags.
ALLOWED_TAGS = frozenset(
    {"if", "for", "with", "now", "cycle", "firstof", "spaceless", "autoescape", "comment"}
    | {"block", "extends"}
)
ALLOWED_FILTERS = frozenset(
    {"capfirst", "date", "default", "default_if_none", "escape", "floatformat", "join"}
    | {"length", "linebreaksbr", "lower", "pluralize", "time", "title", "upper", "yesno"}
)

# How deep {% for %} loops may nest. Each level multiplies the work: ten nested loops over
# the criteria pinned a worker for 60 s (issue 12, 2026-12); letters need two (criteria and
# their citations) and one to spare. docs/templates.md says so to template editors.
MAX_LOOP_NESTING = 3

register = Library()
for _name in ALLOWED_TAGS | ({"load"} if ALLOWED_LIBRARIES else set()):
    _library = loader_tags.register if _name in {"block", "extends"} else defaulttags.register
    register.tag(_name, _library.tags[_name])
for _name in ALLOWED_FILTERS:
    # Django's own filter functions, with their is_safe/needs_autoescape flags.
    register.filter(_name, defaultfilters.register.filters[_name])

# Closing and middle tags of the allowed block tags; Django's parser checks their nesting.
_INNER_TAGS = frozenset(
    {"elif", "else", "empty", "endif", "endfor", "endwith", "endspaceless", "endautoescape"}
    | {"endcomment", "endblock"}
)
_REFUSED_TAGS = {
    "load": "{% load %} is not allowed",
    "include": "{% include %} is not allowed: a letter is one template plus the layout",
    "debug": "{% debug %} is not allowed: it prints the whole context",
    "ssi": "{% ssi %} is not allowed: templates cannot read files",
    "csrf_token": "{% csrf_token %} is not allowed: letters are not web forms",
    "url": "{% url %} is not allowed: letters do not link into the app",
    "static": "{% static %} is not allowed: write a relative static/... URL instead",
}
_REFUSED_FILTERS = {
    "safe": "the |safe filter is not allowed: every value is escaped",
    "safeseq": "the |safeseq filter is not allowed: every value is escaped",
}


class TemplateRefused(ValueError):
    """A letter template uses something outside the allow-lists or the context schema."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


# --- Engine. ---------------------------------------------------------------------------
class LayoutLoader(FilesystemLoader):
    """Loads the one letter layout by name, from the project's templates folder only."""

    def get_template_sources(self, template_name: str) -> Iterator[Origin]:
        if template_name == LAYOUT_NAME:
            yield from super().get_template_sources(template_name)


class RestrictedEngine(Engine):
    # Engine appends `builtins` to these; emptying them is what makes the allow-list real.
    default_builtins: list[str] = []


@functools.cache
def get_engine() -> Engine:
    layout_loader = (f"{__name__}.LayoutLoader", [str(Path(settings.BASE_DIR) / "templates")])
    return RestrictedEngine(
        debug=True,  # gives compile errors a line number for TemplateRefused
        loaders=[("django.template.loaders.cached.Loader", [layout_loader])],
        libraries=ALLOWED_LIBRARIES,
        builtins=[__name__],  # this module's `register`: the allow-listed tags and filters
        autoescape=True,
    )


# --- Validation. -----------------------------------------------------------------------
def validate_template(source: str) -> None:
    """Raise TemplateRefused if `source` is not an acceptable letter template."""
    compile_template(source)


@functools.lru_cache(maxsize=64)  # the same few templates are rendered over and over
def compile_template(source: str) -> Template:
    """Validate `source` and return it compiled by the restricted engine."""
    _check_tags(source)
    try:
        template = get_engine().from_string(source)
    except TemplateSyntaxError as exc:
        line = getattr(exc, "template_debug", {}).get("line", 1)
        raise TemplateRefused(_plain_syntax_error(str(exc)), line) from None
    _Checker().nodes(template.nodelist, ChainMap({}, CONTEXT_SCHEMA))
    return template


def _check_tags(source: str) -> None:
    """Refuse disallowed tags by name, before Django's parser gives a vaguer message."""
    for token in Lexer(source).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        bits = token.split_contents()
        tag = bits[0] if bits else ""
        if tag == "load":
            names = bits[bits.index("from") + 1 :] if "from" in bits else bits[1:]
            if not ALLOWED_LIBRARIES or any(name not in ALLOWED_LIBRARIES for name in names):
                raise TemplateRefused(_REFUSED_TAGS["load"], token.lineno)
        elif tag in _REFUSED_TAGS:
            raise TemplateRefused(_REFUSED_TAGS[tag], token.lineno)
        elif tag == "autoescape" and bits[1:] != ["on"]:
            raise TemplateRefused(
                "{% autoescape off %} is not allowed: every value is escaped", token.lineno
            )
        elif tag == "extends" and bits[1:] not in ([f'"{LAYOUT_NAME}"'], [f"'{LAYOUT_NAME}'"]):
            raise TemplateRefused(f'{{% extends %}} may only name "{LAYOUT_NAME}"', token.lineno)
        elif tag not in ALLOWED_TAGS and tag not in _INNER_TAGS:
            raise TemplateRefused(f"unknown or disallowed tag {{% {tag} %}}", token.lineno)


def _plain_syntax_error(message: str) -> str:
    if match := re.match(r"Invalid filter: '(\w+)'", message):
        name = match[1]
        return _REFUSED_FILTERS.get(name, f"the |{name} filter is not allowed")
    return message


class _Checker:
    """Walks a compiled template and checks every variable path against the schema."""

    def __init__(self) -> None:
        self.filter_names = {func: name for name, func in register.filters.items()}
        self.loop_depth = 0

    def nodes(self, nodelist: NodeList, scope: ChainMap) -> None:
        for node in nodelist:
            self.node(node, scope, node.token.lineno)

    def node(self, node: Node, scope: ChainMap, line: int) -> None:
        # Exhaustive on purpose: a node type not listed here is refused, not ignored.
        match node:
            case TextNode() | defaulttags.CommentNode() | defaulttags.LoadNode():
                pass
            case VariableNode():
                self.output(node.filter_expression, scope, line)
            case defaulttags.IfNode():
                for condition, body in node.conditions_nodelists:
                    if condition is not None:
                        self.condition(condition, scope, line)
                    self.nodes(body, scope)
            case defaulttags.ForNode():
                sequence = self.expression(node.sequence, scope, line)
                if not isinstance(sequence, list) or node.sequence.filters:
                    raise TemplateRefused(
                        f"{{% for %}} needs a list from the context, "
                        f"'{node.sequence.token}' is not one",
                        line,
                    )
                if len(node.loopvars) != 1:
                    raise TemplateRefused("{% for %} takes one loop variable", line)
                if self.loop_depth >= MAX_LOOP_NESTING:
                    raise TemplateRefused(
                        f"{{% for %}} loops may nest at most {MAX_LOOP_NESTING} deep; this one "
                        f"is loop {self.loop_depth + 1} inside the others",
                        line,
                    )
                loop = {node.loopvars[0]: sequence[0], "forloop": _FORLOOP}
                self.loop_depth += 1
                try:
                    self.nodes(node.nodelist_loop, scope.new_child(loop))
                finally:
                    self.loop_depth -= 1
                self.nodes(node.nodelist_empty, scope)
            case defaulttags.WithNode():
                bound = {
                    name: self.expression(value, scope, line)
                    for name, value in node.extra_context.items()
                }
                self.nodes(node.nodelist, scope.new_child(bound))
            case defaulttags.FirstOfNode():
                for value in node.vars:
                    self.output(value, scope, line)
                if node.asvar:
                    scope.maps[0][node.asvar] = str
            case defaulttags.CycleNode():
                for value in node.cyclevars:
                    self.output(value, scope, line)
                if node.variable_name:
                    scope.maps[0][node.variable_name] = str
            case defaulttags.NowNode():
                if node.asvar:
                    scope.maps[0][node.asvar] = str
            case defaulttags.SpacelessNode():
                self.nodes(node.nodelist, scope)
            case defaulttags.AutoEscapeControlNode() if node.setting:
                self.nodes(node.nodelist, scope)
            case loader_tags.BlockNode():
                self.nodes(node.nodelist, scope.new_child(_BLOCK))
            case loader_tags.ExtendsNode():
                self.nodes(node.nodelist, scope)
            case _:
                raise TemplateRefused(f"{{% {node.token.contents} %}} is not allowed", line)

    def condition(self, condition: Any, scope: ChainMap, line: int) -> None:
        """An {% if %} condition: a literal/variable, or an operator over sub-conditions."""
        if isinstance(condition, defaulttags.TemplateLiteral):
            self.expression(condition.value, scope, line)
            return
        for operand in (condition.first, condition.second):
            if operand is not None:
                self.condition(operand, scope, line)

    def output(self, expression: FilterExpression, scope: ChainMap, line: int) -> None:
        """Something printed: a group of fields may only be counted or joined."""
        value = self.unfiltered(expression, scope, line)
        if not isinstance(value, dict | list):
            return
        first = self.filter_names.get(expression.filters[0][0]) if expression.filters else None
        joinable = isinstance(value, list) and not isinstance(value[0], dict | list)
        if first == "length" or (first == "join" and joinable):
            return
        if isinstance(value, dict):
            reason = "is a group of fields; print one of its fields"
        else:
            reason = "is a list; loop over it with {% for %} or use |length"
            reason += " or |join" if joinable else ""
        raise TemplateRefused(f"'{expression.var}' {reason}", line)

    def expression(self, expression: FilterExpression, scope: ChainMap, line: int) -> Any:
        """The schema of a value; a filtered value is a leaf (filters return text)."""
        value = self.unfiltered(expression, scope, line)
        return str if expression.filters else value

    def unfiltered(self, expression: FilterExpression, scope: ChainMap, line: int) -> Any:
        """Check a value and its filter arguments; return the value's schema before filters."""
        for _func, args in expression.filters:
            for is_variable, argument in args:
                if is_variable and isinstance(self.variable(argument, scope, line), dict | list):
                    raise TemplateRefused(f"'{argument}' cannot be a filter argument", line)
        return self.variable(expression.var, scope, line)

    def variable(self, variable: Any, scope: ChainMap, line: int) -> Any:
        if not isinstance(variable, Variable) or variable.lookups is None:
            return str  # a literal written in the template
        schema = _lookup(variable.lookups, scope)
        if schema is None:
            raise TemplateRefused(f"unknown variable '{variable.var}'", line)
        return schema


def _lookup(lookups: tuple[str, ...], scope: ChainMap) -> Any:
    """The schema at a dotted path, or None. Leaves have no attributes (no method calls)."""
    schema = scope.get(lookups[0])
    for part in lookups[1:]:
        if isinstance(schema, dict):
            schema = schema.get(part)
        elif isinstance(schema, list) and part.isdigit():
            schema = schema[0]
        else:
            return None
    return schema


# --- Text fragments. -------------------------------------------------------------------
def compile_fragment(source: str, schema: dict[str, Any]) -> Template:
    """Validate a short staff-edited text (a paragraph, not a letter) against its own schema.

    The same tags, filters and loop limit as a letter, but no layout: {% extends %} and
    {% block %} are refused. Used for the argument paragraphs of appeals (their facts are
    not the letter's context). Not cached: a paragraph compiles in microseconds.
    """
    _check_tags(source)
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK and token.split_contents()[0] in {
            "extends",
            "block",
        }:
            raise TemplateRefused(
                "a paragraph cannot extend the layout or define blocks", token.lineno
            )
    try:
        template = get_engine().from_string(source)
    except TemplateSyntaxError as exc:
        line = getattr(exc, "template_debug", {}).get("line", 1)
        raise TemplateRefused(_plain_syntax_error(str(exc)), line) from None
    _Checker().nodes(template.nodelist, ChainMap({}, schema))
    return template

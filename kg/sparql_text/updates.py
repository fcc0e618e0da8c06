"""SPARQL Update structure: each operation of an update, with its parts as source text.

:func:`split_update` splits an update into :class:`UpdateOperation` values, to compute what a
write changes; :class:`RequestReader` adds the update grammar (including LOAD targets) to the
structural pass, and :func:`read_request` reads any request, query or update, with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import QueryError
from kg.sparql_text.lexer import Nesting, lex, line_col
from kg.sparql_text.nesting import chain_limit, check_nesting
from kg.sparql_text.reader import FORMS, Form, LoadRef, Reader

__all__ = ["RequestReader", "UpdateOperation", "read_request", "split_update"]


@dataclass(frozen=True)
class UpdateOperation:
    """One operation of a SPARQL Update, with its parts as source text (after escape decoding).

    ``kind`` is INSERT DATA, DELETE DATA, DELETE WHERE, MODIFY, LOAD, CLEAR, DROP, CREATE, ADD,
    MOVE or COPY. ``prologue`` holds every BASE and PREFIX declaration before the operation, to
    prepend when re-running a part. ``data`` (INSERT/DELETE DATA), ``where`` (DELETE WHERE's quad
    pattern, MODIFY's group graph pattern) and the templates are the text between the braces.
    Graph references (``source``, ``target``, ``with_iri``, ``using``...) are resolved IRIs or
    "DEFAULT", "NAMED", "ALL". LOAD without INTO has target "DEFAULT".
    """

    kind: str
    prologue: str
    text: str
    data: str | None = None
    where: str | None = None
    with_iri: str | None = None
    delete_template: str | None = None
    insert_template: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    silent: bool = False
    source: str | None = None
    target: str | None = None


class RequestReader(Reader):
    """The structural pass with the update grammar: operations, their graphs, LOAD targets."""

    def block(self, i: int, what: str) -> tuple[str, int]:
        """The text inside the braces that open at token i (checked as a body); the index after."""
        if self.punct(i) != "{":
            raise self.error(f"expected '{{' to open {what}", i)
        close = self.pairs[i]
        self.body(i + 1, close)
        return self.text[self.toks[i][2] + 1 : self.toks[close][2]], close + 1

    def graph_ref(self, i: int, allow: tuple[str, ...], what: str) -> tuple[str, int]:
        """Read GRAPH iri, or one of the words in ``allow`` (DEFAULT, NAMED, ALL, or '' for a bare iri)."""
        word = self.keyword(i)
        if word == "GRAPH":
            return self.iri(i + 1, what), i + 2
        if word is not None and word in allow:
            return word, i + 1
        if "" in allow:
            return self.iri(i, what), i + 1
        raise self.error(f"expected GRAPH <iri> or {', '.join(a for a in allow if a)} for {what}", i)

    def operation(self, i: int, first: bool) -> tuple[UpdateOperation, int]:
        """Read the update operation that starts at token i; return it and the index after it."""
        word = self.keyword(i)
        start = self.toks[i][2] if i < len(self.toks) else len(self.text)
        data = where = with_iri = delete_template = insert_template = source = target = None
        using: list[str] = []
        using_named: list[str] = []
        silent = False
        if word in ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"):
            kind = word
            j = i + 1
            silent = self.keyword(j) == "SILENT"
            if silent:
                j += 1
            if word == "LOAD":
                source, j = self.load(j, silent, start)
                target = self.loads[-1].into or "DEFAULT"
            elif word in ("CLEAR", "DROP"):
                target, j = self.graph_ref(j, ("DEFAULT", "NAMED", "ALL"), word)
            elif word == "CREATE":
                target, j = self.graph_ref(j, (), word)
            else:
                source, j = self.graph_ref(j, ("DEFAULT", ""), word)
                if self.keyword(j) != "TO":
                    raise self.error(f"expected TO in {word}", j)
                target, j = self.graph_ref(j + 1, ("DEFAULT", ""), word)
        elif word in ("INSERT", "DELETE") and self.keyword(i + 1) == "DATA":
            kind = f"{word} DATA"
            data, j = self.block(i + 2, kind)
        elif word == "DELETE" and self.keyword(i + 1) == "WHERE":
            kind = "DELETE WHERE"
            where, j = self.block(i + 2, kind)
        elif word in ("WITH", "INSERT", "DELETE"):
            kind = "MODIFY"
            j = i
            if word == "WITH":
                with_iri = self.iri(i + 1, "WITH")
                j = i + 2
            if self.keyword(j) == "DELETE":
                delete_template, j = self.block(j + 1, "DELETE")
            if self.keyword(j) == "INSERT":
                insert_template, j = self.block(j + 1, "INSERT")
            if delete_template is None and insert_template is None:
                raise self.error("expected DELETE or INSERT", j)
            while self.keyword(j) == "USING":
                if self.keyword(j + 1) == "NAMED":
                    using_named.append(self.iri(j + 2, "USING NAMED"))
                    j += 3
                else:
                    using.append(self.iri(j + 1, "USING"))
                    j += 2
            if self.keyword(j) != "WHERE":
                raise self.error("expected WHERE", j)
            where, j = self.block(j + 1, "WHERE")
        elif first:
            raise self.error("expected SELECT, CONSTRUCT, DESCRIBE, ASK or an update operation", i)
        else:
            raise self.error("expected an update operation", i)
        last = self.toks[j - 1]
        return (
            UpdateOperation(
                kind=kind,
                prologue="\n".join(self.declarations),
                text=self.text[start : last[2] + len(last[1])],
                data=data,
                where=where,
                with_iri=with_iri,
                delete_template=delete_template,
                insert_template=insert_template,
                using=using,
                using_named=using_named,
                silent=silent,
                source=source,
                target=target,
            ),
            j,
        )

    def load(self, j: int, silent: bool, start: int) -> tuple[str, int]:
        """Read LOAD's IRI at token j and its INTO GRAPH; record it; return the IRI, the index after."""
        line, column = line_col(self.text, start)
        source = self.iri(j, "LOAD")
        into = None
        end = j + 1
        if self.keyword(end) == "INTO":
            if self.keyword(end + 1) != "GRAPH":
                raise self.error("expected GRAPH after INTO", end + 1)
            into = self.iri(end + 2, "INTO GRAPH")
            end += 3
        # Oxigraph reads 'LOAD SILENTex:x' as LOAD SILENT ex:x when ex: is declared.
        for iri in self.split_names(j, "silent"):
            self.loads.append(LoadRef(iri, True, into, line, column))
        self.loads.append(LoadRef(source, silent, into, line, column))
        return source, end

    def update(self, i: int) -> list[UpdateOperation]:
        """Read operations separated by ';', each after its own prologue."""
        operations: list[UpdateOperation] = []
        n = len(self.toks)
        while True:
            i = self.prologue(i)
            if i >= n:
                return operations
            operation, i = self.operation(i, first=not operations)
            operations.append(operation)
            if i >= n:
                return operations
            if self.punct(i) != ";":
                raise self.error("expected ';' between update operations", i)
            i += 1


def read_request(
    text: str, *, nesting_limit: int | None = None
) -> tuple[RequestReader, Form | None, list[UpdateOperation], Nesting]:
    """Read a whole request: the reader (its prologue, SERVICE and LOAD targets), the query form
    (None for an update), an update's operations and how deep the text nests.

    With ``nesting_limit``, text that nests deeper (or chains longer, see
    :mod:`kg.sparql_text.nesting`) is refused before it is read further.
    """
    limits = (None, None) if nesting_limit is None else (nesting_limit, chain_limit(nesting_limit))
    decoded, toks, pairs, nesting = lex(text, depth_limit=limits[0], chain_limit=limits[1])
    reader = RequestReader(decoded, toks, pairs)
    i = reader.prologue(0)
    word = reader.keyword(i)
    form = next((f for f in FORMS if f == word), None)
    if nesting_limit is not None:
        check_nesting("update" if form is None else "query", decoded, toks, nesting, nesting_limit)
    if form is not None:
        reader.body(i, len(toks))
        return reader, form, [], nesting
    return reader, None, reader.update(i), nesting


def split_update(text: str) -> list[UpdateOperation]:
    """Split a SPARQL Update into its operations, with their parts as source text.

    Nesting is not limited here: :func:`~kg.sparql_text.inspect` limits it before a client's
    update is run.

    >>> ops = split_update("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b 'c;}' } ; DROP SILENT ALL")
    >>> [(op.kind, op.data, op.target) for op in ops]
    [('INSERT DATA', " ex:a ex:b 'c;}' ", None), ('DROP', None, 'ALL')]
    >>> ops[1].prologue
    'PREFIX ex: <http://e/>'
    """
    _, form, operations, _ = read_request(text)
    if form is not None:
        raise QueryError(f"expected an update, found a {form} query")
    return operations

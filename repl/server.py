"""`kb serve`: the query API over HTTP (FastAPI on uvicorn) and the explanation page.

Every answer is the CLI's: the same ``KnowledgeBase`` calls, encoded by ``kb.render.answer_json``.
Engines: pyDatalog keeps thread-local state, so each process runs a ``kb.pool.EnginePool`` of
``threads`` engine threads and the event loop only waits on them. Request content is data:
facts are parsed by the rule grammar into terms (or read from JSON records), never run.
Limits: body size (413), facts per request (413), question length (400), time per request (408,
the engine thread finishes its work in the background and the server keeps serving).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from grammar.errors import EvaluationError, KbError, LoadErrors, QueryError
from grammar.normalise import MAX_QUESTION
from kb.api import KnowledgeBase
from kb.pool import EnginePool
from repl import page
from repl.answer_schema import COMPONENTS
from repl.serve_config import Settings

PROBLEM = "application/problem+json"
API_VERSION = "1"


# ---------------------------------------------------------------------------------------- problems

class Problem(Exception):
    """An RFC 9457 problem: ``kind`` names its type, ``errors`` the located problems."""

    def __init__(self, status: int, kind: str, title: str, detail: str,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail, self.errors = status, kind, title, detail, errors or []

    def body(self, instance: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": f"urn:guize:problem:{self.kind}", "title": self.title,
                               "status": self.status, "detail": self.detail, "instance": instance}
        if self.errors:
            out["errors"] = self.errors
        return out


def _located(e: KbError) -> dict[str, Any]:
    """What the CLI's ``Error:`` line carries, as fields."""
    pos = e.pos
    return {"file": pos.file if pos else None, "line": pos.line if pos else None,
            "column": pos.column if pos else None, "message": e.message, "hint": e.hint}


def problem_of(e: KbError) -> Problem:
    errors = e.errors if isinstance(e, LoadErrors) else [e]
    located = [_located(x) for x in errors]
    first = errors[0].render() if errors else e.render()
    if isinstance(e, LoadErrors):
        return Problem(400, "facts", "The facts could not be read", first, located)
    if isinstance(e, QueryError):
        return Problem(400, "question", "The question could not be read or asked", first, located)
    if isinstance(e, EvaluationError):
        return Problem(422, "evaluation", "The engine could not answer", first, located)
    return Problem(400, "input", "The input could not be used", first, located)


def _problem_response(p: Problem, request: Request) -> JSONResponse:
    return JSONResponse(p.body(request.url.path), status_code=p.status, media_type=PROBLEM)


# ---------------------------------------------------------------------------------------- requests

class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str | None = Field(None, max_length=MAX_QUESTION, description="a question in English or Chinese")
    goal: str | None = Field(None, max_length=MAX_QUESTION, description="a goal, e.g. ks_distribution_eligible(bolt)")
    facts: str | None = Field(None, description="subject facts in the rule language (a facts file's text)")
    records: list[dict[str, Any]] | None = Field(
        None, description='subject facts as data: [{"pred": "ks_experience_stars", "args": ["bolt", 3.8]}]')
    as_of: _dt.date | None = Field(None, description="evaluate as of this day (default: today)")
    lang: Literal["en", "zh"] | None = Field(None, description="answer language (default: the question's)")


class AskRequest(_Body):
    full: bool = Field(False, description="the answer's `text` shows the whole proof (as the CLI's --full); the "
                                          "JSON always carries the proof itself")


class WhatIfRequest(_Body):
    changes: str | None = Field(None, description="facts to assume instead (same input, same subject replaced)")
    change_records: list[dict[str, Any]] | None = Field(None, description="the changes as records")


class WhatNeededRequest(_Body):
    pass


class PageRequest(WhatIfRequest):
    pass


def _question(body: _Body) -> str:
    if (body.question is None) == (body.goal is None):
        raise Problem(400, "request", "Give a question or a goal", "give exactly one of 'question' and 'goal'")
    if body.goal is not None:
        return "?- " + body.goal.strip().removeprefix("?-").strip()
    return body.question or ""


def _facts(base: KnowledgeBase, text: str | None, records: list | None, label: str, limit: int) -> list:
    """The request's facts (text or records), at most ``limit``; the body limit bounds the parse."""
    if text is not None and records is not None:
        raise Problem(400, "request", "Give facts or records", f"give at most one of '{label}' text and records")
    if records is not None:
        if len(records) > limit:
            raise Problem(413, "too-large", "Too many facts", f"{len(records)} records; at most {limit} per request")
        return base.facts_from_records(records, file=f"<{label}>")
    if not text:
        return []
    facts = base.facts_from_text(text, file=f"<{label}>")
    if len(facts) > limit:
        raise Problem(413, "too-large", "Too many facts", f"{len(facts)} facts; at most {limit} per request")
    return facts


# ---------------------------------------------------------------------------------------- the app

class _BodyLimit:
    """Refuse a request body over ``limit`` bytes with 413 before the app reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(scope, receive, send, 0)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit and more:
                return await self._refuse(scope, receive, send, size)
            if size > self.limit:
                return await self._refuse(scope, None, send, size)
        body = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send, read: int) -> None:
        # read (and drop) what the client is still sending, up to a bound, so that it sees the
        # answer rather than a connection reset in the middle of its upload
        while receive is not None and read < 8 * self.limit:
            message = await receive()
            read += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        p = Problem(413, "too-large", "Request body too large", f"the body is over the limit of {self.limit} bytes")
        data = json.dumps(p.body(scope.get("path", ""))).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(data)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": data})


def create_app(settings: Settings | None = None, pool: EnginePool | None = None) -> ASGIApp:
    """The ASGI app (the FastAPI app behind the body-size limit). Its engine pool starts with
    the app (one engine per thread, warmed), unless one is given."""
    settings = settings or Settings.from_env()
    state: dict[str, EnginePool] = {}

    def warm(base: KnowledgeBase) -> None:
        base.ask("ks_c3_experience_stars_ok(acme)", facts=base.facts_from_text("ks_experience_stars(acme, 4.5)."))
        base.ask("can store acme join kuaishou distribution?")

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state["pool"] = pool if pool is not None else await asyncio.to_thread(EnginePool, None, settings.threads, warm)
        yield
        if pool is None:
            state["pool"].close()

    # no /docs or /redoc: their pages load scripts from a CDN, and the server must work offline
    app = FastAPI(title="Guize", version=API_VERSION, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Chinese e-commerce platform rules answered with proofs. Every answer is a "
                              "`guize.answer/1` object; every error an RFC 9457 problem.")

    async def run(fn: Callable[[KnowledgeBase], Any]) -> Any:
        future = state["pool"].run(fn)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), settings.timeout)
        except TimeoutError:
            future.cancel()  # dropped if still queued; an engine already on it finishes in the background
            raise Problem(408, "timeout", "The request took too long",
                          f"no answer within {settings.timeout:g} s; the request was abandoned") from None

    def answered(fn: Callable[[KnowledgeBase], Any]) -> Callable[[], Awaitable[JSONResponse]]:
        async def call() -> JSONResponse:
            return JSONResponse(await run(fn))
        return call

    # ---- errors
    @app.exception_handler(Problem)
    async def _problem(request: Request, e: Problem) -> JSONResponse:
        return _problem_response(e, request)

    @app.exception_handler(KbError)
    async def _kb_error(request: Request, e: KbError) -> JSONResponse:
        return _problem_response(problem_of(e), request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        errors = [{"file": "<request>", "line": None, "column": None, "field": ".".join(map(str, x.get("loc", ()))),
                   "message": x.get("msg", ""), "hint": None} for x in e.errors()]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return _problem_response(Problem(422, "request", "The request does not match its schema",
                                         f"{first['field']}: {first['message']}", errors), request)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, e: HTTPException) -> JSONResponse:
        return _problem_response(Problem(e.status_code, "http", str(e.detail), str(e.detail)), request)

    @app.exception_handler(Exception)
    async def _bug(request: Request, e: Exception) -> JSONResponse:
        return _problem_response(Problem(500, "internal", "Internal error",
                                         f"{type(e).__name__}: {e} (please report it)"), request)

    answer_ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/GuizeAnswer"}}},
                  "description": "a guize.answer/1 object"}
    problem_ref = {"content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                   "description": "an RFC 9457 problem"}
    errors: dict[int | str, dict[str, Any]] = {400: problem_ref, 408: problem_ref, 413: problem_ref, 422: problem_ref}

    # ---- questions
    @app.post("/v1/ask", response_class=JSONResponse, responses={200: answer_ref, **errors},
              summary="Answer a question or goal with its proof or why-not")
    async def ask(body: AskRequest) -> Response:
        text = _question(body)

        def work(base: KnowledgeBase) -> dict[str, Any]:
            from kb.render import answer_json

            facts = _facts(base, body.facts, body.records, "facts", settings.max_facts)
            ans = base.ask(text, facts=facts, as_of=body.as_of, lang=body.lang)
            return answer_json(ans, base.program, body.lang, body.full)

        return await answered(work)()

    @app.post("/v1/what-if", response_class=JSONResponse, responses={200: answer_ref, **errors},
              summary="Answer as if some facts were different (the stated facts are not changed)")
    async def what_if(body: WhatIfRequest) -> Response:
        text = _question(body)

        def work(base: KnowledgeBase) -> dict[str, Any]:
            return _what_if(base, body, text, settings.max_facts)

        return await answered(work)()

    @app.post("/v1/what-needed", response_class=JSONResponse, responses={200: answer_ref, **errors},
              summary="The smallest verified set of changes that turns the answer into yes")
    async def what_needed(body: WhatNeededRequest) -> Response:
        text = _question(body)

        def work(base: KnowledgeBase) -> dict[str, Any]:
            from kb.render import answer_json

            facts = _facts(base, body.facts, body.records, "facts", settings.max_facts)
            ans = base.what_needed(text, facts, as_of=body.as_of, lang=body.lang)
            return answer_json(ans, base.program, body.lang)

        return await answered(work)()

    # ---- the rules
    @app.get("/v1/vocab", summary="What can be stated (inputs) and asked (predicates)")
    async def vocab() -> JSONResponse:
        from kb.vocab import vocabulary

        return JSONResponse(vocabulary(state["pool"].program))

    @app.get("/v1/rules/{clause_id}", summary="One clause: its text, quotes and readings")
    async def rule(clause_id: str) -> JSONResponse:
        data = page.clause_json(state["pool"].program, clause_id)
        if data is None:
            raise Problem(404, "not-found", "No such clause", f"no clause has the id {clause_id!r}")
        return JSONResponse(data)

    @app.get("/v1/sources/{doc}", summary="A source document with the passages the clauses quote marked")
    async def source(doc: str) -> JSONResponse:
        data = page.source_json(state["pool"].program, doc)
        if data is None:
            raise Problem(404, "not-found", "No such source", f"no clause cites a document {doc!r}")
        return JSONResponse(data)

    @app.get("/v1/health", summary="Liveness and what this process serves")
    async def health() -> JSONResponse:
        p = state["pool"]
        return JSONResponse({"status": "ok", "schema": "guize.answer/1", "api": API_VERSION,
                             "engines": p.threads, "clauses": len(p.program.clauses),
                             "limits": {"timeout_s": settings.timeout, "max_body_bytes": settings.max_body,
                                        "max_facts": settings.max_facts, "max_question_chars": MAX_QUESTION}})

    # ---- the explanation page
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page.index_html())

    @app.post("/page/explain", include_in_schema=False)
    async def explain(body: PageRequest) -> JSONResponse:
        text = _question(body)

        def work(base: KnowledgeBase) -> dict[str, Any]:
            from kb.render import answer_json

            facts = _facts(base, body.facts, body.records, "facts", settings.max_facts)
            if body.changes or body.change_records:
                changes = _facts(base, body.changes, body.change_records, "changes", settings.max_facts)
                ans = base.what_if(text, facts, changes, as_of=body.as_of, lang=body.lang)
            else:
                ans = base.ask(text, facts=facts, as_of=body.as_of, lang=body.lang)
            head, rest = page.result_parts(ans, base.program, body.lang)
            return {"answer": answer_json(ans, base.program, body.lang), "head": head, "html": rest,
                    "whatif": page.whatif_html(ans, facts, base.program)}

        return await answered(work)()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            comps.update(COMPONENTS)
            comps["Problem"] = PROBLEM_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI documents this override of the spec
    return _BodyLimit(app, settings.max_body)


def _what_if(base: KnowledgeBase, body: WhatIfRequest, text: str, limit: int) -> dict[str, Any]:
    from kb.render import answer_json

    facts = _facts(base, body.facts, body.records, "facts", limit)
    if body.changes is None and body.change_records is None:
        raise Problem(400, "request", "Give the changes",
                      "give 'changes' (facts text) or 'change_records'; or ask the what-if in words at /v1/ask")
    changes = _facts(base, body.changes, body.change_records, "changes", limit)
    ans = base.what_if(text, facts, changes, as_of=body.as_of, lang=body.lang)
    return answer_json(ans, base.program, body.lang)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "description": "RFC 9457 problem details; errors carry what the CLI's Error: lines carry",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "file": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]}, "field": {"type": "string"},
            "message": {"type": "string"}, "hint": {"type": ["string", "null"]}}}}},
}


def app_factory() -> ASGIApp:
    """For uvicorn's worker processes (``--workers N``): the settings come from the environment."""
    return create_app(Settings.from_env())


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, settings: Settings | None = None) -> int:
    """Run the server until interrupted (what `kb serve` does)."""
    import uvicorn

    settings = settings or Settings()
    os.environ.update(settings.to_env())
    uvicorn.run("repl.server:app_factory", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    return 0

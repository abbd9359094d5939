"""An OpenAI-compatible HTTP server for the lessons' model, on FastAPI + uvicorn.

    python -m lesson_utils serve                      # http://127.0.0.1:8000/v1
    client = openai.OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="unused")
    client.chat.completions.create(model="SmolLM2-135M-Instruct", messages=[...])

Endpoints: GET /health, GET /v1/models, POST /v1/chat/completions (plain, or streamed as server-sent
events). What each request field does is in protocol.py; the shared decoding in engine.py; JSON and
tool calls under a grammar in constrained.py.

Faults on purpose (for notebook 10's lesson on retries): Faults(rate=0.3, seed=0) makes that share of
requests, drawn in arrival order from that seed, fail with 429 or 500, or stall mid-stream.
The model's output is only ever text sent back: nothing here evaluates it.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import socket
import threading
import time
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..llm.chat_model import ChatModel
from . import chat_format
from .constrained import Constraint, json_grammar, tool_grammar
from .engine import Delta, Engine, Failed, Finished, Job
from .protocol import MODEL_ID, APIError, ChatRequest, bad, parse_json, parse_request

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Faults:
    """Make a share `rate` of requests fail on purpose, drawn in arrival order from `seed`."""

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = ("429", "500", "stall")
    stall_seconds: float = 30.0

    def __post_init__(self):
        if not 0 <= self.rate <= 1:
            raise ValueError(f"the fault rate must be between 0 and 1, got {self.rate}")
        unknown = set(self.kinds) - {"429", "500", "stall"}
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds are 429, 500 and stall; got {sorted(self.kinds)}")
        self._random, self._lock = random.Random(self.seed), threading.Lock()

    def draw(self) -> str | None:
        with self._lock:
            hit = self._random.random() < self.rate
            kind = self._random.choice(self.kinds)
        return kind if hit else None


def create_app(
    lm: ChatModel,
    *,
    api_key: str | None = None,
    max_batch: int = 16,
    max_waiting: int = 64,
    timeout_seconds: float = 120.0,
    faults: Faults | None = None,
) -> FastAPI:
    """The FastAPI application; the engine (one thread, the model) runs while the app does."""
    engine: dict[str, Engine] = {}

    async def lifespan(app):
        engine["now"] = Engine(lm, max_batch=max_batch, max_waiting=max_waiting)
        yield
        await asyncio.to_thread(engine["now"].close)

    app = FastAPI(title="lesson_utils: SmolLM2-135M-Instruct, OpenAI-compatible", lifespan=lifespan)
    app.state.engine = engine

    @app.exception_handler(APIError)
    async def api_error(request, error: APIError):
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, error):
        message = {
            404: f"there is no {request.url.path} here; the API is at /v1 (/v1/chat/completions, /v1/models)",
            405: f"{request.method} is not allowed on {request.url.path}",
        }
        return JSONResponse(
            APIError(
                error.status_code,
                message.get(error.status_code, str(error.detail)),
                code="not_found" if error.status_code == 404 else None,
            ).body(),
            status_code=error.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request, error):
        first = error.errors()[0]
        return JSONResponse(bad(first["msg"], ".".join(map(str, first["loc"]))).body(), status_code=400)

    @app.middleware("http")
    async def check_key(request: Request, call_next):
        if api_key is not None and request.url.path.startswith("/v1"):
            if request.headers.get("authorization", "") != f"Bearer {api_key}":
                error = APIError(
                    401,
                    "a valid API key is needed: send the header Authorization: Bearer <key>",
                    code="invalid_api_key",
                )
                return JSONResponse(error.body(), status_code=401)
        return await call_next(request)

    @app.get("/health")
    async def health():
        now = engine["now"]
        return {"status": "ok", "model": MODEL_ID, "waiting": len(now.waiting), "running": now.running}

    @app.get("/v1/models")
    async def models():
        return {"object": "list", "data": [_model_card()]}

    @app.get("/v1/models/{model_id}")
    async def model(model_id: str):
        if model_id != MODEL_ID:
            raise APIError(
                404,
                f"the model {model_id!r} does not exist here; the one model is {MODEL_ID!r}",
                "model",
                "model_not_found",
            )
        return _model_card()

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        chat = parse_request(parse_json(await request.body()))
        job, events = _job(chat, lm, asyncio.get_running_loop(), timeout_seconds)
        fault = faults.draw() if faults is not None and faults.rate > 0 else None
        if fault == "429":
            raise APIError(
                429,
                "rate limit reached (a fault the server was asked to make)",
                code="rate_limit",
                headers={"Retry-After": "1", "retry-after-ms": "200"},
            )
        if fault == "500":
            raise APIError(
                500, "the server had an error (a fault it was asked to make)", code="injected_fault"
            )
        engine["now"].submit(job)
        stall = faults.stall_seconds if fault == "stall" else 0.0
        reply = Answer(chat, job, events, len(job.prompt))
        if chat.stream:
            return StreamingResponse(
                reply.stream(request, stall),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache"},
            )
        return await reply.whole(request, stall)

    return app


def _model_card() -> dict:
    return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "lesson_utils"}


def _job(chat: ChatRequest, lm: ChatModel, loop, timeout_seconds: float) -> tuple[Job, asyncio.Queue]:
    """The engine's job for a checked request, and the queue its events arrive on."""
    tokenizer, window = lm.tokenizer, lm.model.config.context_length
    prompt = chat_format.encode(tokenizer, chat.messages, chat.tools, chat.tool_choice)
    if len(prompt) >= window:
        raise bad(
            f"this model's context window is {window} tokens, but the messages take {len(prompt)}; "
            "drop the oldest turns or shorten them",
            "messages",
            "context_length_exceeded",
        )
    max_tokens = chat.max_tokens
    if chat.max_tokens_given and len(prompt) + max_tokens > window:
        raise bad(
            f"{len(prompt)} prompt tokens + max_tokens {max_tokens} exceed the context window of {window}; "
            f"ask for at most {window - len(prompt)}",
            "max_tokens",
            "context_length_exceeded",
        )
    max_tokens = min(max_tokens, window - len(prompt))
    constraint = None
    if chat.tools and chat.tool_choice != "none":
        constraint = Constraint(tool_grammar(chat.tools, chat.tool_choice, tokenizer), tokenizer)
    elif chat.response_format != "text":
        constraint = Constraint(json_grammar(chat.schema, tokenizer), tokenizer)
    events: asyncio.Queue = asyncio.Queue()
    job = Job(
        prompt,
        max_tokens,
        emit=lambda event: loop.call_soon_threadsafe(events.put_nowait, event),
        temperature=chat.temperature,
        top_p=chat.top_p,
        seed=chat.seed,
        stop=chat.stop,
        top_logprobs=chat.top_logprobs if chat.logprobs else None,
        constraint=constraint,
        deadline=time.monotonic() + timeout_seconds,
    )
    return job, events


class Answer:
    """One request's reply, from the engine's events to OpenAI's JSON: whole, or chunk by chunk."""

    def __init__(self, chat: ChatRequest, job: Job, events: asyncio.Queue, prompt_tokens: int):
        self.chat, self.job, self.events, self.prompt_tokens = chat, job, events, prompt_tokens
        self.id, self.created = f"chatcmpl-{secrets.token_hex(12)}", int(time.time())
        self.tool_mode = bool(chat.tools) and chat.tool_choice != "none"

    async def _next(self, request: Request):
        """The engine's next event; cancels the job if the client has gone away meanwhile."""
        while True:
            try:
                return await asyncio.wait_for(self.events.get(), timeout=0.5)
            except TimeoutError:
                if await request.is_disconnected():
                    self.job.cancel()
                    raise asyncio.CancelledError from None

    def _usage(self, completion: int) -> dict:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }

    def _message(self, text: str, reason: str) -> tuple[dict, str]:
        call = chat_format.read_tool_call(text) if self.tool_mode else None
        if call is not None:
            return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        return {"role": "assistant", "content": text}, reason

    async def whole(self, request: Request, stall: float) -> JSONResponse:
        if stall:
            await asyncio.sleep(stall)
        text, tokens = [], []
        try:
            while True:
                event = await self._next(request)
                if isinstance(event, Delta):
                    text.append(event.text)
                    tokens += event.tokens
                elif isinstance(event, Failed):
                    raise event.error
                else:
                    break
        finally:
            self.job.cancel()  # a no-op once finished; frees the slot if anything went wrong
        message, reason = self._message("".join(text), event.reason)
        choice = {
            "index": 0,
            "message": message,
            "logprobs": _logprobs(tokens) if self.chat.logprobs else None,
            "finish_reason": reason,
        }
        return JSONResponse(
            {
                "id": self.id,
                "object": "chat.completion",
                "created": self.created,
                "model": MODEL_ID,
                "choices": [choice],
                "usage": self._usage(event.completion_tokens),
            }
        )

    def _chunk(self, delta: dict, reason: str | None = None, logprobs=None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": reason}
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL_ID,
            "choices": [choice],
        }
        if self.chat.include_usage:
            body["usage"] = None
        return f"data: {json.dumps(body)}\n\n"

    async def stream(self, request: Request, stall: float):
        held = []  # with tools the reply is a call or not: known at the end
        try:
            yield self._chunk({"role": "assistant", "content": ""})
            if stall:
                await asyncio.sleep(stall)
                return  # a stalled stream ends without [DONE]
            while True:
                event = await self._next(request)
                if isinstance(event, Failed):
                    yield f"data: {json.dumps(event.error.body())}\n\n"
                    return
                if isinstance(event, Finished):
                    break
                if self.tool_mode:
                    held.append(event.text)
                elif event.text or event.tokens:
                    logprobs = _logprobs(event.tokens) if self.chat.logprobs else None
                    yield self._chunk({"content": event.text}, logprobs=logprobs)
            reason = event.reason
            if self.tool_mode:
                message, reason = self._message("".join(held), reason)
                if message["content"] is None:
                    call = dict(message["tool_calls"][0], index=0)
                    yield self._chunk({"tool_calls": [call]})
                else:
                    yield self._chunk({"content": message["content"]})
            yield self._chunk({}, reason)
            if self.chat.include_usage:
                usage = {
                    "id": self.id,
                    "object": "chat.completion.chunk",
                    "created": self.created,
                    "model": MODEL_ID,
                    "choices": [],
                    "usage": self._usage(event.completion_tokens),
                }
                yield f"data: {json.dumps(usage)}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            self.job.cancel()


def _logprobs(tokens) -> dict:
    return {
        "content": [
            {
                "token": t.token,
                "logprob": t.logprob,
                "bytes": t.bytes,
                "top_logprobs": [{"token": s, "logprob": v, "bytes": b} for s, b, v in t.top],
            }
            for t in tokens
        ]
    }


class BackgroundServer:
    """The server in a thread of this process, on a free port of 127.0.0.1: what notebook 10 and the tests
    start and stop themselves.

        with BackgroundServer(lm) as server:
            client = openai.OpenAI(base_url=server.url, api_key="unused")
    """

    def __init__(self, lm: ChatModel, **options):
        import uvicorn

        self.app = create_app(lm, **options)
        self._socket = socket.create_server(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/v1"
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=5)
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def engine(self) -> Engine:
        return self.app.state.engine["now"]

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start; see the messages above")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(
    lm: ChatModel, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None, **options
) -> None:
    """Run the server until Ctrl-C. Another address than this computer's needs an API key."""
    import uvicorn

    if host not in LOCAL_HOSTS and not api_key:
        raise ValueError(
            f"--host {host} lets other computers reach the model; give --api-key KEY too "
            "(clients then send Authorization: Bearer KEY)"
        )
    uvicorn.run(create_app(lm, api_key=api_key, **options), host=host, port=port, log_level="warning")

"""Simulated marking tablets and the faulty venue network between them and the server (asyncio, stdlib only).

A tablet behaves like ``static/tablet/tablet.js``: every mark gets a client-generated id and goes into the
tablet's local queue first; one sender per tablet posts the pending marks, oldest first, in batches, to
``POST /api/v1/marks/sync`` and keeps each mark queued until the server answers for it (``accepted`` or
``duplicate`` acknowledge it, ``refused`` and ``conflict`` end it); any failure (connection refused or reset,
timeout, an answer other than 200) is retried after a pause. The judge marks their panel's contestants
aspect by aspect with pauses, sometimes corrects a mark at once or later, and now and then types a value
out of range (the server must refuse it; the judge then types a valid one).

:class:`FaultyNetwork` sits in the client, between a tablet and the server: it drops requests (never sent),
drops responses after the server processed them, delays requests and responses, and sends some requests
twice, the copy later (a retransmission arriving out of order)."""
from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

SYNC_PATH = "/api/v1/marks/sync"
TOKEN_PATH = "/api/v1/auth/token"
BATCH = 500  # as the tablet page


class Fault(Exception):
    """A failure the fault injector made (the tablet sees it as a network error)."""


class HttpError(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:200]!r}")
        self.status = status


async def http(port: int, method: str, path: str, *, body: dict | None = None, headers: dict | None = None,
               timeout: float = 10.0) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a fresh loopback connection (``Connection: close``); (status, body)."""
    async def exchange() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            payload = json.dumps(body).encode() if body is not None else b""
            head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
                    f"Content-Length: {len(payload)}"]
            if body is not None:
                head.append("Content-Type: application/json")
            head += [f"{name}: {value}" for name, value in (headers or {}).items()]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        head_end = raw.find(b"\r\n\r\n")
        if not raw.startswith(b"HTTP/1.") or head_end < 0:
            raise ConnectionError(f"incomplete response ({len(raw)} bytes)")
        status = int(raw.split(b" ", 2)[1])
        content = raw[head_end + 4:]
        for line in raw[:head_end].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and len(content) < int(value):
                raise ConnectionError("response cut short")
        return status, content
    return await asyncio.wait_for(exchange(), timeout)


@dataclass
class FaultRates:
    """Probabilities per sync request (each request gets at most one of drop/lose/delay, and maybe a copy)."""

    drop_request: float = 0.03    # never reaches the server; the tablet notices after a moment
    drop_response: float = 0.03   # the server processed it; the answer never reaches the tablet
    delay: float = 0.05           # 0.1–2 s more before the request or after the response
    duplicate: float = 0.03       # a copy reaches the server again 0–3 s later

    def scaled(self, factor: float) -> FaultRates:
        """Every rate times ``factor`` (0: a perfect network)."""
        return FaultRates(*(min(1.0, rate * factor) for rate in
                            (self.drop_request, self.drop_response, self.delay, self.duplicate)))


@dataclass
class NetworkStats:
    requests: int = 0
    ok: int = 0
    dropped_requests: int = 0
    dropped_responses: int = 0
    delayed: int = 0
    duplicated: int = 0
    connection_errors: int = 0
    timeouts: int = 0
    http_errors: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, answered sync requests, faults excluded


class FaultyNetwork:
    """The venue network: every tablet's sync goes through :meth:`sync`. Copies run as background tasks;
    :meth:`settle` waits for them (they may still change the database)."""

    def __init__(self, port: int, rates: FaultRates, *, timeout: float, seed: int) -> None:
        self.port, self.rates, self.timeout = port, rates, timeout
        self.rng = random.Random(seed)
        self.stats = NetworkStats()
        self.copies: set[asyncio.Task] = set()
        self.in_flight = 0  # requests on the wire now (to show that a kill hit requests being served)
        # Client ids in requests the server may process after the tablet moved on: for the report of a loss.
        self.copied_ids: set[str] = set()
        self.timed_out_ids: set[str] = set()

    async def _send(self, body: dict, headers: dict) -> tuple[int, bytes]:
        self.stats.requests += 1
        started = time.perf_counter()
        self.in_flight += 1
        try:
            status, content = await http(self.port, "POST", SYNC_PATH, body=body, headers=headers,
                                         timeout=self.timeout)
        except TimeoutError:
            self.stats.timeouts += 1
            self.timed_out_ids.update(m["client_id"] for m in body["marks"])
            raise
        except OSError:
            self.stats.connection_errors += 1
            raise
        finally:
            self.in_flight -= 1
        if status == 200:
            self.stats.ok += 1
            self.stats.latencies.append(time.perf_counter() - started)
        else:
            self.stats.http_errors[status] = self.stats.http_errors.get(status, 0) + 1
        return status, content

    async def _copy(self, body: dict, headers: dict) -> None:
        await asyncio.sleep(self.rng.uniform(0, 3))
        try:
            await self._send(body, headers)
        except (OSError, TimeoutError):
            pass

    async def sync(self, token: str, device: str, marks: list[dict]) -> list[dict]:
        """Post a batch; the server's per-mark results, or raise (Fault, OSError, TimeoutError, HttpError)."""
        body = {"marks": marks}
        headers = {"Authorization": f"Bearer {token}", "X-Device-Id": device}
        rates, roll = self.rates, self.rng.random()
        if self.rng.random() < rates.duplicate:
            self.stats.duplicated += 1
            self.copied_ids.update(m["client_id"] for m in marks)
            task = asyncio.create_task(self._copy(body, headers))
            self.copies.add(task)
            task.add_done_callback(self.copies.discard)
        if roll < rates.drop_request:
            self.stats.dropped_requests += 1
            await asyncio.sleep(self.rng.uniform(0.2, 1.0))
            raise Fault("request dropped")
        roll -= rates.drop_request
        delayed = roll < rates.delay
        if delayed:
            self.stats.delayed += 1
            if self.rng.random() < 0.5:
                await asyncio.sleep(self.rng.uniform(0.1, 2.0))
                delayed = False
        status, content = await self._send(body, headers)
        if delayed:
            await asyncio.sleep(self.rng.uniform(0.1, 2.0))
        elif rates.delay <= roll < rates.delay + rates.drop_response:
            self.stats.dropped_responses += 1
            raise Fault("response dropped")
        if status != 200:
            raise HttpError(status, content)
        return json.loads(content)["results"]

    async def settle(self) -> None:
        while self.copies:
            await asyncio.gather(*list(self.copies), return_exceptions=True)


@dataclass
class QueuedMark:
    """A mark in the tablet's local queue (what IndexedDB holds on a real tablet)."""

    client_id: str
    seq: int
    entry_id: int
    aspect_id: int
    value: str
    client_time: str
    made_at: float
    valid: bool                   # False: typed out of range on purpose, the server must refuse it
    status: str = "pending"       # pending | synced | refused | conflict
    answer: str | None = None     # accepted | duplicate | refused | conflict (the server's last word)
    code: str | None = None
    acked_at: float | None = None
    attempts: int = 0             # times the tablet put it in a request

    @property
    def cell(self) -> tuple[int, int]:
        return self.entry_id, self.aspect_id

    def wire(self) -> dict:
        return {"client_id": self.client_id, "entry_id": self.entry_id, "aspect_id": self.aspect_id,
                "value": self.value, "client_time": self.client_time}


@dataclass(frozen=True)
class Pace:
    """How the judges work, in seconds (compressed: a real judge takes longer between marks)."""

    think: float = 5.0            # mean pause between two marks
    correct_now: float = 0.05     # share of marks corrected at once (a slip of the finger)
    revisit: float = 0.02         # share of marks followed by a change to an earlier mark
    invalid: float = 0.01         # share of marks typed out of range first
    retry: tuple[float, float] = (1.0, 3.0)  # pause after a failed sync


class Tablet:
    def __init__(self, plan: dict, network: FaultyNetwork, pace: Pace, seed: int) -> None:
        self.plan, self.network, self.pace = plan, network, pace
        self.name = plan["name"]
        self.rng = random.Random(seed)
        self.token = ""
        self.queue: list[QueuedMark] = []
        self.wake = asyncio.Event()
        self.done_marking = False
        self.seq = 0
        self.failures = 0

    # --- the judge ----------------------------------------------------------------------------------
    def _value(self, aspect: dict, *, avoid: str | None = None) -> str:
        for _ in range(10):
            if aspect["kind"] == "judgement":
                value = str(self.rng.choice((0, 1, 2, 2, 3)))
            else:
                value = str((Decimal(aspect["max_mark"]) * Decimal(self.rng.randint(40, 100)) / 100)
                            .quantize(Decimal("0.01")))
            if value != avoid:
                return value
        return value

    def _mark(self, entry_id: int, aspect: dict, value: str, *, valid: bool = True) -> QueuedMark:
        self.seq += 1
        mark = QueuedMark(str(uuid.uuid4()), self.seq, entry_id, aspect["id"], value,
                          datetime.now(UTC).isoformat(), time.monotonic(), valid)
        self.queue.append(mark)
        self.wake.set()
        return mark

    async def _pause(self, mean: float) -> None:
        await asyncio.sleep(self.rng.uniform(0.3 * mean, 1.7 * mean))

    async def judge(self, until: float) -> None:
        """Mark the panel's contestants aspect by aspect until ``until`` (loop time), then review earlier marks."""
        entries = list(self.plan["entry_ids"])
        start = self.rng.randrange(len(entries))
        cells = [(e, a) for e in entries[start:] + entries[:start] for a in self.plan["aspects"]]
        last: dict[tuple[int, int], str] = {}
        loop = asyncio.get_running_loop()
        position = 0
        try:
            while loop.time() < until:
                await self._pause(self.pace.think)
                if loop.time() >= until:
                    break
                if position < len(cells):
                    entry_id, aspect = cells[position]
                    position += 1
                else:  # every cell marked: the judge reviews and changes some
                    entry_id, aspect = self.rng.choice(cells)
                key = (entry_id, aspect["id"])
                if self.rng.random() < self.pace.invalid:
                    self._mark(entry_id, aspect, str(Decimal(aspect["max_mark"]) + 5), valid=False)
                    await self._pause(self.pace.think / 2)
                last[key] = self._mark(entry_id, aspect, self._value(aspect, avoid=last.get(key))).value
                if self.rng.random() < self.pace.correct_now:
                    await asyncio.sleep(self.rng.uniform(0.2, 1.5))
                    last[key] = self._mark(entry_id, aspect, self._value(aspect, avoid=last[key])).value
                if self.rng.random() < self.pace.revisit and len(last) > 1:
                    entry_id, aspect_id = self.rng.choice(list(last))
                    aspect = next(a for a in self.plan["aspects"] if a["id"] == aspect_id)
                    await self._pause(self.pace.think / 2)
                    last[(entry_id, aspect_id)] = self._mark(
                        entry_id, aspect, self._value(aspect, avoid=last[(entry_id, aspect_id)])).value
        finally:
            self.done_marking = True
            self.wake.set()

    # --- the sender ---------------------------------------------------------------------------------
    def pending(self) -> list[QueuedMark]:
        return [m for m in self.queue if m.status == "pending"]

    async def send(self) -> None:
        """Send the queue until the judge has stopped and nothing is pending."""
        while True:
            batch = self.pending()[:BATCH]
            if not batch:
                if self.done_marking:
                    return
                self.wake.clear()
                await self.wake.wait()
                continue
            for mark in batch:
                mark.attempts += 1
            try:
                results = await self.network.sync(self.token, self.name, [m.wire() for m in batch])
            except (Fault, HttpError, OSError, TimeoutError, ValueError, KeyError):
                self.failures += 1
                await asyncio.sleep(self.rng.uniform(*self.pace.retry))
                continue
            by_id = {m.client_id: m for m in batch}
            now = time.monotonic()
            for result in results:
                mark = by_id.get(result["client_id"])
                if mark is None or mark.status != "pending":
                    continue
                mark.answer, mark.code = result["status"], result.get("code")
                mark.status = "synced" if result["status"] in ("accepted", "duplicate") else result["status"]
                if mark.status == "synced":
                    mark.acked_at = now

    async def sign_in(self, port: int, password: str) -> None:
        """Fetch the bearer token through the API (no faults: the day has not started)."""
        for attempt in range(30):
            try:
                status, content = await http(port, "POST", TOKEN_PATH, timeout=30, body={
                    "username": self.plan["username"], "password": password, "device": self.name})
            except (OSError, TimeoutError):
                status, content = 0, b""
            if status == 201:
                self.token = json.loads(content)["token"]
                return
            await asyncio.sleep(0.5 + attempt * 0.2)
        raise RuntimeError(f"{self.name}: no token ({status} {content[:200]!r})")

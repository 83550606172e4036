"""The web board of one zone in Chromium hears its zone's part of the hall and `seq_skipped`
for the other steps of the log (a run of them as one), a commit's messages as one bundle: it asks for no catch-up while nothing is lost, and for
exactly one when a step's frames are lost on the way (dropped here between the page and its
server with Playwright's websocket routing)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import WebSocketRoute, expect

from protocol import live as wire
from tests.web.test_board import board_page, first_item, hall, open_board, signed_in, speaking_browser  # noqa: F401

UPSTAIRS = "2F"


class Frames:
    """Stands between a page and its live connection: forwards every frame, except the
    server's live frames of one step of the log (`lost`) until the page asks to catch up, and
    keeps the page's resyncs."""

    def __init__(self):
        self.lost: int | None = None
        self.dropped: list[str] = []
        self.heard: list[str] = []   # the names of the events the page was given
        self.resyncs: list[dict] = []

    def route(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()
        page_side.on_message(lambda frame: self.to_server(frame, server_side))
        server_side.on_message(lambda frame: self.to_page(frame, page_side))

    def to_server(self, frame: str | bytes, server_side: WebSocketRoute) -> None:
        event = socketio_event(frame)
        if event is not None and event[0] == wire.RESYNC:
            self.resyncs.append(event[1])
        server_side.send(frame)

    def to_page(self, frame: str | bytes, page_side: WebSocketRoute) -> None:
        event = socketio_event(frame)
        inside = messages_of(event) if event is not None else []
        if inside and any(payload.get("seq") == self.lost for _, payload in inside) \
                and not self.resyncs:   # the replay gets through
            self.dropped += [name for name, _ in inside]
            return
        self.heard += [name for name, _ in inside]
        page_side.send(frame)


def messages_of(event: list) -> list[tuple[str, dict]]:
    """The live messages of an event frame: a bundle's, taken apart, or the message itself
    (a snapshot is none: it is not a step)."""
    name, payload = event[0], event[1] if len(event) > 1 else None
    if not isinstance(payload, dict) or name == wire.HALL_SNAPSHOT:
        return []
    if name == wire.BUNDLE:
        return [(inner, message) for inner, message in payload["messages"]]
    return [(name, payload)]


def socketio_event(frame: str | bytes) -> list | None:
    """[name, payload] of a Socket.IO event frame ("42[...]", with or without an ack id)."""
    if not isinstance(frame, str):
        return None
    found = re.match(r"42\d*(\[.*\])$", frame, re.S)
    return json.loads(found.group(1)) if found else None


def test_a_zone_board_follows_every_step_and_catches_up_once_on_a_lost_one(hall, board_page) -> None:
    upstairs = [w["number"] for w in hall.request("GET", "/hall")["windows"] if w["zone"] == UPSTAIRS][:2]
    downstairs = next(w["number"] for w in hall.request("GET", "/hall")["windows"] if w["zone"] != UPSTAIRS)
    tokens = {n: signed_in(hall, n) for n in (*upstairs, downstairs)}
    frames = Frames()
    board = board_page()
    board.route_web_socket(re.compile(r".*/socket\.io/.*"), frames.route)
    open_board(board, hall, f"&zone={UPSTAIRS}")

    def call(window: int) -> dict:
        hall.issue(first_item(hall, window))
        return hall.request("POST", f"/windows/{window}/call-next", tokens[window])["ticket"]

    call(downstairs)   # steps of another zone reach the board as skips
    heard = call(upstairs[0])
    expect(board.locator("#now-number")).to_have_text(heard["number"])
    assert frames.resyncs == [], "no gap while every step arrives"
    assert wire.SEQ_SKIPPED in frames.heard and wire.TICKET_ISSUED not in frames.heard

    hall.issue(first_item(hall, upstairs[1]))
    frames.lost = hall.request("GET", "/hall")["seq"] + 1   # the next step: the call
    missed = hall.request("POST", f"/windows/{upstairs[1]}/call-next", tokens[upstairs[1]])["ticket"]
    hall.issue(first_item(hall, upstairs[0]))   # the step after it, upstairs' too, shows the gap
    expect(board.locator("#now-number")).to_have_text(missed["number"])
    assert wire.TICKET_CALLED in frames.dropped
    assert frames.resyncs == [{"since": frames.lost - 1}], "one catch-up, from the step before the lost one"

"""The board's widgets, offscreen: what is drawn, the blink, the link mark, no personal data."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from display.presenter import Presenter
from display.widgets import NUMBER, BoardWidget, grid_shape

from . import messages as m

WALL = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


def presenter_with_calls() -> Presenter:
    presenter = Presenter(blink_seconds=8, recent_count=4)
    presenter.snapshot(m.snapshot(10, [
        m.window(1, current=(1, "A001", "serving"), clerk="王芳"), m.window(2, clerk="李伟"),
        m.window(3, status="paused", nearest_open=1), m.window(4, status="closed", clerk=None)],
        services=[m.service("A01", 7, [1, 2])]))
    presenter.message("ticket_called", m.called(11, 5, "A005", 2), now=100.0)
    presenter.message("ticket_called", m.called(12, 6, "A006", 1), now=100.0)
    return presenter


@pytest.fixture(params=[False, True], ids=["landscape", "portrait"])
def board(qtbot, request):
    widget = BoardWidget(portrait=request.param)
    qtbot.addWidget(widget)
    return widget


def draw(board: BoardWidget, presenter: Presenter, now: float, flash: bool = False):
    board.show_view(presenter.view(now, WALL), flash=flash)
    return board.grab().toImage()


def test_the_board_draws_calls_windows_items_notice_and_clock(board):
    texts = draw(board, presenter_with_calls(), 100.0) and board.texts()
    for expected in ("A006", "请到 1 号窗口", "A005", "→ 2 号窗口", "1号", "办理中", "A001", "空闲",
                     "暂停服务", "请到 1 号窗口", "未开放", "企业设立登记", "7 人", "约 5–15 分钟",
                     "10:00:00", "2026-11-26 星期四", "测试大厅", "窗口  Windows"):
        assert expected in texts, expected
    assert any("请保管好随身物品" in t for t in texts)


def test_the_board_shows_no_clerk_names(board):
    draw(board, presenter_with_calls(), 100.0)
    assert not [t for t in board.texts() if "王芳" in t or "李伟" in t or "G100" in t]


def test_the_newest_call_blinks_then_stays_still(board):
    presenter = presenter_with_calls()
    bright = draw(board, presenter, 100.0, flash=True)
    dark = draw(board, presenter, 100.0, flash=False)
    assert bright != dark
    after = draw(board, presenter, 200.0, flash=True)   # the blink is over: flash is ignored
    assert after == draw(board, presenter, 200.0, flash=False)


def test_the_link_mark_shows_only_while_disconnected(board):
    presenter = presenter_with_calls()
    draw(board, presenter, 100.0)
    assert "● 连接中断 Reconnecting" not in board.texts()
    presenter.set_connected(False)
    draw(board, presenter, 100.0)
    assert "● 连接中断 Reconnecting" in board.texts()
    assert "A006" in board.texts()   # the last state stays on the board


def test_an_empty_hall_says_so(board):
    presenter = Presenter()
    presenter.snapshot(m.snapshot(1, [m.window(1, status="closed")]))
    draw(board, presenter, 0.0)
    assert "等候叫号  Waiting for the first call" in board.texts()
    assert "目前无人等候  No one waiting" in board.texts()


def test_the_newest_number_is_huge_for_readers_ten_metres_away(qtbot):
    board = BoardWidget()
    qtbot.addWidget(board)
    image = draw(board, presenter_with_calls(), 100.0)
    area = board.now_calling.geometry()
    yellow_rows = [y for y in range(area.top(), area.bottom(), 2)
                   if any(image.pixelColor(x, y) == NUMBER for x in range(area.left(), area.right(), 3))]
    assert board.size().width() == 1920
    assert max(yellow_rows) - min(yellow_rows) > 200   # glyph height in pixels on a 1080p screen


@pytest.mark.parametrize("count, shape", [(30, (6, 5)), (20, (5, 4)), (1, (1, 1))])
def test_window_cells_fill_the_area(count, shape):
    assert grid_shape(count, 1100, 540, aspect=1.7) == shape


def test_recent_calls_read_across_rows_newest_first() -> None:
    from display.widgets import recent_place
    assert [recent_place(i, 2, 2) for i in range(5)] == [(0, 0), (1, 0), (0, 1), (1, 1), None]
    assert [recent_place(i, 4, 2) for i in range(4)] == [(0, 0), (1, 0), (2, 0), (3, 0)]


def test_a_refused_token_fills_the_board_with_not_authorised_and_no_stale_hall(board):
    presenter = presenter_with_calls()
    draw(board, presenter, now=100.0)
    assert "A006" in board.texts()
    presenter.set_refused()
    image = draw(board, presenter, now=101.0)
    texts = board.texts()
    assert texts[0] == "未授权  Not authorised"
    assert not any("A00" in text for text in texts)
    middle = image.pixelColor(image.width() // 2, int(image.height() * 0.9))
    assert middle.name() == "#5c0a0a"   # the whole screen, not a mark in a corner

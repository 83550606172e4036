"""The client puts swapped live messages back in order and calls only a real loss a gap."""

from hypothesis import given, strategies as st

from client.seq_order import SeqOrder


def msg(seq, name="queue_changed"):
    return name, {"seq": seq}


def seqs(messages):
    return [payload["seq"] for _, payload in messages]


def test_a_swap_is_put_back_in_order_without_a_gap() -> None:
    order = SeqOrder(grace=0.25)
    assert seqs(order.message(*msg(10), now=0.0)) == [10]
    assert order.message(*msg(12), now=0.01) == []
    assert order.overdue(now=0.1) is None, "not yet: the missing one may be on its way"
    assert seqs(order.message(*msg(11), now=0.02)) == [11, 12]
    assert not order.holding and order.overdue(now=5.0) is None


def test_several_messages_of_one_event_share_its_seq() -> None:
    order = SeqOrder()
    order.message(*msg(5), now=0.0)
    out = order.message("ticket_called", {"seq": 6}, now=0.0) + order.message("window_changed", {"seq": 6}, now=0.0)
    assert [name for name, _ in out] == ["ticket_called", "window_changed"]
    assert not any(p.get("replayed") for _, p in out)


def test_a_real_loss_is_a_gap_after_the_grace_then_the_held_ones_follow() -> None:
    order = SeqOrder(grace=0.25)
    order.message(*msg(1), now=0.0)
    order.message(*msg(4), now=1.0)
    order.message(*msg(5), now=1.1)
    assert order.overdue(now=1.2) is None
    assert order.overdue(now=1.3) == (1, 3)
    assert seqs(order.caught_up(3, now=1.4)) == [4, 5]
    assert order.last == 5


def test_an_old_message_comes_marked_as_replayed() -> None:
    order = SeqOrder()
    order.message(*msg(7), now=0.0)
    (name, payload), = order.message(*msg(6), now=0.0)
    assert payload == {"seq": 6, "replayed": True}


def test_a_snapshot_covers_what_was_held_up_to_its_seq() -> None:
    order = SeqOrder()
    order.message(*msg(1), now=0.0)
    order.message(*msg(3), now=0.0)
    order.message(*msg(6), now=0.0)
    before, unblocked = order.snapshot(5, now=0.1)
    assert before == 1 and seqs(unblocked) == [6] and not order.holding


def test_messages_without_a_seq_pass_straight_through() -> None:
    order = SeqOrder()
    assert order.message("alert", {"level": "red"}, now=0.0) == [("alert", {"level": "red"})]


@given(st.permutations(list(range(2, 30))))
def test_any_arrival_order_is_handed_on_in_seq_order_once_each(arrival) -> None:
    order = SeqOrder(grace=10.0)
    order.message(*msg(1), now=0.0)
    out = []
    for seq in arrival:
        out += order.message(*msg(seq), now=0.0)
    assert seqs(out) == list(range(2, 30)) and not order.holding


def skip(seq: int) -> tuple[str, dict]:
    return "seq_skipped", {"seq": seq}


def test_a_rooms_messages_and_skips_go_in_order_by_the_halls_seq() -> None:
    order = SeqOrder()
    assert order.snapshot(10, 0.0) == (None, [])
    assert order.message(*msg(11, "ticket_called"), 0.0) == [msg(11, "ticket_called")]
    assert order.message(*msg(13, "queue_changed"), 0.0) == []   # 12 is on its way
    assert order.message(*skip(12), 0.0) == [skip(12), msg(13, "queue_changed")]
    assert order.last_seq == 13 and not order.holding


def test_a_rooms_real_gap_is_caught_up_by_seq() -> None:
    order = SeqOrder(grace=0.25)
    order.snapshot(10, 0.0)
    assert order.message(*skip(11), 0.0)
    assert order.message(*msg(15, "ticket_called"), 0.1) == []
    assert order.overdue(0.2) is None
    assert order.overdue(0.4) == (11, 14), "resync asks by the hall's seq"
    assert order.caught_up(14, 0.4) == [msg(15, "ticket_called")]
    assert order.last == 15 and order.last_seq == 15


def test_a_room_goes_on_by_seq_on_a_new_connection_to_another_process() -> None:
    order = SeqOrder()
    order.snapshot(10, 0.0)
    order.message(*msg(12, "ticket_called"), 0.0)   # held: 11 missing
    order.message(*skip(11), 0.0)
    # another process's snapshot: nothing counts afresh, what came before it is in it
    assert order.snapshot(14, 0.0) == (12, [])
    assert order.message(*skip(15), 0.0) == [skip(15)]
    assert order.message(*msg(16, "window_changed"), 0.0) == [msg(16, "window_changed")]


def run(first: int, last: int) -> tuple[str, dict]:
    return "seq_skipped", {"from": first, "seq": last}


def test_a_run_of_skipped_steps_counts_as_every_step_of_it() -> None:
    order = SeqOrder()
    order.snapshot(10, 0.0)
    assert order.message(*run(11, 14), 0.0) == [run(11, 14)]
    assert order.message(*msg(15, "ticket_called"), 0.0) == [msg(15, "ticket_called")]
    assert order.last == 15 and not order.holding


def test_a_run_that_comes_after_the_step_it_precedes_unblocks_it() -> None:
    order = SeqOrder(grace=0.25)
    order.snapshot(10, 0.0)
    assert order.message(*msg(15, "ticket_called"), 0.0) == []
    assert order.overdue(0.1) is None
    assert order.message(*run(11, 14), 0.1) == [run(11, 14), msg(15, "ticket_called")]
    assert order.last == 15 and not order.holding


def test_a_run_after_a_gap_is_held_and_the_gap_ends_where_the_run_begins() -> None:
    order = SeqOrder(grace=0.25)
    order.snapshot(10, 0.0)
    assert order.message(*run(13, 16), 0.0) == []
    assert order.overdue(0.3) == (10, 12), "11 and 12 were lost, 13 to 16 only skipped"
    assert order.caught_up(12, 0.3) == [run(13, 16)]
    assert order.last == 16


def test_a_run_reaching_past_a_snapshot_still_counts_after_it() -> None:
    order = SeqOrder()
    order.snapshot(10, 0.0)
    order.message(*run(12, 20), 0.0)                # held: 11 missing
    assert order.snapshot(15, 0.0)[1] == [run(12, 20)], "16 to 20 are past the snapshot"
    assert order.last == 20 and not order.holding


def test_a_run_already_behind_comes_marked_as_replayed() -> None:
    order = SeqOrder()
    order.snapshot(10, 0.0)
    (name, payload), = order.message(*run(5, 9), 0.0)
    assert payload.get("replayed") is True and order.last == 10


@given(st.lists(st.integers(1, 4), min_size=1, max_size=20), st.randoms())
def test_runs_and_steps_in_any_arrival_order_come_out_in_seq_order(widths, rng) -> None:
    """Steps cut into runs of skips (odd) and single messages (even), shuffled: handed on in
    order, each once, nothing held at the end."""
    order, sent, seq = SeqOrder(grace=10.0), [], 1
    order.snapshot(0, 0.0)
    for n, width in enumerate(widths):
        sent.append(run(seq, seq + width - 1) if n % 2 else msg(seq))
        seq += width if n % 2 else 1
    arrival = sent[:]
    rng.shuffle(arrival)
    out = [m for message in arrival for m in order.message(*message, now=0.0)]
    assert out == sent and not order.holding and order.last == seq - 1

"""The 差评 case workflow in the core: every step against every status, the note, the appeal
decided by someone else, the follow-up deadline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hall import cases as rules
from hall.cases import Case, CaseError

RATED = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


def opened(status: str = rules.OPEN, **more) -> Case:
    return Case(id=7, status=status, opened_at=RATED, due_at=rules.follow_up_due(RATED, 24), **more)


@pytest.mark.parametrize("status", list(rules.STATUSES))
@pytest.mark.parametrize("step", list(rules.STEPS))
def test_every_step_against_every_status(status: str, step: str) -> None:
    case = opened(status, appealed_by="boss" if status == rules.APPEALED else None)
    allowed = status in rules.STEPS[step].after
    assert (step in rules.next_steps(case)) is allowed
    if allowed:
        after, taken = rules.take(case, step, " 说明 ", "chief", RATED)
        assert after.status == rules.STEPS[step].to and taken.note == "说明"
        assert (taken.from_status, taken.to_status, taken.actor) == (status, after.status, "chief")
    else:
        with pytest.raises(CaseError) as refused:
            rules.take(case, step, "说明", "chief", RATED)
        assert refused.value.code == "step_not_allowed" and "/" in str(refused.value)


def test_a_note_is_required_and_short() -> None:
    for note in ("", "   ", "长" * (rules.NOTE_MAX + 1)):
        with pytest.raises(CaseError, match="note"):
            rules.take(opened(), "follow_up", note, "boss", RATED)
    with pytest.raises(CaseError) as refused:
        rules.take(opened(), "shrug", "说明", "boss", RATED)
    assert refused.value.code == "bad_step"


def test_an_appeal_is_decided_by_someone_else_and_closing_records_the_outcome() -> None:
    case, _ = rules.take(opened(rules.FOLLOWED_UP), "appeal", "系统故障", "boss", RATED)
    assert case.status == rules.APPEALED and case.appealed_by == "boss"
    with pytest.raises(CaseError) as refused:
        rules.take(case, "appeal_upheld", "成立", "boss", RATED)
    assert refused.value.code == "own_appeal"
    upheld, _ = rules.take(case, "appeal_upheld", "成立", "chief", RATED)
    closed, _ = rules.take(upheld, "close", "已反馈", "boss", RATED + timedelta(hours=1))
    assert (closed.status, closed.outcome, closed.closed_at) == (rules.CLOSED, "appeal_upheld", RATED + timedelta(hours=1))
    rejected, _ = rules.take(case, "appeal_rejected", "不成立", "chief", RATED)
    assert rejected.status == rules.FOLLOWED_UP and rejected.appealed_by is None
    rectified, _ = rules.take(rejected, "rectify", "已整改", "boss", RATED)
    assert rules.take(rectified, "close", "已反馈", "boss", RATED)[0].outcome == "rectified"


def test_follow_up_is_overdue_only_while_nobody_followed_up() -> None:
    case = opened()
    assert case.due_at == RATED + timedelta(hours=24)
    assert not rules.overdue(case, case.due_at) and rules.overdue(case, case.due_at + timedelta(seconds=1))
    followed, _ = rules.take(case, "follow_up", "已回访", "boss", case.due_at + timedelta(hours=1))
    assert not rules.overdue(followed, case.due_at + timedelta(days=3))


def test_the_follow_up_sets_the_rectification_deadline_and_only_a_followed_up_case_runs_late() -> None:
    at = RATED + timedelta(hours=3)
    followed, _ = rules.take(opened(), "follow_up", "已回访", "boss", at, rectify_hours=72)
    due = at + timedelta(hours=72)
    assert followed.rectify_due_at == due
    assert not rules.rectify_overdue(followed, due) and rules.rectify_overdue(followed, due + timedelta(seconds=1))
    assert rules.late(followed, due + timedelta(seconds=1)) and not rules.late(followed, due)
    appealed, _ = rules.take(followed, "appeal", "系统故障", "clerk", at + timedelta(hours=1))
    assert not rules.rectify_overdue(appealed, due + timedelta(days=1))     # nothing to put right while heard
    rejected, _ = rules.take(appealed, "appeal_rejected", "不属误评", "chief", due + timedelta(days=1),
                             rectify_hours=72)
    assert rejected.rectify_due_at == due                                  # the deadline it had
    assert rules.rectify_overdue(rejected, due + timedelta(days=1))
    rectified, _ = rules.take(rejected, "rectify", "已整改", "boss", due + timedelta(days=2))
    assert rectified.rectify_due_at == due and not rules.late(rectified, due + timedelta(days=9))


def test_without_rectify_hours_no_deadline_is_set() -> None:
    followed, _ = rules.take(opened(), "follow_up", "已回访", "boss", RATED)
    assert followed.rectify_due_at is None and not rules.rectify_overdue(followed, RATED + timedelta(days=99))

"""差评 cases: what follows a 不满意 or 非常不满意 rating until a supervisor closes it.

国办发〔2019〕51号 asks that every 差评 be followed up ("谁办理、谁负责"): the citizen is
contacted and the facts checked (回访核实); what is wrong is put right or explained (整改);
a window that thinks the rating mistaken or malicious may appeal (申诉), and someone other than
the appellant decides it (复核); the case is closed with a note (办结), never left open.

Everything that moves a case is in this module: which step may follow which status, what a
step needs, when the follow-up and the rectification (整改) are due and whether either is
overdue. No clock, no I/O: the caller
passes `now` and stores what comes back. A refused step raises CaseError and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

OPEN = "open"                      # 待回访核实: opened by the rating, follow-up due
FOLLOWED_UP = "followed_up"        # 已回访核实: the citizen was contacted, the facts checked
APPEALED = "appealed"              # 申诉中: the window disputes the rating
RECTIFIED = "rectified"            # 已整改: what was wrong was put right (or explained)
APPEAL_UPHELD = "appeal_upheld"    # 申诉成立: the rating was found mistaken or malicious
CLOSED = "closed"                  # 已办结

#: status → (Chinese, English), as the supervisor's page shows them
STATUSES = {
    OPEN: ("待回访核实", "Awaiting follow-up"),
    FOLLOWED_UP: ("已回访，待整改或申诉", "Followed up: rectify or appeal"),
    APPEALED: ("申诉复核中", "Appeal under review"),
    RECTIFIED: ("已整改，待办结", "Rectified: to be closed"),
    APPEAL_UPHELD: ("申诉成立，待办结", "Appeal upheld: to be closed"),
    CLOSED: ("已办结", "Closed"),
}


@dataclass(frozen=True)
class Step:
    """One kind of step: the statuses it may follow, and the status it leaves."""

    name: str
    name_en: str
    after: tuple[str, ...]
    to: str


#: The workflow, whole: a step not listed for a status is refused.
STEPS = {
    "follow_up": Step("回访核实", "Follow-up with the citizen", (OPEN,), FOLLOWED_UP),
    "rectify": Step("整改", "Rectification", (FOLLOWED_UP,), RECTIFIED),
    "appeal": Step("申诉", "Appeal", (FOLLOWED_UP,), APPEALED),
    "appeal_upheld": Step("申诉成立", "Appeal upheld", (APPEALED,), APPEAL_UPHELD),
    "appeal_rejected": Step("申诉驳回", "Appeal rejected", (APPEALED,), FOLLOWED_UP),
    "close": Step("办结", "Close", (RECTIFIED, APPEAL_UPHELD), CLOSED),
}
#: what a case was closed on
OUTCOMES = {RECTIFIED: "rectified", APPEAL_UPHELD: "appeal_upheld"}
NOTE_MAX = 500


class CaseError(Exception):
    """A step the workflow refuses; `code` for the JSON error, the message in both languages."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Case:
    id: int
    status: str
    opened_at: datetime
    due_at: datetime
    appealed_by: str | None = None   # who filed the appeal under review: not who decides it
    outcome: str | None = None
    closed_at: datetime | None = None
    rectify_due_at: datetime | None = None   # set by the follow-up: 整改 is due by then


@dataclass(frozen=True)
class StepTaken:
    """What a step leaves behind: stored with the case, and as a line of the audit trail."""

    case_id: int
    step: str
    at: datetime
    actor: str
    note: str
    from_status: str
    to_status: str


def follow_up_due(rated_at: datetime, hours: float) -> datetime:
    """When the follow-up of a 差评 rated at `rated_at` is due."""
    return rated_at + timedelta(hours=hours)


def overdue(case: Case, now: datetime) -> bool:
    """Still not followed up when the follow-up was due."""
    return case.status == OPEN and now > case.due_at


def rectify_overdue(case: Case, now: datetime) -> bool:
    """Followed up, neither rectified nor under appeal, when the rectification was due. While
    an appeal is heard nothing is to be put right yet; a rejected one brings the case back
    with the deadline it had."""
    return case.status == FOLLOWED_UP and case.rectify_due_at is not None and now > case.rectify_due_at


def late(case: Case, now: datetime) -> bool:
    """Behind either deadline: the case's alert is red, its card marked overdue."""
    return overdue(case, now) or rectify_overdue(case, now)


def next_steps(case: Case) -> tuple[str, ...]:
    return tuple(name for name, step in STEPS.items() if case.status in step.after)


def take(case: Case, step: str, note: str, actor: str, now: datetime,
         rectify_hours: float | None = None) -> tuple[Case, StepTaken]:
    """The case after `step`, and the step as taken; CaseError if the workflow refuses it.
    The follow-up sets the rectification deadline, `rectify_hours` later ([supervision]
    bad_rating_rectify_hours); no later step moves it."""
    kind = STEPS.get(step)
    if kind is None:
        raise CaseError("bad_step", "未知的处理步骤 / unknown step: " + ", ".join(STEPS))
    note = note.strip()
    if not note or len(note) > NOTE_MAX:
        raise CaseError("note_required", f"每一步都需填写说明（{NOTE_MAX} 字以内）/ every step needs a note "
                        f"of at most {NOTE_MAX} characters")
    if case.status not in kind.after:
        name, name_en = STATUSES[case.status]
        raise CaseError("step_not_allowed", f"此差评{name}，不能{kind.name} / this case is "
                        f"{name_en.lower()}: it cannot take the step {step}")
    if step in ("appeal_upheld", "appeal_rejected") and actor == case.appealed_by:
        raise CaseError("own_appeal", "申诉须由提出人以外的人复核 / an appeal is decided by someone other "
                        "than who filed it")
    after = replace(case, status=kind.to,
                    appealed_by=actor if step == "appeal" else (case.appealed_by if kind.to == APPEALED else None),
                    outcome=OUTCOMES.get(case.status) if kind.to == CLOSED else None,
                    closed_at=now if kind.to == CLOSED else None,
                    rectify_due_at=(now + timedelta(hours=rectify_hours)
                                    if step == "follow_up" and rectify_hours is not None else case.rectify_due_at))
    return after, StepTaken(case.id, step, now, actor, note, case.status, kind.to)

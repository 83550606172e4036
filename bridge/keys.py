"""What a caller keypad's keys mean: a small state machine per keypad, no I/O.

Digits collect; 0x0C calls (the next citizen, or the typed number); 0x0D recalls; 0x0A starts
serving; a digit then 0x0F is a function: 2 finish, 5 no-show, 0 pause or resume. Any other key
clears what was typed. docs/hardware.md lists the map; another model's keys change only here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DIGITS = range(0x00, 0x0A)
KEY_START = 0x0A
KEY_CALL = 0x0C
KEY_RECALL = 0x0D
KEY_FUNCTION = 0x0F
#: the digit typed before 0x0F → the action
FUNCTIONS = {2: "finish", 5: "no_show", 0: "pause_resume"}
#: the longest number a clerk types (a ticket's serial)
MOST_DIGITS = 4

#: every action a keypad can ask for
ACTIONS = ("call_next", "call_number", "recall", "start", "finish", "no_show", "pause_resume")


@dataclass(frozen=True)
class Action:
    name: str                 # one of ACTIONS
    digits: str = ""          # the typed number, for call_number


@dataclass
class KeySequence:
    typed: list[int] = field(default_factory=list)

    def press(self, key: int) -> Action | None:
        """The action this key completes, if any; digits and unknown keys only change what is typed."""
        if key in DIGITS:
            self.typed = (self.typed + [key])[-MOST_DIGITS:]
            return None
        typed, self.typed = self.typed, []
        if key == KEY_CALL:
            return Action("call_number", "".join(map(str, typed))) if typed else Action("call_next")
        if key == KEY_RECALL:
            return Action("recall")
        if key == KEY_START:
            return Action("start")
        if key == KEY_FUNCTION and typed and typed[-1] in FUNCTIONS:
            return Action(FUNCTIONS[typed[-1]])
        return None

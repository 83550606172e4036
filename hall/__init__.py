"""The hall's pure core: tickets, windows and the queue rules, with no I/O and no clock.

Everything here takes the time as an argument and returns new values, so the rules can be
tested in milliseconds and replayed from the event log.
"""

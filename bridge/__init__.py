"""The bridge to a hall's RS-485 hardware: caller keypads (呼叫器), window LED strips (条屏) and
satisfaction raters (评价器), driven from a process of their own that talks to the server like
any other client (REST and the live channel) and to the devices through pyserial.

frames.py (the two wire formats, pure) → bus.py (a port: open, read, write, reopen) →
keys.py and presenter.py (what a key does, what a strip or keypad shows, plain Python) →
app.py (one process: the server through client/, the ports, the decisions carried out). emulate.py plays
the devices for demos and tests. docs/hardware.md describes the protocols with worked frames.
"""

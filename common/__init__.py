"""What several parts of the hall need and none of them owns: where a command finds its data
and configuration, the one-line command error, the sounds of a call.

It imports nothing of the project's other packages, so every part may import it.
"""

"""Ticket slips on ESC/POS thermal printers: layout, bytes, transport."""

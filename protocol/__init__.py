"""The hall's wire protocol, shared by the server and every client.

`protocol.live` names each live message and declares its payload (TypedDicts); the server
builds the payloads (server/protocol.py), the Python client, the kiosk and the board
import the names from here, and the web pages get the same names as a script generated
from this package (`protocol.javascript`, served at /static/protocol.js). Nothing here
imports the server, Flask or Qt, so any part of the hall may depend on it.
"""

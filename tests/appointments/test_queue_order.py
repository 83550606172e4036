"""Through the service layer: a checked-in appointment is called after green-channel tickets
and before the item's normal tickets, even when the normal ones were issued first."""

from __future__ import annotations

from hall.tickets import Priority
from tests.appointments.conftest import DAY
from tests.server.test_api import Api, signed_in


def test_appointment_ticket_called_after_green_and_before_normal(appt_app, kiosk) -> None:
    hall = appt_app.extensions["jiaohao"].service
    normal = [hall.issue("A01").ticket.number for _ in range(2)]
    green = hall.issue("A01", Priority.GREEN).ticket.number
    status, booked = Api(appt_app).post("/appointments", {"service": "A01", "date": DAY, "start": "09:00",
                                                          "mobile": "13800138000"})
    assert status == 201
    appt_app.clock.advance(hours=1)
    status, reply = kiosk.post("/appointments/check-in", {"code": booked["code"]})
    assert status == 201
    clerk = signed_in(appt_app, "clerk2", 3)
    assert [serve_next(clerk) for _ in range(4)] == [green, reply["number"], *normal]


def serve_next(clerk: Api) -> str:
    """Call the next ticket and finish it, so the window is free for the next call."""
    status, reply = clerk.post("/windows/3/call-next")
    assert status == 200, reply
    ticket = reply["ticket"]
    assert clerk.post(f"/tickets/{ticket['id']}/start")[0] == 200
    assert clerk.post(f"/tickets/{ticket['id']}/finish")[0] == 200
    return ticket["number"]

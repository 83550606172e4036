"""All of the hall's SQL, with `?` placeholders, one module per aggregate; the mapping between
rows and values.

Functions take an open connection; the caller (the service layer) owns the transaction.
The SQLite-specific pieces (how times are stored) live in `dialect`.
"""

from .halls import (  # noqa: F401
    find_hall,
    hall_by_id,
    insert_hall,
    update_hall,
    insert_setup,
    current_setup,
    project_setup,
    setup_version,
    log_and_setup_versions,
)
from .windows import (  # noqa: F401
    load_windows,
    window_exists,
    save_window,
)
from .tickets import (  # noqa: F401
    TICKET_COLUMNS,
    ticket_from_row,
    insert_ticket,
    update_ticket,
    next_ticket_id,
    open_tickets,
    tickets_by_id,
    get_ticket,
    ticket_by_number,
    ticket_by_track_hash,
    all_tickets,
    last_serials,
    issued_counts,
    ticket_for_request,
    remember_request,
)
from .events import (  # noqa: F401
    append_event,
    append_events,
    event_records,
    event_records_between,
    last_seq,
    recent_calls,
    call_event,
    actor_counts_for_day,
    ratings_for_day,
    rated_visits,
    HANDLING_SAMPLES,
    handling_minutes,
)
from .accounts import (  # noqa: F401
    insert_user,
    find_user,
    get_user,
    list_users,
    set_password_hash,
    record_sign_in_failure,
    sign_in_failures_since,
    forget_sign_in_failures,
    set_locked_until,
    touch_session,
    set_user_disabled,
    set_user_profile,
    active_admins,
    clerk_names,
    insert_session,
    session_user,
    revoke_session,
    revoke_user_sessions,
    dead_sessions,
)
from .devices import (  # noqa: F401
    insert_device,
    live_device_named,
    device_by_token_hash,
    list_devices,
    live_devices,
    revoke_device,
    touch_device,
    revoked_devices,
    set_device_status,
)
from .audit import (  # noqa: F401
    insert_audit,
    audit_entries,
    AUDIT_KINDS,
    audit_entries_between,
    purge_audit_before,
    insert_rating_delivery,
    rating_deliveries,
    delivered_rating_days,
)
from .alerts import (  # noqa: F401
    open_alerts,
    get_alert,
    insert_alert,
    escalate_alert,
    acknowledge_alert,
    clear_alert,
    append_alert_event,
    acknowledged_alert_keys,
    alerts_between,
)
from .bookings import (  # noqa: F401
    PLACE_HOLDING,
    booked_in_slot,
    booked_per_slot,
    open_bookings_taken_at,
    open_bookings_of,
    insert_booking,
    booking_by,
    set_booking_state,
    move_booking,
    bookings_due_for_no_show,
    slot_bookings,
    booking_figures,
    clear_mobiles,
    seal_clear_mobile,
    purge_booking_personal_data,
)

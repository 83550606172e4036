"""Personal data at rest (等保 level 2): mobile numbers sealed in the database with the key kept
in the data directory, looked up through a keyed index, shown masked, purged on schedule, and
sealed by the migration when an older database held them in clear text."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date, datetime, time, timezone

import pytest

from hall.appointments import AppointmentError
from server import db, personal
from server.appointments import AppointmentService
from server.datadir import SECRET_FILENAME, open_data_dir
from server.personal import AES, SM4, SealError, Vault
from server.services import HallService
from tests.conftest import FakeClock, small_hall_document, to_toml

BOOKABLE = {"enabled": True, "slot_minutes": 30, "capacity": 3, "hours": "09:00-12:00",
            "days_ahead": 7, "max_per_mobile_per_day": 2, "max_per_mobile_per_item": 2}
#: 2026-11-26 08:00 in the hall, before the first slot
EARLY = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)
NUMBER = "13812345678"


def file_bytes(folder) -> bytes:
    """Everything SQLite keeps on disk for the hall: the database file and its log."""
    return b"".join(path.read_bytes() for path in folder.iterdir() if path.name.startswith(db.DB_FILENAME))


@pytest.fixture
def hall(tmp_path, seeded):
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(appointments=BOOKABLE)), encoding="utf-8")
    data = open_data_dir(seeded(tmp_path / "var", config), config)
    clock = FakeClock(EARLY)
    service = HallService(data.database, data.hall_id, clock=clock, vault=data.vault)
    yield data, service, AppointmentService(service), clock
    data.close()


# --- the vault -------------------------------------------------------------------------------

def test_a_sealed_number_opens_only_with_its_key_and_purpose() -> None:
    vault = Vault(bytes(range(32)))
    sealed = vault.seal(NUMBER)
    assert NUMBER not in sealed and vault.open(sealed) == NUMBER
    assert vault.seal(NUMBER) != sealed                       # a fresh nonce every time
    with pytest.raises(SealError):
        Vault(bytes(range(1, 33))).open(sealed)               # another hall's key
    with pytest.raises(SealError):
        vault.open(sealed, purpose="name")                    # not a name
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(SealError):
        vault.open(tampered)


def test_sm4_where_openssl_offers_it_and_either_cipher_opens() -> None:
    key = bytes(range(32))
    expected = SM4 if personal.sm4_available() else AES
    assert Vault(key).seal(NUMBER).startswith(expected + "$")
    by_aes = Vault(key, cipher=AES).seal(NUMBER)
    assert by_aes.startswith(AES + "$") and Vault(key).open(by_aes) == NUMBER


def test_the_index_matches_equal_numbers_and_reveals_none() -> None:
    vault = Vault(bytes(range(32)))
    assert vault.index(NUMBER) == vault.index(NUMBER) != vault.index("13812345679")
    assert NUMBER not in vault.index(NUMBER) and len(vault.index(NUMBER)) == 64
    assert Vault(bytes(range(1, 33))).index(NUMBER) != vault.index(NUMBER)


def test_the_key_is_kept_beside_the_secret_readable_by_its_owner_only(hall) -> None:
    data, *_ = hall
    key_file = data.path / personal.KEY_FILENAME
    assert (data.path / SECRET_FILENAME).exists() and key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(bytes.fromhex(key)) == 32 and key.encode() not in file_bytes(data.path)
    # the same directory opened again seals and opens with the same key
    assert Vault.in_data_dir(data.path).open(data.vault.seal(NUMBER)) == NUMBER


# --- bookings --------------------------------------------------------------------------------

def test_a_booked_number_is_not_readable_in_the_sqlite_files(hall) -> None:
    data, service, bookings, _ = hall
    booked = bookings.book("A01", date(2026, 11, 26), time(9), NUMBER, name="张三")
    assert booked.booking["mobile"] == "138****5678"
    row = data.database.connection().execute("SELECT * FROM bookings").fetchone()
    assert "mobile" not in row.keys() and row["mobile_index"] == data.vault.index(NUMBER)
    assert data.vault.open(row["mobile_sealed"]) == NUMBER
    assert NUMBER.encode() not in file_bytes(data.path)


def test_the_per_number_limit_counts_through_the_index(hall) -> None:
    _, _, bookings, _ = hall
    day = date(2026, 11, 26)
    bookings.book("A01", day, time(9), NUMBER)
    bookings.book("A02", day, time(9), NUMBER)
    with pytest.raises(AppointmentError) as refused:
        bookings.book("C01", day, time(10), " 138-1234-5678 ")   # the same number, typed otherwise
    assert refused.value.code == "limit_per_day"
    assert bookings.book("C01", day, time(10), "13912345678").booking["mobile"] == "139****5678"


# --- retention -------------------------------------------------------------------------------

def test_personal_data_is_purged_after_the_retention_days(hall) -> None:
    data, service, bookings, clock = hall
    old = bookings.book("A01", date(2026, 11, 26), time(9), NUMBER, name="张三")
    kept = bookings.book("A01", date(2026, 12, 2), time(9), "13912345678", name="李四")
    clock.now = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
    bookings.check_in(old.booking["code"], actor="device:1")
    clock.now = datetime(2026, 12, 27, 2, 0, tzinfo=timezone.utc)    # 31 days on: past 30
    assert personal.purge_expired(service) == 1
    conn = data.database.connection()
    rows = {r["code"]: r for r in conn.execute("SELECT * FROM bookings")}
    purged, still = rows[old.booking["code"]], rows[kept.booking["code"]]
    assert purged["mobile_sealed"] is None and purged["mobile_index"] is None and purged["name"] == ""
    assert purged["state"] == "checked_in"              # the visit itself stays for the figures
    assert data.vault.open(still["mobile_sealed"]) == "13912345678"   # 25 days ago: kept
    view = bookings._view(purged)
    assert view["mobile"] == "" and view["name"] == ""
    assert NUMBER.encode() not in file_bytes(data.path)


def test_a_booking_still_to_come_keeps_its_number(hall) -> None:
    data, service, bookings, clock = hall
    bookings.book("A01", date(2026, 12, 2), time(9), NUMBER)
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    assert personal.purge_expired(service) == 0
    row = data.database.connection().execute("SELECT * FROM bookings").fetchone()
    assert data.vault.open(row["mobile_sealed"]) == NUMBER


def test_the_retention_is_a_setting_with_a_floor() -> None:
    from hall.config import ConfigError, parse_config
    assert parse_config(small_hall_document(security={"personal_data_days": 7})).security.personal_data_days == 7
    assert parse_config(small_hall_document()).security.personal_data_days == 30
    with pytest.raises(ConfigError):
        parse_config(small_hall_document(security={"personal_data_days": 0}))


# --- the migration ---------------------------------------------------------------------------

def _database_of_the_release_before(path) -> sqlite3.Connection:
    """Version 7 of the schema, holding a hall with two clear-text bookings and a desk one."""
    conn = db.connect(path / db.DB_FILENAME)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at TEXT NOT NULL)")
    for version, name, script in db._migrations():
        if version < 8:
            with db.write(conn):
                for statement in db._statements(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (version, name))
    with db.write(conn):
        conn.execute("INSERT INTO halls (id, code, name, name_en, timezone, created_at) "
                     "VALUES (1, 'test-hall', '测试大厅', 'Test Hall', 'Asia/Shanghai', '2026-01-01')")
        for n, mobile in enumerate((NUMBER, "13912345678", "desk")):
            conn.execute("INSERT INTO bookings (hall_id, code, manage_token_hash, service, slot_date, "
                         "slot_start, slot_end, mobile, name, state, created_at, created_by, updated_at) "
                         "VALUES (1, ?, ?, 'A01', '2026-11-26', '09:00', '09:30', ?, '', 'booked', 'a', "
                         "'citizen', 'a')", (f"CODE{n}", f"hash{n}", mobile))
    return conn


@pytest.mark.sqlite_only   # a SQLite file of the release before, read byte by byte
def test_the_migration_seals_numbers_stored_in_clear_text(tmp_path, small_config_file) -> None:
    _database_of_the_release_before(tmp_path).close()
    assert NUMBER.encode() in file_bytes(tmp_path)
    data = open_data_dir(tmp_path, small_config_file)
    try:
        conn = data.database.connection()
        rows = {r["code"]: r for r in conn.execute("SELECT * FROM bookings")}
        assert data.vault.open(rows["CODE0"]["mobile_sealed"]) == NUMBER
        assert rows["CODE1"]["mobile_index"] == data.vault.index("13912345678")
        assert rows["CODE2"]["at_desk"] == 1 and rows["CODE2"]["mobile_sealed"] is None
        assert "mobile" not in rows["CODE0"].keys()
        assert NUMBER.encode() not in file_bytes(tmp_path)
        assert b"13912345678" not in file_bytes(tmp_path)
    finally:
        data.close()


@pytest.mark.sqlite_only   # a SQLite file of the release before, read byte by byte
def test_without_its_key_the_migration_refuses_rather_than_lose_numbers(tmp_path) -> None:
    conn = _database_of_the_release_before(tmp_path)
    with pytest.raises(sqlite3.IntegrityError):
        db.migrate(conn)
    assert db.schema_version(conn) == 7
    assert conn.execute("SELECT mobile FROM bookings WHERE code = 'CODE0'").fetchone()[0] == NUMBER
    conn.close()

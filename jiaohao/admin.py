"""`jiaohao admin`: staff accounts, device tokens and the hall's setup from the shell."""

from __future__ import annotations

import argparse
import getpass
import sys

from common.errors import CommandError
from common.paths import add_data_options, config_path, data_dir, database_url

#: who the audit trail names for changes made from the shell
CLI_ACTOR = "admin-cli"


def register(sub: argparse._SubParsersAction) -> None:
    admin = sub.add_parser("admin", help="manage staff, device tokens and the hall setup")
    add_data_options(admin)
    groups = admin.add_subparsers(dest="group", metavar="GROUP", required=True)

    user = groups.add_parser("user", help="staff accounts").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    add = user.add_parser("add", help="create a staff account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("clerk", "supervisor", "admin", "city"),
                     help="city: reads every hall of the deployment (/city) and changes none")
    add.add_argument("--password", help="the password (asked for when not given)")
    add.add_argument("--display-name", help="the name shown on window screens")
    add.add_argument("--staff-no", help="工号, shown on the window screen")
    add.set_defaults(func=_user_add)
    passwd = user.add_parser("passwd", help="set a new password")
    passwd.add_argument("name")
    passwd.add_argument("--password")
    passwd.set_defaults(func=_user_passwd)
    for action, helptext in (("disable", "stop an account signing in"), ("enable", "allow it again")):
        p = user.add_parser(action, help=helptext)
        p.add_argument("name")
        p.set_defaults(func=_user_disable, disabled=action == "disable")
    unlock = user.add_parser("unlock", help="let an account locked after wrong passwords sign in again")
    unlock.add_argument("name")
    unlock.set_defaults(func=_user_unlock)
    user.add_parser("list", help="list staff accounts").set_defaults(func=_user_list)

    device = groups.add_parser("device", help="device tokens").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    dadd = device.add_parser("add", help="create a device and print its token")
    dadd.add_argument("name")
    dadd.add_argument("--kind", required=True, choices=("kiosk", "display", "window", "bridge"))
    dadd.add_argument("--window", type=int, metavar="N", help="the window a window screen belongs to")
    dadd.add_argument("--windows", type=_window_list, metavar="N,M", default=(),
                      help="the windows a bridge (RS-485 keypads, strips, raters) acts at")
    dadd.set_defaults(func=_device_add)
    revoke = device.add_parser("revoke", help="revoke a device's token at once")
    revoke.add_argument("name")
    revoke.set_defaults(func=_device_revoke)
    device.add_parser("list", help="list devices").set_defaults(func=_device_list)

    hall = groups.add_parser("hall", help="the deployment's halls and their setup").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    hadd = hall.add_parser("add", help="add the hall a config.toml describes (its [hall] code names it)")
    hadd.add_argument("--config", dest="hall_config", metavar="FILE", required=True,
                      help="the new hall's configuration")
    hadd.set_defaults(func=_hall_add)
    hall.add_parser("list", help="list the deployment's halls").set_defaults(func=_hall_list)
    hall.add_parser("show", help="summarise the setup in force").set_defaults(func=_hall_show)
    imp = hall.add_parser("import", help="make a config.toml the setup in force")
    imp.add_argument("file")
    imp.set_defaults(func=_hall_import)
    exp = hall.add_parser("export", help="write the setup in force as a config.toml")
    exp.add_argument("file")
    exp.set_defaults(func=_hall_export)

    rated = groups.add_parser("ratings", help="好差评: the provincial platform upload").add_subparsers(
        dest="ratings_command", required=True, metavar="COMMAND")
    upload = rated.add_parser("upload", help="send one day's rated visits to [server] ratings_upload_url")
    upload.add_argument("--date", help="the business day, YYYY-MM-DD (default: yesterday)")
    upload.set_defaults(func=_ratings_upload)

    move = groups.add_parser("migrate-to", help="copy the hall's SQLite data into PostgreSQL, checked by "
                                                 "replaying its log on both sides")
    move.add_argument("url", metavar="URL", help="postgresql://user@host:port/db")
    move.set_defaults(func=_migrate_to)

    backup = groups.add_parser("backup", help="consistent copy of the database while the hall runs")
    backup.add_argument("file")
    backup.set_defaults(func=_backup)
    _add_hall_option(groups)


#: the commands that work on the whole deployment rather than on one of its halls, as
#: "GROUP ACTION" ("backup" has no action: it copies the whole database)
DEPLOYMENT_WIDE = {"hall add", "hall list", "backup"}


def _add_hall_option(groups: argparse._SubParsersAction) -> None:
    """--hall CODE on every command that works on one hall: optional while the deployment has one."""
    for group_name, group in groups.choices.items():
        actions = [a for a in group._actions if isinstance(a, argparse._SubParsersAction)]
        leaves = actions[0].choices.items() if actions else [("", group)]
        for name, leaf in leaves:
            if f"{group_name} {name}".strip() in DEPLOYMENT_WIDE:
                continue
            leaf.add_argument("--hall", metavar="CODE",
                              help="the hall to work on (needed when the deployment has several)")


def _open(args: argparse.Namespace):
    from server.datadir import HallNotFound, open_data_dir
    try:
        return open_data_dir(data_dir(args), config_path(args), database=database_url(args),
                             hall=getattr(args, "hall", None))
    except HallNotFound as exc:
        raise CommandError(str(exc)) from None


def _password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return args.password
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise CommandError("no password given: use --password or type it")
        return line.rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise CommandError("the two passwords differ")
    return first


def _accounts_call(fn, *call_args, **kwargs):
    from server.accounts import AccountError
    try:
        return fn(*call_args, **kwargs)
    except AccountError as exc:
        raise CommandError(str(exc)) from None


def _user_add(args: argparse.Namespace) -> int:
    from server import accounts
    city = args.role == accounts.CITY
    if city and args.hall is None:
        args.hall = _first_hall(args)   # the deployment's own account: its trail is the first hall's
    data = _open(args)
    password = _password(args)
    _accounts_call(accounts.add_user, data.database, data.hall_id, args.name, args.role, password,
                   args.display_name, args.staff_no, actor=CLI_ACTOR, city=city)
    print(f"user {args.name} added ({args.role})")
    return 0


def _first_hall(args: argparse.Namespace) -> str | None:
    """The code of the deployment's first hall (None: none yet, the config's hall comes first)."""
    from server import repository as repo
    from server.datadir import open_deployment
    database = open_deployment(data_dir(args), database_url(args))
    try:
        with database.checked_out() as conn:
            row = repo.find_hall(conn)
    finally:
        database.close()
    return None if row is None else row["code"]


def _user_passwd(args: argparse.Namespace) -> int:
    from server import accounts
    data = _open(args)
    _refuse_other_halls_user(data, args.name)
    _accounts_call(accounts.set_password, data.database, args.name, _password(args), actor=CLI_ACTOR,
                   hall_id=data.hall_id)
    print(f"password of {args.name} changed")
    return 0


def _user_disable(args: argparse.Namespace) -> int:
    from server import accounts
    data = _open(args)
    _refuse_other_halls_user(data, args.name)
    _accounts_call(accounts.set_disabled, data.database, args.name, args.disabled, actor=CLI_ACTOR,
                   hall_id=data.hall_id)
    print(f"user {args.name} {'disabled' if args.disabled else 'enabled'}")
    return 0


def _user_unlock(args: argparse.Namespace) -> int:
    from server import accounts
    data = _open(args)
    _refuse_other_halls_user(data, args.name)
    _accounts_call(accounts.unlock, data.database, args.name, actor=CLI_ACTOR, address="cli",
                   hall_id=data.hall_id)
    print(f"user {args.name} unlocked")
    return 0


def _refuse_other_halls_user(data, name: str) -> None:
    """A hall's admin manages the accounts of their hall: another hall's are not found here."""
    from server import repository as repo
    if repo.find_user(data.database.connection(), name, data.hall_id) is None:
        raise CommandError(f"本大厅没有用户 {name} / no user named {name!r} in this hall")


def _user_list(args: argparse.Namespace) -> int:
    from server import repository as repo
    data = _open(args)
    rows = repo.list_users(data.database.connection(), data.hall_id)
    print(f"{'USER':<20} {'ROLE':<11} {'STAFF NO':<10} {'STATE':<9} NAME")
    for row in rows:
        state = "disabled" if row["disabled"] else "locked" if row["locked_until"] else "active"
        print(f"{row['username']:<20} {row['role']:<11} {row['staff_no'] or '-':<10} {state:<9} "
              f"{row['display_name']}")
    return 0


def _device_add(args: argparse.Namespace) -> int:
    from server import accounts
    data = _open(args)
    device = _accounts_call(accounts.add_device, data.database, data.hall_id, args.name, args.kind,
                            args.window, windows=args.windows, actor=CLI_ACTOR)
    print(f"device {device.name} added ({device.kind}); the token is shown only now.")
    print(f"token: {device.token}")
    return 0


def _window_list(text: str) -> tuple[int, ...]:
    """--windows 3,5 → (3, 5)."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and len(part) < 7 for part in parts):
        raise argparse.ArgumentTypeError(f"窗口号应为逗号分隔的数字，如 3,5 / windows must be numbers "
                                         f"separated by commas, such as 3,5 (got {text!r})")
    return tuple(int(part) for part in parts)


def _device_revoke(args: argparse.Namespace) -> int:
    from server import accounts
    data = _open(args)
    _accounts_call(accounts.revoke_device, data.database, data.hall_id, args.name, actor=CLI_ACTOR)
    print(f"device {args.name} revoked")
    return 0


def _device_list(args: argparse.Namespace) -> int:
    from server import repository as repo
    data = _open(args)
    print(f"{'DEVICE':<24} {'KIND':<8} {'STATE':<8} {'CREATED':<26} LAST SEEN")
    conn = data.database.connection()
    for row in repo.list_devices(conn, data.hall_id):
        state = "revoked" if row["revoked_at"] else "active"
        windows = ",".join(map(str, repo.device_windows(conn, row["id"]))) or row["window_number"] or ""
        print(f"{row['name']:<24} {row['kind']:<8} {state:<8} {row['created_at'][:19]:<26} "
              f"{(row['last_seen_at'] or 'never')[:19]}" + (f"  windows {windows}" if windows else ""))
    return 0


def _hall_add(args: argparse.Namespace) -> int:
    from server.datadir import HallExists, add_hall
    try:
        hall_id, code = add_hall(data_dir(args), args.hall_config, database=database_url(args))
    except HallExists as exc:
        raise CommandError(str(exc)) from None
    print(f"hall {code} added (id {hall_id})")
    return 0


def _hall_list(args: argparse.Namespace) -> int:
    from server import repository as repo
    from server.datadir import open_deployment
    database = open_deployment(data_dir(args), database_url(args))
    try:
        with database.checked_out() as conn:
            rows = repo.list_halls(conn)
    finally:
        database.close()
    print(f"{'CODE':<16} {'TIMEZONE':<18} NAME")
    for row in rows:
        print(f"{row['code']:<16} {row['timezone']:<18} {row['name']} / {row['name_en']}")
    return 0


def _hall_show(args: argparse.Namespace) -> int:
    from server.services import HallService
    data = _open(args)
    setup = HallService(data.database, data.hall_id).setup()
    print(f"{setup.hall.name} / {setup.hall.name_en} ({setup.hall.code}, {setup.hall.timezone})")
    print(f"{len(setup.departments)} departments, {len(setup.services)} service items, "
          f"{len(setup.windows)} windows")
    for window in setup.windows:
        print(f"  window {window.number:>3} {window.kind:<13} {window.name}: {len(window.services)} items")
    return 0


def _hall_import(args: argparse.Namespace) -> int:
    from server.datadir import import_setup
    data = _open(args)
    try:
        version = import_setup(data, args.file, actor=CLI_ACTOR)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(f"setup version {version} is now in force")
    return 0


def _hall_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hall.toml_writer import dumps
    from server import repository as repo
    data = _open(args)
    version, document = repo.current_setup(data.database.connection(), data.hall_id)
    Path(args.file).write_text(dumps(document), encoding="utf-8")
    print(f"setup version {version} written to {args.file}")
    return 0


def _ratings_upload(args: argparse.Namespace) -> int:
    from datetime import date, timedelta

    from server.app import ServerSettings
    from server.services import HallService
    from server.uploader import configured_uploader, upload_day
    data = _open(args)
    service = HallService(data.database, data.hall_id)
    uploader = configured_uploader(ServerSettings.from_config(service.setup().extra))
    if uploader is None:
        raise CommandError("好差评上报未开启 / uploading is off: set [server] ratings_upload_url first")
    try:
        day = date.fromisoformat(args.date) if args.date else service.today() - timedelta(days=1)
    except ValueError:
        raise CommandError(f"--date {args.date!r} is not a date like 2026-11-26") from None
    outcome = upload_day(service, day, uploader)
    print(f"{outcome['date']}: {outcome['rows']} rated visits {outcome['result']} "
          f"after {outcome['attempts']} attempt(s) {outcome['detail']}".rstrip())
    return 0 if outcome["result"] == "delivered" else 1


def _backup(args: argparse.Namespace) -> int:
    from server import db
    from server.backup import BackupElsewhere, backup_to, pg_dump
    from server.datadir import open_deployment
    database = open_deployment(data_dir(args), database_url(args))
    try:
        if database.dialect is db.SQLITE:
            pages = backup_to(database, args.file)
            print(f"backup written to {args.file} ({pages} pages)")
        else:
            size = pg_dump(database, args.file)
            print(f"pg_dump backup written to {args.file} ({size} bytes; restore with pg_restore)")
    except BackupElsewhere as exc:
        raise CommandError(str(exc)) from None
    finally:
        database.close()
    return 0


def _migrate_to(args: argparse.Namespace) -> int:
    from server.migrate_to import MigrationRefused, migrate_to
    data = _open(args)
    try:
        copied = migrate_to(data, args.url)
    except MigrationRefused as exc:
        raise CommandError(str(exc)) from None
    finally:
        data.close()
    rows = ", ".join(f"{table} {count}" for table, count in copied["rows"].items() if count)
    print(f"hall {copied['hall']} copied as hall {copied['hall_id']}: {rows}")
    print(f"verified: the log ({copied['events_replayed']} events) rebuilds the same "
          f"{copied['tickets_replayed']} tickets and windows on both sides")
    return 0

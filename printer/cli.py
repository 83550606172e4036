"""`jiaohao print-test`: print a sample slip of the hall, write its preview, or ask the
printer for its status. Only argparse is imported here; the rest on use."""

from __future__ import annotations

import argparse

from common.paths import add_data_options, config_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "print-test", help="print a sample ticket slip (打印测试)",
        description="Print a sample ticket slip of the configured hall on the printer of "
                    "[printer] url (or --printer), and optionally write a PNG preview of it.")
    add_data_options(parser)
    parser.add_argument("--printer", metavar="URL",
                        help="network://HOST[:9100], usb://VENDOR:PRODUCT, "
                             "serial:///dev/ttyS0?baudrate=9600, file:///PATH or dummy")
    parser.add_argument("--width", type=int, choices=(80, 58), help="paper width in mm")
    parser.add_argument("--chinese", choices=("native", "raster"),
                        help="raster for printers without a Chinese font")
    parser.add_argument("--qr", choices=("native", "raster"),
                        help="raster for printers without their own QR command")
    parser.add_argument("--service", metavar="CODE",
                        help="service item of the sample ticket (default: the one most windows serve)")
    parser.add_argument("--at", metavar="YYYY-MM-DDTHH:MM",
                        help="issue time printed, hall local time (default: now)")
    parser.add_argument("--preview", metavar="FILE.png", help="also write a PNG preview")
    parser.add_argument("--status", action="store_true",
                        help="only ask the printer for its online and paper status")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hall.config import load_config
    from common.errors import CommandError
    from printer import PrinterError, print_slip, printer_status, write_slip_preview
    from printer.config import printer_settings
    from printer.slip import slip_hall_from_config

    config = load_config(config_path(args))
    settings = printer_settings(config).with_overrides(
        url=args.printer, width=args.width, chinese=args.chinese, qr=args.qr)
    if args.status:
        status = printer_status(settings)
        paper = {"ok": "ok", "near_end": "nearly used up", "out": "OUT",
                 "unknown": "unknown"}[status.paper]
        online = {True: "online", False: "OFFLINE", None: "unknown"}[status.online]
        print(f"{settings.url}: {online}, paper {paper} — {status.detail}")
        return 0 if status.ready else 1
    ticket = _sample(config, args, CommandError)
    hall = slip_hall_from_config(config)
    try:
        if args.preview:
            print(f"preview written to {write_slip_preview(ticket, hall, settings, args.preview)}")
        result = print_slip(ticket, hall, settings)
    except PrinterError as exc:
        raise CommandError(str(exc)) from None
    print(f"printed sample slip {result.number} ({settings.width} mm, Chinese {settings.chinese}, "
          f"QR {settings.qr}, {result.bytes_sent} bytes) on {result.url} "
          f"in {result.seconds:.2f} s")
    return 0


def _sample(config, args: argparse.Namespace, error: type[Exception]):
    from datetime import datetime, timezone

    from printer.slip import sample_ticket

    issued_at = None
    if args.at:
        try:
            local = datetime.fromisoformat(args.at)
        except ValueError:
            raise error(f"--at {args.at!r}: expected a time like 2026-05-12T09:41") from None
        if local.tzinfo is None:
            local = local.replace(tzinfo=config.hall.tz)
        issued_at = local.astimezone(timezone.utc)
    try:
        return sample_ticket(config, args.service, issued_at=issued_at)
    except KeyError:
        raise error(f"--service {args.service!r} is not a service code of this hall") from None

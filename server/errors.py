"""One JSON error shape, {"error": code, "message": text}, for every refusal."""

from __future__ import annotations

import errno
import logging
import sqlite3

import psycopg
import psycopg.errors
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from hall.appointments import AppointmentError
from hall.config import ConfigError
from hall.tickets import QueueError

log = logging.getLogger(__name__)

NOT_FOUND_CODES = {"ticket_not_found", "window_not_found", "user_not_found", "device_not_found",
                   "remote_not_found"}
#: the hall refused who acted, not what they asked (hall/acting.py)
FORBIDDEN_CODES = {"not_your_window", "not_your_ticket", "not_signed_in"}
#: a request the hall's rules refuse whatever its state: malformed for them (GB/T 39046's lengths)
BAD_REQUEST_CODES = {"case_no_too_long"}
INVALID_CODES = {"bad_transfer", "reason_required", "bad_hold_minutes", "bad_return_to", "bad_rating",
                 "unknown_service", "bad_username", "bad_role", "weak_password", "bad_device_name",
                 "bad_kind", "bad_window", "bad_reasons", "bad_comment", "bad_id_number", "id_required"}

#: appointment refusals that are not "the slot or booking does not allow it now" (409)
APPOINTMENT_STATUS = {"booking_not_found": 404, "unknown_service": 404, "bad_mobile": 422,
                      "no_such_slot": 422, "slot_busy": 429}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class RateLimited(ApiError):
    """Too many requests from one address, ticket token or mobile number: the same 429 and
    Retry-After wherever a limit is spent."""

    def __init__(self, wait: int):
        super().__init__(429, "rate_limited", f"请求过于频繁，请 {wait} 秒后再试 / too many requests: "
                         f"try again in {wait} s", {"Retry-After": str(wait)})


class BadInput(ApiError):
    """Input no route may take (inbound.py): refused with one log line, never a traceback."""


#: werkzeug's own refusals, said the hall's way
HTTP_MESSAGES = {
    400: "请求无效 / bad request",
    404: "没有这个地址 / no such address",
    405: "此地址不接受这种请求 / this address does not take this method",
    408: "请求超时 / the request took too long to arrive",
    413: "请求体过大 / the request body is too large",
    415: "不支持的内容类型 / unsupported content type",
    431: "请求头过大 / the request headers are too large",
}


STORAGE_FULL = (507, "storage_full", "服务器存储空间已满，暂时无法取号或保存，请联系管理员 / the server's storage "
                "is full: nothing can be issued or saved until space is freed (tell the administrator)")
STORAGE_READ_ONLY = (503, "storage_read_only", "服务器存储为只读，暂时无法取号或保存，请联系管理员 / the server's "
                     "storage is read-only: nothing can be issued or saved (tell the administrator)")
STORAGE_ERROR = (503, "storage_error", "服务器存储故障，暂时无法保存，请联系管理员 / the server's storage failed: "
                 "nothing can be saved now (tell the administrator)")


def storage_problem(exc: BaseException) -> tuple[int, str, str] | None:
    """A write that failed because of the disk, not the request: (status, code, message)."""
    if isinstance(exc, (psycopg.errors.DiskFull, psycopg.errors.InsufficientResources)):
        return STORAGE_FULL
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return STORAGE_READ_ONLY
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "disk is full" in text or "database or disk is full" in text:
            return STORAGE_FULL
        if "readonly" in text or "read-only" in text:
            return STORAGE_READ_ONLY
        if "disk i/o error" in text or "unable to open database file" in text:
            return STORAGE_ERROR
        return None
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return STORAGE_FULL
        if exc.errno == errno.EROFS:
            return STORAGE_READ_ONLY
    return None


def status_for(code: str) -> int:
    if code in NOT_FOUND_CODES:
        return 404
    if code in FORBIDDEN_CODES:
        return 403
    if code in BAD_REQUEST_CODES:
        return 400
    if code in INVALID_CODES:
        return 422
    return 409   # the hall's state does not allow it now


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        if isinstance(exc, BadInput):
            log.warning("refused %s %s: %d %s", request.method, request.path, exc.status, exc.code)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(QueueError)
    def queue_error(exc: QueueError):
        return error_response(status_for(exc.code), exc.code, exc.message)

    @app.errorhandler(AppointmentError)
    def appointment_error(exc: AppointmentError):
        status = APPOINTMENT_STATUS.get(exc.code, 409)
        response = jsonify({"error": exc.code, "message": exc.message}
                           | {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in exc.detail.items()})
        response.status_code = status
        if "retry_after" in exc.detail:
            response.headers["Retry-After"] = str(exc.detail["retry_after"])
        return response

    @app.errorhandler(ConfigError)
    def config_error(exc: ConfigError):
        return error_response(422, "invalid_setup", str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if exc.code in (400, 408, 413, 431):
            log.warning("refused %s %s: %d %s", request.method, request.path, exc.code, code)
        message = HTTP_MESSAGES.get(exc.code or 500, exc.description or exc.name)
        return error_response(exc.code or 500, code, message)

    @app.errorhandler(RecursionError)
    @app.errorhandler(OverflowError)
    @app.errorhandler(UnicodeError)
    def unusable_input(exc: Exception):
        # inbound.py refuses these before a view runs; this is the net for input it cannot see
        log.warning("refused %s %s: %s", request.method, request.path, type(exc).__name__)
        return error_response(422, "bad_field", "输入无效（数字过大、嵌套过深或文本编码无效）/ unusable "
                              "input: a number too large, nesting too deep or text that is not valid Unicode")

    @app.errorhandler(OSError)
    @app.errorhandler(sqlite3.OperationalError)
    @app.errorhandler(psycopg.OperationalError)
    def database_busy(exc: Exception):
        storage = storage_problem(exc)
        if storage is not None:
            status, code, message = storage
            log.error("storage: %s (%s %s)", exc, request.method, request.path)
            return error_response(status, code, message, {"Retry-After": "30"})
        if not _busy(exc):
            return unexpected(exc)
        # nothing was written: the transaction rolled back, so the client may simply retry
        log.warning("database busy: %s", exc)
        return error_response(503, "busy", "系统繁忙，请重试 / the hall server is busy: please try again",
                              {"Retry-After": "1"})

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error")
        return error_response(500, "internal_error", "服务器内部错误 / internal server error")


def _busy(exc: BaseException) -> bool:
    """The database could not take the write now (nothing was written): SQLite's lock, or on
    PostgreSQL a deadlock still there after the retries, no free pooled connection, a lost one."""
    if isinstance(exc, psycopg.OperationalError):
        return True
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))

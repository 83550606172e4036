"""Notifications (通知): a text message or WeChat notice when a citizen's turn is near, when
they are called, and before an appointment.

- `settings`: the `[notify]` table of config.toml, validated once.
- `outbox`: what to send, written in the same transaction as the event that causes it (a
  call, a ticket reaching `ahead` people ahead by hall/order.py's count, a booking's reminder
  time), each message under an idempotency key, so a crash neither sends twice from the
  hall's side nor forgets one.
- `providers`: log, webhook, tencent_sms, aliyun_sms, wechat; each speaks its provider's
  published HTTP interface.
- `courier`: the background task that sends what is due, records every attempt (the
  delivery log), retries with backoff, drops what is out of date, and never holds up a
  request or the queue.
"""

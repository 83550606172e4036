"""The kiosk's look: every colour and size in one style sheet; the large-text mode scales it."""

from __future__ import annotations

from .parts import MIN_TOUCH


FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'


def style_sheet(large: bool) -> str:
    """All sizes in one place; the large-text mode scales them."""
    k = 1.4 if large else 1.0

    def px(size: float) -> str:
        return f"{round(size * k)}px"
    return f"""
    QWidget {{ font-family: {FONT}; color: #1a2433; }}
    #kiosk {{ background: #eef3f8; }}
    #header {{ background: #0b4f8a; }}
    #header QLabel {{ color: white; }}
    #hallName {{ font-size: {px(34)}; font-weight: bold; }}
    #hallNameEn {{ font-size: {px(18)}; color: #cfe2f5; }}
    #clock {{ font-size: {px(34)}; }}
    #headerButton {{ background: #1f6db3; color: white; border: 2px solid #8fc1ec; border-radius: 12px;
                    font-size: {px(26)}; padding: 8px 18px; min-height: 84px; }}
    #headerButton[active="true"] {{ background: #ffd54a; color: #1a2433; }}
    #title {{ font-size: {px(40)}; font-weight: bold; }}
    #subtitle {{ font-size: {px(22)}; color: #4a5a70; }}
    #notice {{ font-size: {px(28)}; background: #fff3cd; border: 2px solid #e0a800; border-radius: 10px;
              padding: 14px; color: #6b4b00; }}
    #greenBanner {{ font-size: {px(28)}; background: #e3f6e8; border: 2px solid #2e9e57; border-radius: 10px;
                   padding: 14px; color: #14602f; }}
    QPushButton#touch {{ background: white; border: 2px solid #9db7d3; border-radius: 16px; text-align: left; }}
    QPushButton#touch:pressed {{ background: #d6e8fa; }}
    QPushButton#touch:disabled {{ background: #e4e7eb; border: 2px dashed #b3bac4; }}
    QPushButton#touch[kind="green"] {{ background: #2e9e57; border-color: #1f7a40; }}
    QPushButton#touch[kind="green"] QLabel {{ color: white; }}
    QPushButton#touch[kind="search"] {{ background: #0b4f8a; border-color: #0b4f8a; }}
    QPushButton#touch[kind="search"] QLabel {{ color: white; }}
    QPushButton#touch[kind="back"] {{ background: #dde6f0; }}
    #btnTitle {{ font-size: {px(32)}; font-weight: bold; }}
    #btnAlt {{ font-size: {px(19)}; color: #566579; }}
    #btnDetail {{ font-size: {px(24)}; color: #0b4f8a; }}
    #btnClosed {{ font-size: {px(24)}; color: #a33a1b; font-weight: bold; }}
    QLabel[off="true"] {{ color: #6d7682; }}
    QLabel#btnClosed[off="true"] {{ color: #a33a1b; }}
    QPushButton#key {{ background: white; border: 2px solid #9db7d3; border-radius: 10px;
                      font-size: {px(34)}; font-weight: bold; min-height: {MIN_TOUCH}px; }}
    QPushButton#key:pressed {{ background: #d6e8fa; }}
    QLineEdit#query {{ font-size: {px(44)}; padding: 12px; border: 3px solid #0b4f8a; border-radius: 12px;
                      background: white; min-height: 90px; }}
    #ticketCaption {{ font-size: {px(34)}; color: #4a5a70; }}
    #ticketNumber {{ font-size: 300px; font-weight: bold; color: #0b4f8a; }}
    #ticketItem {{ font-size: {px(34)}; font-weight: bold; }}
    #ticketLine {{ font-size: {px(32)}; }}
    #ticketWindows {{ font-size: {px(38)}; font-weight: bold; color: #14602f; }}
    #takeTicket {{ font-size: {px(48)}; font-weight: bold; color: white; background: #2e9e57;
                  border-radius: 16px; padding: 18px; }}
    #printProblem {{ font-size: {px(32)}; font-weight: bold; color: white; background: #c0392b;
                    border-radius: 16px; padding: 18px; }}
    #greenNote {{ font-size: {px(30)}; color: #14602f; background: #e3f6e8; border-radius: 12px; padding: 14px; }}
    #offlineTitle {{ font-size: {px(96)}; font-weight: bold; color: #c0392b; }}
    #offlineAlt {{ font-size: {px(40)}; color: #c0392b; }}
    #offlineReason {{ font-size: {px(32)}; }}
    #issuing {{ font-size: {px(56)}; font-weight: bold; color: #0b4f8a; }}
    #pinPad {{ background: rgba(10, 30, 50, 230); }}
    #pinPad QLabel {{ color: white; font-size: 40px; }}
    QScrollBar:vertical {{ width: 36px; }}
    QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; }}
    """

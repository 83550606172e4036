"""The hall board (综合屏) with live calls and spoken announcements."""
